"""Invitations: creating tokens and emailing them, exactly once."""

from django.db import transaction
from django.utils import timezone

from .. import emails, selectors
from ..models import AnsweredMarker, Cycle, Invitation, InvitationToken
from ..tokens import answered_marker, token_new


def invitations_enqueue(*, cycle_id: int) -> None:
    """Queue sending of the cycle's unsent invitations once the current transaction commits."""
    from ..tasks import invitations_send_task

    transaction.on_commit(lambda: invitations_send_task.delay(cycle_id))


def reminders_enqueue(*, cycle_id: int, day: int) -> None:
    """Queue the cycle's reminder for `day` days after opening once the current transaction commits."""
    from ..tasks import reminders_send_task

    transaction.on_commit(lambda: reminders_send_task.delay(cycle_id, day))


def invitation_send(*, invitation_id: int) -> bool:
    """Give the invitation a token and email it, exactly once.

    The row is locked, the token stored and `sent_at` set in the same transaction as the email is handed over:
    if sending fails the transaction rolls back and a retry sends it; if another worker holds or has sent it,
    return False.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("cycle", "person")
            .filter(id=invitation_id, sent_at__isnull=True, cycle__state=Cycle.State.OPEN)
            .first()
        )
        if invitation is None:
            return False
        token, hashed = token_new()
        InvitationToken.objects.create(invitation=invitation, token_hash=hashed)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
        emails.survey_link_send(invitation=invitation, token=token)
    return True


def invitations_send_batch(*, cycle_id: int, batch_size: int) -> tuple[int, int]:
    """Send up to batch_size unsent invitations of an open cycle; return (sent now, still unsent)."""
    pending = Invitation.objects.filter(cycle_id=cycle_id, cycle__state=Cycle.State.OPEN, sent_at__isnull=True)
    batch = list(pending.order_by("id").values_list("id", flat=True)[:batch_size])
    sent = sum(invitation_send(invitation_id=invitation_id) for invitation_id in batch)
    return sent, pending.count()


@transaction.atomic
def invitation_link_issue(*, invitation_id: int) -> str:
    """Return a new working token for an unanswered invitation of an open cycle (earlier links keep working)."""
    invitation = Invitation.objects.select_related("cycle").get(id=invitation_id)
    if invitation.cycle.state != Cycle.State.OPEN or selectors.invitation_answered(invitation_id=invitation.id):
        raise ValueError("only an unanswered invitation of an open cycle can get a new link")
    token, hashed = token_new()
    InvitationToken.objects.create(invitation=invitation, token_hash=hashed)
    if invitation.sent_at is None:
        Invitation.objects.filter(id=invitation.id, sent_at__isnull=True).update(sent_at=timezone.now())
    return token


def invitation_remind(*, invitation_id: int, day: int) -> bool:
    """Email an unanswered invitation its reminder for `day`, with a fresh token; at most once per reminder.

    The invitation row is locked (by the reminder job, never by answering) so a retried job skips people it
    already reached. Someone who answers while their reminder is being sent gets it anyway; its link then
    says their answers were received.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("cycle", "person")
            .filter(id=invitation_id, cycle__state=Cycle.State.OPEN, sent_at__isnull=False)
            .first()
        )
        if invitation is None or invitation.tokens.filter(reminder=day).exists():
            return False
        if selectors.invitation_answered(invitation_id=invitation_id):
            return False
        token, hashed = token_new()
        InvitationToken.objects.create(invitation=invitation, token_hash=hashed, reminder=day)
        emails.survey_link_send(invitation=invitation, token=token, reminder=True)
    return True


def reminders_send_batch(*, cycle_id: int, day: int, batch_size: int) -> tuple[int, int]:
    """Remind up to batch_size people who have not answered; return (sent now, still to remind).

    When nobody is left, the reminder is recorded as done on the cycle so the tick stops queueing it.
    """
    pending = _unanswered(
        Invitation.objects.filter(cycle_id=cycle_id, cycle__state=Cycle.State.OPEN, sent_at__isnull=False)
        .exclude(tokens__reminder=day)
        .order_by("id")
        .values_list("id", flat=True)
    )
    sent = sum(invitation_remind(invitation_id=invitation_id, day=day) for invitation_id in pending[:batch_size])
    remaining = len(pending) - sent
    if not remaining:
        with transaction.atomic():
            cycle = Cycle.objects.select_for_update().get(id=cycle_id)
            if day not in cycle.reminders_done:
                cycle.reminders_done = sorted([*cycle.reminders_done, day])
                cycle.save(update_fields=["reminders_done"])
    return sent, remaining


def _unanswered(invitation_ids) -> list[int]:
    """Return the ids, in order, of those invitations that have not been answered."""
    ids = list(invitation_ids)
    markers = {answered_marker(invitation_id): invitation_id for invitation_id in ids}
    answered = set()
    chunk = list(markers)
    for start in range(0, len(chunk), 1000):
        found = AnsweredMarker.objects.filter(marker__in=chunk[start : start + 1000]).values_list("marker", flat=True)
        answered |= {markers[marker] for marker in found}
    return [invitation_id for invitation_id in ids if invitation_id not in answered]
