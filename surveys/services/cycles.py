"""Cycle workflow: open, close and the beat tick that drives both."""

import logging
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import cadence, sealing, selectors
from ..models import (
    Answer,
    AnsweredMarker,
    Comment,
    Cycle,
    CycleQuestion,
    CycleTeam,
    Invitation,
    InvitationToken,
    Person,
    Response,
    Team,
)
from ..templatetags.wall_clocks import time_on_clock
from .invitations import invitations_enqueue, reminders_enqueue
from .schedules import schedules_plan

logger = logging.getLogger(__name__)


@transaction.atomic
def cycle_open(*, cycle_id: int) -> bool:
    """Open a scheduled cycle and create one invitation per active person in its audience.

    Returns False when the cycle was not scheduled (another worker got there first, or it was opened by hand).
    The tree, each person's team and the questions are recorded as of now, so reorganisations and template
    edits later do not move results; a rotating template's choice of dimensions is recorded the same way.
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
    CycleQuestion.objects.bulk_create(
        [
            CycleQuestion(cycle=cycle, question=question, position=position)
            for position, question in enumerate(selectors.questions_to_ask(cycle=cycle), 1)
        ]
    )
    selectors.frozen_questions_forget()
    roots = list(cycle.teams.values_list("id", flat=True))
    audience = selectors.team_subtree_ids(roots) if roots else set(Team.objects.values_list("id", flat=True))
    people = Person.objects.filter(is_active=True, team_id__in=audience).values_list("id", "team_id", "email")
    Invitation.objects.bulk_create(
        [Invitation(cycle=cycle, person_id=p, team_id=team_id, email=email) for p, team_id, email in people],
        batch_size=1000,
        ignore_conflicts=True,
    )
    invitations_enqueue(cycle_id=cycle_id)
    logger.info("Opened cycle %s", cycle_id)
    return True


@transaction.atomic
def cycle_close(*, cycle_id: int) -> bool:
    """Close an open cycle, expire its unused links and queue its aggregation. Returns False if it was not open.

    Deleting the tokens and the answered markers forgets who did and did not answer; comments are rewritten so
    nothing pairs them with responses, and responses and answers are rewritten so their order no longer
    follows who answered when. Submits under way hold the cycle row (see `response_submit`): the update
    below waits for them, so their responses are among those rewritten.
    """
    if not Cycle.objects.filter(id=cycle_id, state=Cycle.State.OPEN).update(state=Cycle.State.CLOSED):
        return False
    InvitationToken.objects.filter(invitation__cycle_id=cycle_id).delete()
    AnsweredMarker.objects.filter(cycle_id=cycle_id).delete()
    comments_rewrite(cycle_id=cycle_id)
    responses_rewrite(cycle_id=cycle_id)
    from feedback.tasks import scores_aggregate_task

    transaction.on_commit(lambda: scores_aggregate_task.delay(cycle_id))
    logger.info("Closed cycle %s", cycle_id)
    return True


def comments_rewrite(*, cycle_id: int) -> int:
    """Rewrite a cycle's comments as new rows in random order, opened, blank ones dropped; return how many.
    A comment whose author holds a conversation key gets its thread (conversations.services.threads_open).

    A comment is written in the same transaction as its response, so until now the database could pair them
    (same transaction id, neighbouring row positions) — exactly the link between someone's words and their
    scores that storing comments apart is meant to prevent. So it was stored sealed (surveys.sealing), and is
    opened only here. Comments are only ever shown after the cycle closes, and from then on nothing pairs them.
    A comment no configured key opens (SECRET_KEY changed during the cycle without the old one in
    SECRET_KEY_FALLBACKS) stays sealed, is never shown, and is counted in an error log line.
    """
    comments, key_hashes = [], []
    unopened = 0
    for comment in Comment.objects.filter(cycle_id=cycle_id).values("cycle_id", "team_id", "question_id", "text",
                                                                    "sealed"):  # fmt: skip
        key_hash = None
        if comment["sealed"] is not None:
            opened = sealing.unseal_with_key(
                comment["sealed"], cycle_id=cycle_id, team_id=comment["team_id"], question_id=comment["question_id"]
            )
            if opened is None:
                unopened += 1
            elif not opened[0]:
                continue  # a blank open question, sealed so that nobody could tell who commented
            else:
                (comment["text"], key_hash), comment["sealed"] = opened, None
        comments.append(comment)
        key_hashes.append(key_hash)
    if unopened:
        logger.error(
            "Cycle %s: %d comment(s) stay sealed: no key in SECRET_KEY or SECRET_KEY_FALLBACKS opens them.",
            cycle_id, unopened,
        )  # fmt: skip
    paired = list(zip(comments, key_hashes, strict=True))
    secrets.SystemRandom().shuffle(paired)
    Comment.objects.filter(cycle_id=cycle_id).delete()
    rows = Comment.objects.bulk_create([Comment(**comment) for comment, _ in paired], batch_size=1000)
    # Each keyed comment's thread is written now, in the comments' new random order, under a random key: nothing
    # written while the cycle was open shows whose comment has one.
    from conversations.services import threads_open

    threads_open(keyed=[(row.id, key_hash) for row, (_, key_hash) in zip(rows, paired, strict=True) if key_hash])
    return len(paired)


def responses_rewrite(*, cycle_id: int) -> int:
    """Rewrite a cycle's responses and answers as new rows, under new keys, in random order; return responses.

    Rows are stored in the order they were written — the order people answered in. Anyone who knows who
    answered first (a manager who watched someone press send) could otherwise pick that response out of a
    database dump by its physical position. Answers keep their grouping by response, which the analysis
    needs, and nothing else.
    """
    answers: dict = {}
    for response_id, question_id, value in Answer.objects.filter(response__cycle_id=cycle_id).values_list(
        "response_id", "question_id", "value"
    ):
        answers.setdefault(response_id, []).append((question_id, value))
    responses = list(Response.objects.filter(cycle_id=cycle_id).values_list("id", "team_id"))
    secrets.SystemRandom().shuffle(responses)
    fresh = [(Response(cycle_id=cycle_id, team_id=team_id), answers.get(old, [])) for old, team_id in responses]
    Response.objects.filter(cycle_id=cycle_id).delete()  # answers go with them (CASCADE)
    Response.objects.bulk_create([response for response, _ in fresh], batch_size=1000)
    rows = [Answer(response=response, question_id=q, value=v) for response, given in fresh for q, v in given]
    secrets.SystemRandom().shuffle(rows)
    Answer.objects.bulk_create(rows, batch_size=2000)
    return len(fresh)


def cycles_advance(*, now: datetime | None = None) -> dict[str, int]:
    """Do everything that is due: plan schedules, open, remind, close, and resume interrupted sending.

    Safe to run at any time and any number of times: each step is a conditional update or a unique insert.
    """
    now = now or timezone.now()
    missed = Cycle.objects.filter(state=Cycle.State.SCHEDULED, closes_at__lte=now)
    for cycle in missed:
        # Its whole window passed while nothing ran (e.g. the scheduler was down): it never opened, so nobody
        # was invited; drop it and let its schedule plan the next one.
        logger.warning("Cycle %s missed its whole window and was dropped", cycle.id)
    missed.delete()
    schedules_plan(now=now)
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
        invitations_enqueue(cycle_id=cycle_id)
        resumed += 1
    reminders = 0
    for cycle in Cycle.objects.filter(state=Cycle.State.OPEN, closes_at__gt=now):
        for day in cycle.reminder_days:
            # Day n is n calendar days after opening at the same wall-clock time in the cycle's zone.
            due = cadence.wall_clock_add(cycle.opens_at, day, cycle.time_zone)
            if day not in cycle.reminders_done and due <= now:
                reminders_enqueue(cycle_id=cycle.id, day=day)
                reminders += 1
    return {"opened": opened, "closed": closed, "resumed": resumed, "reminders": reminders}


@transaction.atomic
def cycle_open_now(*, cycle_id: int) -> Cycle:
    """Open a scheduled cycle immediately instead of at its planned time."""
    cycle = Cycle.objects.select_for_update().get(id=cycle_id)
    if cycle.state != Cycle.State.SCHEDULED:
        raise ValidationError(f"Only a scheduled cycle can be opened; this one is {cycle.get_state_display().lower()}.")
    now = timezone.now()
    if cycle.closes_at <= now:
        raise ValidationError("Its closing time has passed; extend it first.")
    still_open = _schedule_siblings(cycle).filter(state=Cycle.State.OPEN).first()
    if still_open is not None:
        raise ValidationError(
            f"“{still_open.name}”, of the same schedule, is still open: close it first, so that nobody holds two "
            "open surveys at once."
        )
    Cycle.objects.filter(id=cycle_id).update(opens_at=now)
    cycle_open(cycle_id=cycle_id)
    return Cycle.objects.get(id=cycle_id)


@transaction.atomic
def cycle_extend(*, cycle_id: int, closes_at: datetime) -> Cycle:
    """Move a scheduled or open cycle's closing time later (never earlier: use close now for that)."""
    cycle = Cycle.objects.select_for_update().get(id=cycle_id)
    if cycle.state not in (Cycle.State.SCHEDULED, Cycle.State.OPEN):
        raise ValidationError("Only a scheduled or open cycle can be extended.")
    if closes_at <= max(cycle.closes_at, timezone.now()):
        raise ValidationError({"closes_at": ["Choose a time after the current closing time and in the future."]})
    following = (
        _schedule_siblings(cycle)
        .filter(state__in=[Cycle.State.SCHEDULED, Cycle.State.OPEN], opens_at__gt=cycle.opens_at)
        .order_by("opens_at")
        .first()
    )
    if following is not None and closes_at > following.opens_at:
        opening = time_on_clock(following.opens_at, following.time_zone)
        raise ValidationError({"closes_at": [
            f"The schedule's next cycle, “{following.name}”, opens {opening}: choose a time no later, so that "
            "nobody holds two open surveys at once."
        ]})  # fmt: skip
    cycle.closes_at = closes_at
    cycle.save(update_fields=["closes_at"])
    return cycle


def _schedule_siblings(cycle: Cycle):
    """Return the other cycles of the cycle's schedule (none for a cycle made by hand)."""
    if cycle.schedule_id is None:
        return Cycle.objects.none()
    return Cycle.objects.filter(schedule_id=cycle.schedule_id).exclude(id=cycle.id)


@transaction.atomic
def cycle_close_now(*, cycle_id: int) -> Cycle:
    """Close an open cycle before its planned time."""
    cycle = Cycle.objects.select_for_update().get(id=cycle_id)
    if cycle.state != Cycle.State.OPEN:
        raise ValidationError("Only an open cycle can be closed.")
    Cycle.objects.filter(id=cycle_id).update(closes_at=timezone.now())
    cycle_close(cycle_id=cycle_id)
    return Cycle.objects.get(id=cycle_id)


@transaction.atomic
def cycle_publish(*, cycle_id: int) -> Cycle:
    """Make a closed cycle's results visible to the teams that took part, and tell everyone invited."""
    if not Cycle.objects.filter(id=cycle_id, state=Cycle.State.CLOSED).update(state=Cycle.State.PUBLISHED):
        raise ValidationError("Only a closed cycle can be published.")
    from feedback.tasks import results_published_notify_task

    transaction.on_commit(lambda: results_published_notify_task.delay(cycle_id))
    return Cycle.objects.get(id=cycle_id)
