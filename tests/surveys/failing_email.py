import smtplib
import time

from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionError("mail server unreachable")


class RefusingBackend(locmem.EmailBackend):
    """A mail server that refuses any recipient whose address starts with "bounce", as SMTP does with a 550."""

    def send_messages(self, email_messages):
        for message in email_messages:
            refused = {to: (550, b"5.1.1 no such user") for to in message.to if to.startswith("bounce")}
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        return super().send_messages(email_messages)


class SlowBackend(locmem.EmailBackend):
    """A mail server that takes 20 ms to accept each email."""

    def send_messages(self, email_messages):
        time.sleep(0.02 * len(email_messages))
        return super().send_messages(email_messages)


class FullMailboxBackend(locmem.EmailBackend):
    """A mail server that accepts every recipient but rejects the message for a full mailbox at DATA (552)."""

    def send_messages(self, email_messages):
        for message in email_messages:
            if any(to.startswith("full") for to in message.to):
                raise smtplib.SMTPDataError(552, b"5.2.2 mailbox full")
        return super().send_messages(email_messages)
