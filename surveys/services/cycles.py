"""Cycle workflow: open, close and the beat tick that drives both."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..models import Cycle, CycleTeam, Invitation, InvitationToken, Person, Team
from .invitations import invitations_enqueue

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
    invitations_enqueue(cycle_id=cycle_id)
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
        invitations_enqueue(cycle_id=cycle_id)
        resumed += 1
    return {"opened": opened, "closed": closed, "resumed": resumed}
