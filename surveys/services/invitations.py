"""Invitations: creating tokens and emailing them, exactly once."""

import contextlib
import logging
import smtplib
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from .. import emails, slack
from ..models import AnsweredMarker, Cycle, Delivery, Invitation, InvitationToken, ReminderRound
from ..tokens import answered_marker, invitation_token, token_hash, token_new

logger = logging.getLogger(__name__)


def invitations_enqueue(*, cycle_id: int) -> None:
    """Queue sending of the cycle's unsent invitations once the current transaction commits."""
    from ..tasks import invitations_send_task

    transaction.on_commit(lambda: invitations_send_task.delay(cycle_id))


def reminders_enqueue(*, cycle_id: int, day: int) -> None:
    """Queue the cycle's reminder for `day` days after opening once the current transaction commits."""
    from ..tasks import reminders_send_task

    transaction.on_commit(lambda: reminders_send_task.delay(cycle_id, day))


def _unsent(invitation_id: int) -> Invitation | None:
    """Return the invitation locked for sending, or None if it is sent, held by another worker or not open."""
    return (
        Invitation.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("cycle", "person")
        .filter(id=invitation_id, sent_at__isnull=True, cycle__state=Cycle.State.OPEN)
        .first()
    )


def invitation_send(*, invitation_id: int) -> bool:
    """Store the invitation's link and send it as the cycle's delivery says (email, Slack or both), exactly once.

    1. If the cycle uses Slack and the invitation has not been there yet, in a transaction of its own with the row
       locked: store the token, find the person's Slack direct-message channel by the address as of opening, post
       the link there and keep the channel on the invitation ("" when Slack knows nobody there or refuses the
       message). Committed before any email, so an email that fails does not post it twice; a Slack outage
       rolls it back and a retry posts it.
    2. With the row locked: store the token, set `sent_at` and hand the email over, if the delivery emails this
       person, in the same transaction: if sending fails it rolls back and a retry sends it.

    If another worker holds or has sent it, return False. Someone deactivated since the cycle opened stays
    invited (the audience is frozen) but is sent nothing.
    """
    with transaction.atomic():
        invitation = _unsent(invitation_id)
        if invitation is None:
            return False
        slack_due = (
            slack.uses_slack(invitation.cycle.delivery)
            and invitation.slack_channel is None
            and invitation.person.is_active
        )
        if not slack_due:
            _invitation_deliver(invitation)
            return True
        _invitation_post_on_slack(invitation)
    with transaction.atomic():
        invitation = _unsent(invitation_id)
        if invitation is None:
            return False
        _invitation_deliver(invitation)
    return True


def _invitation_post_on_slack(invitation: Invitation) -> None:
    """Post an invitation's link to the person on Slack and keep the channel on it ("" if not reachable)."""
    token = invitation_token(invitation.id)
    InvitationToken.objects.get_or_create(invitation=invitation, token_hash=token_hash(token))
    channel = slack.direct_channel(address=invitation.address) if slack.connected() else ""
    if channel:
        try:
            slack.message_post(channel=channel, text=slack.survey_link_text(invitation=invitation, token=token))
        except slack.SlackRefused:
            channel = ""
    invitation.slack_channel = channel
    invitation.save(update_fields=["slack_channel"])


def _invitation_deliver(invitation: Invitation) -> None:
    """Store an invitation's link, mark it sent and email it if its delivery emails this person."""
    token = invitation_token(invitation.id)
    InvitationToken.objects.get_or_create(invitation=invitation, token_hash=token_hash(token))
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    if invitation.person.is_active and slack.emails_too(invitation.cycle.delivery, channel=invitation.slack_channel):
        try:
            emails.survey_link_message(invitation=invitation, token=token).send()
        except smtplib.SMTPRecipientsRefused as refused:
            # Everyone is invited, so this says nothing of anyone's answer; the admin needs the address.
            logger.warning("The mail server refused the invitation to %s: %s", invitation.address, refused)


def invitations_send_plan(*, cycle_id: int, batch_size: int) -> list[tuple[int, int]]:
    """Return the cycle's unsent invitations as id ranges [(first id, last id), …] of up to batch_size each,
    in id order, for batch tasks that any number of workers share.

    Reads the ids as a stream and keeps only the ranges' ends, so memory does not grow with the audience.
    """
    unsent = Invitation.objects.filter(cycle_id=cycle_id, cycle__state=Cycle.State.OPEN, sent_at__isnull=True)
    return id_ranges(unsent.order_by("id").values_list("id", flat=True).iterator(chunk_size=5000), size=batch_size)


def id_ranges(ids: Iterable[int], *, size: int) -> list[tuple[int, int]]:
    """Return increasing ids cut into consecutive runs of `size` (the last may be shorter), each as its (first,
    last) id; raise ValueError if size is below 1."""
    if size < 1:
        raise ValueError("a batch holds at least one invitation")
    ranges, first, last, count = [], None, None, 0
    for invitation_id in ids:
        first = invitation_id if first is None else first
        last, count = invitation_id, count + 1
        if count == size:
            ranges.append((first, last))
            first, count = None, 0
    if first is not None:
        ranges.append((first, last))
    return ranges


def invitations_send_batch(
    *, cycle_id: int, batch_size: int, first_id: int | None = None, last_id: int | None = None
) -> tuple[int, int]:
    """Send up to batch_size unsent invitations of an open cycle, only those with ids from first_id to last_id
    when both are given; return (sent now, still unsent: in that range when given, else in the cycle).

    Email-only cycles: what every email of the batch shares is read once (the people, each team's latest
    actions, the survey's length) and one connection to the mail server carries them all; each invitation is
    still claimed, given its link, marked sent and handed over in a transaction of its own
    (_invitation_email), so a retry, a concurrent batch over the same ids or a killed worker never sends one
    twice. Cycles that also use Slack send each invitation through invitation_send.
    """
    pending = Invitation.objects.filter(cycle_id=cycle_id, cycle__state=Cycle.State.OPEN, sent_at__isnull=True)
    if first_id is not None and last_id is not None:
        pending = pending.filter(id__gte=first_id, id__lte=last_id)
    batch = list(pending.select_related("cycle", "person").order_by("id")[:batch_size])
    sent, slowest = 0, 0.0
    if batch and slack.uses_slack(batch[0].cycle.delivery):
        for invitation in batch:
            began = time.monotonic()
            if invitation_send(invitation_id=invitation.id):
                sent += 1
                slowest = max(slowest, time.monotonic() - began)
    elif batch:
        memo: dict = {}
        with get_connection() as mail_server:
            for invitation in batch:
                began = time.monotonic()
                if _invitation_email(invitation, mail_server=mail_server, memo=memo):
                    sent += 1
                    slowest = max(slowest, time.monotonic() - began)
    # What one email's hand-over costs on this mail server, measured while everyone is emailed alike: the
    # cycle's reminder steps last at least this long (reminders_send_batch).
    if slowest:
        Cycle.objects.filter(id=cycle_id, send_seconds__lt=slowest).update(send_seconds=slowest)
    return sent, pending.count()


def _invitation_email(invitation: Invitation, *, mail_server, memo: dict) -> bool:
    """Claim an invitation of an email-only cycle, store its link, mark it sent and email it, in one transaction.

    The claim locks the row if it is unsent, its cycle open and no other worker holds it (skipping it
    otherwise: return False); if the hand-over fails, everything rolls back and a retry sends it. `memo`
    keeps what the batch's emails share (emails.survey_link_message).
    """
    token = invitation_token(invitation.id)
    with transaction.atomic():
        if not _invitation_claim(invitation_id=invitation.id, hashed=token_hash(token)):
            return False
        if invitation.person.is_active:
            message = emails.survey_link_message(invitation=invitation, token=token, memo=memo)
            try:
                _hand_over(message, mail_server)
            except smtplib.SMTPRecipientsRefused as refused:
                # Everyone is invited, so this says nothing of anyone's answer; the admin needs the address.
                logger.warning("The mail server refused the invitation to %s: %s", invitation.address, refused)
    return True


@transaction.atomic
def invitation_link_issue(*, invitation_id: int) -> str:
    """Return a new random working token for an invitation of an open cycle (earlier links keep working).

    Answered or not, it is issued and stored alike, so neither the caller nor the database learns whether the
    person has answered; a link of an answered invitation says the answers were received.
    """
    invitation = Invitation.objects.select_related("cycle").get(id=invitation_id)
    if invitation.cycle.state != Cycle.State.OPEN:
        raise ValueError("only an invitation of an open cycle can get a new link")
    token, hashed = token_new()
    InvitationToken.objects.create(invitation=invitation, token_hash=hashed)
    if invitation.sent_at is None:
        Invitation.objects.filter(id=invitation.id, sent_at__isnull=True).update(sent_at=timezone.now())
    return token


# The slowest reminder step this process has seen (seconds): later steps that send nothing wait as long.
_slowest_send = [0.0]
# What a mail server says of one message or recipient (a refused or full mailbox, a policy rejection): a
# reminder passes over it without a word, since failing would name someone who has not answered.
REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)


def _invitation_claim(*, invitation_id: int, hashed: str) -> bool:
    """Inside a transaction: lock the invitation if it is unsent, its cycle open and no other worker holds it,
    store its link's hash and mark it sent; return whether it was claimed.

    On PostgreSQL one statement (the lock taken with SKIP LOCKED by the update's subquery); elsewhere the same
    in three through the ORM.
    """
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, {"id": invitation_id, "open": Cycle.State.OPEN, "now": now, "hash": hashed})
            return bool(cursor.fetchone()[0])
    unsent = Invitation.objects.filter(id=invitation_id, sent_at__isnull=True, cycle__state=Cycle.State.OPEN)
    if not unsent.select_for_update(skip_locked=True, of=("self",)).values_list("id", flat=True):
        return False
    InvitationToken.objects.bulk_create(
        [InvitationToken(invitation_id=invitation_id, token_hash=hashed)], ignore_conflicts=True
    )
    Invitation.objects.filter(id=invitation_id).update(sent_at=now)
    return True


_CLAIM_SQL = f"""
WITH claimed AS (
    UPDATE {Invitation._meta.db_table} SET sent_at = %(now)s
    WHERE id = (
        SELECT invitation.id FROM {Invitation._meta.db_table} invitation
        JOIN {Cycle._meta.db_table} cycle ON cycle.id = invitation.cycle_id
        WHERE invitation.id = %(id)s AND invitation.sent_at IS NULL AND cycle.state = %(open)s
        FOR UPDATE OF invitation SKIP LOCKED
    )
    RETURNING id
), stored AS (
    INSERT INTO {InvitationToken._meta.db_table} (invitation_id, token_hash)
    SELECT id, %(hash)s FROM claimed
    ON CONFLICT DO NOTHING
)
SELECT count(*) FROM claimed
"""  # noqa: S608  # nosec B608 - table names from the models; values are parameters


def _hand_over(message, mail_server) -> None:
    """Send a message on the batch's connection, opening it again once if the server closed it (some cap the
    messages per connection)."""
    message.connection = mail_server
    try:
        message.send()
    except smtplib.SMTPServerDisconnected:
        mail_server.close()
        mail_server.open()
        message.send()


def reminders_send_batch(*, cycle_id: int, day: int, batch_size: int) -> tuple[int, int]:
    """Handle the next batch_size sent invitations of the cycle's reminder for `day`; return (handled now,
    still to handle).

    Nothing written, queried, logged or timed depends on who has answered (DESIGN.md §3.6):

    1. Read the cycle's answered markers whole, so no statement names the markers of particular invitations
       (a statement log would otherwise pair them), and open one connection to the mail server (and, if the
       cycle uses Slack, check Slack answers), so an outage fails the batch before it handles anyone.
    2. For every sent invitation of the batch, answered or not, in a transaction of its own: move the round's
       `reached` to it, compose its reminder for every channel (composing reads the team's actions), and hand
       it over only if its marker is missing and its person active: to Slack, to the channel its invitation
       was posted to, and to the mail server if the delivery emails this person. Every step lasts at least
       ALIGN_REMINDER_STEP_SECONDS, twice the slowest invitation email of the cycle (measured while everyone
       was emailed alike), or the slowest step this process has seen, whichever is longest, so the batch's run
       time — which a log's timestamps show — does not count the emails sent (a send slower than all of
       those still shows, once).
    3. A message the mail server refuses (the recipient, a full mailbox, a policy) or Slack refuses (the
       person left, the channel is gone) is passed over without a word, and a connection the server closed
       is opened again once: failing the batch there would name, in the log and in `reached`, someone who has
       not answered. Only a server, or Slack, that stays unreachable fails the batch.

    A crash after the mail server accepted an email and before the commit sends that one reminder again; a
    retry or a concurrent job never does. Someone who answers while the batch is under way may still be
    reminded; their link then says their answers were received. When every sent invitation has been handled,
    the reminder is recorded as done on the cycle so the tick stops queueing it.
    """
    round_, _ = ReminderRound.objects.get_or_create(cycle_id=cycle_id, day=day)
    sent = Invitation.objects.filter(cycle_id=cycle_id, cycle__state=Cycle.State.OPEN, sent_at__isnull=False)
    batch = list(sent.filter(id__gt=round_.reached).select_related("cycle", "person").order_by("id")[:batch_size])
    answered = set(AnsweredMarker.objects.filter(cycle_id=cycle_id).values_list("marker", flat=True))
    # Links from before derived tokens (or a rotated SECRET_KEY): make sure the reminder's link works.
    InvitationToken.objects.bulk_create(
        [InvitationToken(invitation=i, token_hash=token_hash(invitation_token(i.id))) for i in batch],
        ignore_conflicts=True,
    )
    # How long a step takes at least: the configured floor, twice the slowest invitation email of this cycle
    # (measured when everyone was emailed), or the slowest step this process has seen.
    send_seconds, delivery = Cycle.objects.filter(id=cycle_id).values_list("send_seconds", "delivery").first() or (
        0.0, Delivery.EMAIL)  # fmt: skip
    step = max(settings.ALIGN_REMINDER_STEP_SECONDS, 2 * send_seconds, _slowest_send[0])
    on_slack = slack.uses_slack(delivery) and slack.connected()
    if on_slack and batch:
        slack.connection_check()  # an outage fails the batch before it handles anyone, as the mail connection does
    with get_connection() as mail_server:
        for invitation in batch:
            began = time.monotonic()
            with transaction.atomic():
                claimed = ReminderRound.objects.filter(id=round_.id, reached__lt=invitation.id).update(
                    reached=invitation.id
                )
                token = invitation_token(invitation.id)
                message = emails.survey_link_message(invitation=invitation, token=token, reminder=True)
                channel = invitation.slack_channel if on_slack else ""
                text = slack.survey_link_text(invitation=invitation, token=token, reminder=True) if on_slack else ""
                if claimed and invitation.person.is_active and answered_marker(invitation.id) not in answered:
                    if channel:
                        with contextlib.suppress(slack.SlackRefused):  # as a refused email: nothing said
                            slack.message_post(channel=channel, text=text)
                    if slack.emails_too(delivery, channel=channel):
                        with contextlib.suppress(*REFUSALS):  # passed over without a word, as said above
                            _hand_over(message, mail_server)
            took = time.monotonic() - began
            _slowest_send[0] = step = max(step, took)
            time.sleep(step - took)
    remaining = sent.filter(id__gt=batch[-1].id).count() if batch else 0
    if not remaining:
        with transaction.atomic():
            cycle = Cycle.objects.select_for_update().get(id=cycle_id)
            if day not in cycle.reminders_done:
                cycle.reminders_done = sorted([*cycle.reminders_done, day])
                cycle.save(update_fields=["reminders_done"])
    return len(batch), remaining
