"""Celery tasks of the collecting side: thin wrappers that take ids and call a service."""

import smtplib

from celery import shared_task
from django.conf import settings

from . import emails, services, slack

# Worth trying again: the mail server or the network hiccupped. Anything else is a bug and fails loudly.
TRANSIENT_EMAIL_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPDataError,
    ConnectionError,
    TimeoutError,
)
# Sending survey links may also wait on Slack: unreachable, rate limited past its retries, or the app's token
# refused (fixed by an admin, then the next retry or beat tick sends).
TRANSIENT_SENDING_ERRORS = (*TRANSIENT_EMAIL_ERRORS, slack.SlackUnavailable)


@shared_task
def cycles_tick_task() -> dict[str, int]:
    """Open due cycles, close finished ones and resume interrupted sending (run by beat every tick)."""
    return services.cycles_advance()


@shared_task(bind=True, autoretry_for=TRANSIENT_SENDING_ERRORS, retry_backoff=True, max_retries=8)
def invitations_send_task(self, cycle_id: int, first_id: int | None = None, last_id: int | None = None) -> int:
    """Send a cycle's invitations: given an id range, send that batch; without one, queue one task per batch
    of the unsent invitations, which any number of workers share. Return how many remain (in the range) or
    how many batches were queued.

    A batch left unsent by a lost worker is delivered again (acks late), and the beat tick queues the rest.
    """
    size = settings.ALIGN_INVITATION_BATCH_SIZE
    if first_id is None or last_id is None:
        batches = services.invitations_send_plan(cycle_id=cycle_id, batch_size=size)
        for first, last in batches:
            invitations_send_task.delay(cycle_id, first, last)
        return len(batches)
    _, remaining = services.invitations_send_batch(
        cycle_id=cycle_id, batch_size=size, first_id=first_id, last_id=last_id
    )
    return remaining


@shared_task(bind=True, autoretry_for=TRANSIENT_SENDING_ERRORS, retry_backoff=True, max_retries=8)
def reminders_send_task(self, cycle_id: int, day: int) -> int:
    """Send one batch of a cycle's reminder to people who have not answered; queue the next batch."""
    sent, remaining = services.reminders_send_batch(
        cycle_id=cycle_id, day=day, batch_size=settings.ALIGN_INVITATION_BATCH_SIZE
    )
    if sent and remaining:
        reminders_send_task.delay(cycle_id, day)
    return remaining


@shared_task(autoretry_for=TRANSIENT_EMAIL_ERRORS, retry_backoff=True, max_retries=8)
def login_email_send_task(user_id: int) -> None:
    """Send a new login its choose-a-password link."""
    emails.login_granted_email_send(user_id=user_id)


@shared_task(autoretry_for=TRANSIENT_EMAIL_ERRORS, retry_backoff=True, max_retries=8)
def password_reset_email_send_task(email: str) -> None:
    """Send a choose-a-new-password link to the logins with this address, if there are any.

    Takes the address as typed rather than an id: looking the login up in the request is what this task
    exists to avoid. Returns nothing, so the result backend does not record whether anything was sent.
    """
    emails.password_reset_email_send(email=email)
