"""Email backends: the one every email leaves through (internationalised domains as mail servers take them),
and the console backend the demo prints its emails with (credentials redacted, reminders withheld)."""

import copy
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends import console
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string

from surveys.addresses import for_mail

from .log_redaction import redact


def templated_message(*, subject: str, template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    """Return an email, composed but not sent, whose text is `template`.txt and whose HTML alternative is
    `template`.html, both rendered from one context.

    Every email Align sends is composed here, so each reads well in any mail client and its two forms carry
    the same figures and links (tests/test_emails.py compares them). The HTML extends email/base.html.
    """
    message = EmailMultiAlternatives(subject=subject, body=render_to_string(f"{template}.txt", context), to=to)
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


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


class MailDomainsBackend(BaseEmailBackend):
    """Every email leaves through this backend: it writes each address's domain in IDNA 2008 A-labels
    (`surveys.addresses.for_mail`), then hands the email to the backend EMAIL_URL chose (ALIGN_EMAIL_BACKEND).

    Left to Django, a Unicode domain is encoded with IDNA 2003, which sends sofia@straße.de's invitation —
    its survey link, or a password-reset link — to sofia@strasse.de, a mailbox of another domain.
    """

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.delivery = get_connection(settings.ALIGN_EMAIL_BACKEND, fail_silently=fail_silently, **kwargs)

    def open(self):
        return self.delivery.open()

    def close(self):
        return self.delivery.close()

    def send_messages(self, email_messages):
        for message in email_messages:
            message.from_email = _for_mail(message.from_email)
            for field in ("to", "cc", "bcc", "reply_to"):
                setattr(message, field, [_for_mail(entry) for entry in getattr(message, field)])
        return self.delivery.send_messages(email_messages)


def _for_mail(entry: str) -> str:
    """Return an address field entry ("x@y" or "Name <x@y>") with its domain in IDNA 2008 A-labels."""
    name, address = parseaddr(entry)
    if not address:
        return entry
    address = for_mail(address)
    return formataddr((name, address)) if name else address
