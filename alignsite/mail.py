"""The console email backend the demo prints its emails with: credentials redacted, reminders withheld."""

import copy

from django.core.mail.backends import console

from .log_redaction import redact


def participation_revealing(message) -> None:
    """Mark an email whose sending depends on whether its recipient has answered (a reminder).

    An attribute of the message object in this process only: it never reaches the recipient or a mail server.
    """
    message.reveals_participation = True


class RedactingConsoleBackend(console.EmailBackend):
    """Django's console backend, for logs that others read (DESIGN.md §3.2, §3.6).

    Every link carrying a credential is redacted from the text and HTML bodies before printing. An email
    marked `participation_revealing` is not printed at all: a reminder goes only to people who have not
    answered, so even its recipient line would list them.
    """

    def write_message(self, message):
        if getattr(message, "reveals_participation", False):
            return
        shown = copy.copy(message)
        shown.body = redact(message.body)
        shown.alternatives = []
        for alternative in getattr(message, "alternatives", []):
            shown.attach_alternative(redact(alternative.content), alternative.mimetype)
        super().write_message(shown)
