"""Writes and workflows of the collecting side: opening and closing cycles, inviting, accepting answers."""

import logging
from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import emails, selectors
from .models import (
    COMMENT_MAX_LENGTH,
    Answer,
    Comment,
    Cycle,
    CycleTeam,
    Invitation,
    InvitationToken,
    Person,
    Question,
    Response,
    SpentToken,
    Team,
)
from .tokens import spent_marker, token_hash, token_new

logger = logging.getLogger(__name__)


@transaction.atomic
def cycle_open(*, cycle_id: int) -> bool:
    """Open a scheduled cycle and create one invitation per active person in its audience.

    Returns False when the cycle was not scheduled (another worker got there first, or it was opened by hand).
    The tree and each person's team are recorded as of now, so reorganisations later do not move results.
    """
    if not Cycle.objects.filter(id=cycle_id, state=Cycle.State.SCHEDULED).update(state=Cycle.State.OPEN):
        return False
    cycle = Cycle.objects.get(id=cycle_id)
    CycleTeam.objects.bulk_create(
        [
            CycleTeam(cycle=cycle, team_id=t, parent_id=p, name=n)
            for t, p, n in Team.objects.values_list("id", "parent_id", "name")
        ],
        batch_size=1000,
    )
    audience = selectors.team_subtree_ids(cycle.teams.values_list("id", flat=True))
    people = Person.objects.filter(is_active=True, team_id__in=audience).values_list("id", "team_id")
    Invitation.objects.bulk_create(
        [Invitation(cycle=cycle, person_id=person_id, team_id=team_id) for person_id, team_id in people],
        batch_size=1000,
        ignore_conflicts=True,
    )
    _enqueue_invitations(cycle_id)
    logger.info("Opened cycle %s", cycle_id)
    return True


@transaction.atomic
def cycle_close(*, cycle_id: int) -> bool:
    """Close an open cycle, expire its unused links and queue its aggregation. Returns False if it was not open.

    Deleting the unused tokens also forgets who did not answer.
    """
    if not Cycle.objects.filter(id=cycle_id, state=Cycle.State.OPEN).update(state=Cycle.State.CLOSED):
        return False
    InvitationToken.objects.filter(invitation__cycle_id=cycle_id).delete()
    from feedback.tasks import scores_aggregate_task

    transaction.on_commit(lambda: scores_aggregate_task.delay(cycle_id))
    logger.info("Closed cycle %s", cycle_id)
    return True


def cycles_advance(*, now: datetime | None = None) -> dict[str, int]:
    """Open every due cycle, close every cycle past its deadline, resume unfinished invitation sending.

    Safe to run at any time and any number of times: each step is a conditional update.
    """
    now = now or timezone.now()
    due = Cycle.objects.filter(state=Cycle.State.SCHEDULED, opens_at__lte=now, closes_at__gt=now)
    opened = sum(cycle_open(cycle_id=cycle_id) for cycle_id in due.values_list("id", flat=True))
    past = Cycle.objects.filter(state=Cycle.State.OPEN, closes_at__lte=now)
    closed = sum(cycle_close(cycle_id=cycle_id) for cycle_id in past.values_list("id", flat=True))
    # A worker lost mid-batch leaves invitations unsent; the next tick picks them up again.
    unsent = (
        Invitation.objects.filter(cycle__state=Cycle.State.OPEN, sent_at__isnull=True)
        .values_list("cycle_id", flat=True)
        .distinct()
    )
    resumed = 0
    for cycle_id in unsent:
        _enqueue_invitations(cycle_id)
        resumed += 1
    return {"opened": opened, "closed": closed, "resumed": resumed}


def _enqueue_invitations(cycle_id: int) -> None:
    from .tasks import invitations_send_task

    transaction.on_commit(lambda: invitations_send_task.delay(cycle_id))


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
        emails.invitation_email_send(invitation=invitation, token=token)
    return True


def invitations_send_batch(*, cycle_id: int, batch_size: int) -> tuple[int, int]:
    """Send up to batch_size unsent invitations of an open cycle; return (sent now, still unsent)."""
    pending = Invitation.objects.filter(cycle_id=cycle_id, cycle__state=Cycle.State.OPEN, sent_at__isnull=True)
    batch = list(pending.order_by("id").values_list("id", flat=True)[:batch_size])
    sent = sum(invitation_send(invitation_id=invitation_id) for invitation_id in batch)
    return sent, pending.count()


@transaction.atomic
def invitation_link_issue(*, invitation_id: int) -> str:
    """Return a new working token for an unanswered invitation of an open cycle (earlier links keep working).

    An invitation that was sent but holds no token has been answered (or its cycle closed): it gets none.
    The live tokens are locked first, in the order response_submit locks them, so a submit running at the
    same time either deletes the new token too or makes this call see that none is left.
    """
    invitation = Invitation.objects.select_related("cycle").get(id=invitation_id)
    live = list(InvitationToken.objects.select_for_update().filter(invitation=invitation).order_by("id"))
    if invitation.cycle.state != Cycle.State.OPEN or (invitation.sent_at is not None and not live):
        raise ValueError("only an unanswered invitation of an open cycle can get a new link")
    token, hashed = token_new()
    InvitationToken.objects.create(invitation=invitation, token_hash=hashed)
    if invitation.sent_at is None:
        Invitation.objects.filter(id=invitation.id, sent_at__isnull=True).update(sent_at=timezone.now())
    return token


def _validated_answers(
    *, questions: list[Question], answers: Mapping[int, int], comments: Mapping[int, str]
) -> tuple[dict[int, int], dict[int, str]]:
    """Return answers and non-empty comments checked against the questions, or raise ValidationError."""
    by_id = {question.id: question for question in questions}
    errors: dict[str, list[str]] = {}
    numeric = {q.id for q in questions if q.kind != Question.Kind.COMMENT}
    open_ended = {q.id for q in questions if q.kind == Question.Kind.COMMENT}
    for question_id in (set(answers) - numeric) | (set(comments) - open_ended):
        errors.setdefault("__all__", []).append(f"Question {question_id} is not part of this survey.")
    clean_answers: dict[int, int] = {}
    for question_id, value in answers.items():
        question = by_id.get(question_id)
        if question_id not in numeric or question is None:
            continue
        if value not in question.value_range:
            low, high = question.value_range[0], question.value_range[-1]
            errors[f"q{question_id}"] = [f"Choose a value from {low} to {high}."]
        else:
            clean_answers[question_id] = value
    clean_comments: dict[int, str] = {}
    for question_id, text in comments.items():
        if question_id not in open_ended:
            continue
        text = text.strip()
        if len(text) > COMMENT_MAX_LENGTH:
            errors[f"q{question_id}"] = [f"Keep comments to {COMMENT_MAX_LENGTH} characters or fewer."]
        elif text:
            clean_comments[question_id] = text
    for question in questions:
        given = question.id in answers if question.id in numeric else bool(comments.get(question.id, "").strip())
        if question.required and not given:
            errors.setdefault(f"q{question.id}", ["This question needs an answer."])
    if errors:
        raise ValidationError(errors)
    return clean_answers, clean_comments


@transaction.atomic
def response_submit(*, token: str, answers: Mapping[int, int], comments: Mapping[int, str]) -> None:
    """Store one anonymous response and spend every token of the invitation, in one transaction.

    1. Find the invitation behind the token, then lock all its token rows in id order (one order for every
       submit, so two emails' links submitted at once queue up instead of deadlocking). The invitation row
       itself is neither locked nor updated: either would leave a trace of this transaction on it.
    2. If the token is no longer among them, an earlier submit won: refuse.
    3. Check the cycle still accepts answers and validate every value against its question.
    4. Delete the tokens and record the spent marker (its primary key refuses a second use).
    5. Write the response with the team as of the cycle and nothing that leads back to the invitation.
    """
    hashed = token_hash(token)
    invitation_id = InvitationToken.objects.filter(token_hash=hashed).values_list("invitation_id", flat=True).first()
    live = list(
        InvitationToken.objects.select_for_update().filter(invitation_id=invitation_id).order_by("id")
        if invitation_id is not None
        else []
    )
    if hashed not in {row.token_hash for row in live}:
        spent = SpentToken.objects.filter(marker=spent_marker(token)).exists()
        raise selectors.InvitationUsed if spent else selectors.InvitationUnknown
    invitation = Invitation.objects.select_related("cycle").get(id=invitation_id)
    cycle, team_id = invitation.cycle, invitation.team_id
    if not selectors.cycle_accepts_answers(cycle=cycle):
        raise selectors.CycleNotOpen
    questions = selectors.cycle_questions(cycle=cycle)
    clean_answers, clean_comments = _validated_answers(questions=questions, answers=answers, comments=comments)
    # By invitation, not by the ids locked above: this statement also sees a token added meanwhile.
    InvitationToken.objects.filter(invitation_id=invitation_id).delete()
    SpentToken.objects.create(marker=spent_marker(token), cycle=cycle)
    response = Response.objects.create(cycle=cycle, team_id=team_id)
    Answer.objects.bulk_create(
        [Answer(response=response, question_id=qid, value=value) for qid, value in clean_answers.items()]
    )
    Comment.objects.bulk_create(
        [Comment(cycle=cycle, team_id=team_id, question_id=qid, text=text) for qid, text in clean_comments.items()]
    )
