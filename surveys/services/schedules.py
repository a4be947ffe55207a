"""Recurring schedules: keeping the next cycle of each schedule waiting."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import cadence, slack
from ..models import Cycle, CycleSchedule, SurveyTemplate, Team, validate_time_zone

SCHEDULE_FIELDS = (
    "name",
    "template",
    "cadence",
    "first_opens_at",
    "time_zone",
    "open_days",
    "reminder_days",
    "threshold",
    "active",
    "delivery",
)


@transaction.atomic
def schedule_save(
    *, schedule_id: int | None = None, teams: list[Team], template: SurveyTemplate, **fields
) -> CycleSchedule:
    """Create or change a schedule, then re-plan its waiting cycle so the change applies from the next one.

    `first_opens_at` is a naive wall-clock time in the schedule's zone (what a person types; it may be a time the
    clocks skip that day), or an aware moment, read as the wall time it shows there. Left out, the schedule
    keeps its wall time, also when it moves to another zone. Cycles that already opened keep what they were
    opened with.
    """
    schedule = CycleSchedule() if schedule_id is None else CycleSchedule.objects.select_for_update().get(id=schedule_id)
    wall = schedule.first_opens_wall if schedule_id is not None else None
    schedule.template = template
    for field, value in fields.items():
        if field not in SCHEDULE_FIELDS:
            raise ValidationError(f"{field} is not a schedule field")
        if field != "first_opens_at":
            setattr(schedule, field, value)
    try:
        validate_time_zone(schedule.time_zone)
    except ValidationError as error:
        raise ValidationError({"time_zone": error.messages}) from None
    if "delivery" in fields and slack.uses_slack(schedule.delivery) and not slack.connected():
        raise ValidationError({"delivery": "No Slack app is connected: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET."})
    first = fields.get("first_opens_at")
    if first is not None:
        wall = first if timezone.is_naive(first) else cadence.wall_clock(first, schedule.time_zone)
    if wall is not None:
        schedule.plan_first_opening(wall)
    schedule.full_clean()
    schedule.save()
    schedule.teams.set(teams)
    schedule.cycles.filter(state=Cycle.State.SCHEDULED).delete()
    schedule_plan(schedule_id=schedule.id)
    return schedule


@transaction.atomic
def schedule_plan(*, schedule_id: int, now: datetime | None = None) -> Cycle | None:
    """Make sure an active schedule has its next cycle waiting in the scheduled state; return that cycle.

    Idempotent: a schedule with a waiting cycle is left alone, and (schedule, opening) is unique.
    """
    now = now or timezone.now()
    schedule = CycleSchedule.objects.select_for_update().get(id=schedule_id)
    if not schedule.active:
        return None
    waiting = schedule.cycles.filter(state=Cycle.State.SCHEDULED).first()
    if waiting is not None:
        return waiting
    latest = schedule.cycles.order_by("-opens_at").first()
    # Closing counts calendar days on the schedule's wall clock (surveys.cadence), not 24-hour days: a week
    # across a change of the clocks still closes at the hour the next cycle opens.
    # Planned from the schedule's wall time, not from the moment of its first opening: a first opening the
    # clocks skipped happened late, and later cycles must not follow it (surveys.cadence).
    window = cadence.next_window(
        schedule.first_opens_wall,
        cadence=schedule.cadence,
        time_zone=schedule.time_zone,
        open_days=schedule.open_days,
        after=latest.opens_at if latest else None,
        # A cycle opened early ("Open now") keeps its planned close: the same window must not be planned again.
        not_closed_by=max(now, latest.closes_at) if latest else now,
    )
    if window is None:
        return None
    local_day = cadence.local_date(window.opens, schedule.time_zone)
    cycle = Cycle.objects.create(
        name=f"{schedule.name} · {local_day:%d %b %Y}",
        schedule=schedule,
        template=schedule.template,
        opens_at=window.opens,
        closes_at=window.closes,
        time_zone=schedule.time_zone,
        threshold=schedule.threshold,
        reminder_days=schedule.reminder_days,
        delivery=schedule.delivery,
    )
    cycle.teams.set(schedule.teams.all())
    return cycle


def schedules_plan(*, now: datetime | None = None) -> int:
    """Plan the next cycle of every active schedule; return how many schedules have one waiting."""
    ids = CycleSchedule.objects.filter(active=True).values_list("id", flat=True)
    return sum(schedule_plan(schedule_id=schedule_id, now=now) is not None for schedule_id in ids)
