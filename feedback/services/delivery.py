"""Delivery events in (deployments, changes, incidents) and DORA figures out, recomputed only where needed."""

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from surveys import cadence
from surveys.models import Cycle, Team
from surveys.selectors import team_paths

from .. import dora
from ..models import Change, Deployment, DoraDirty, Incident, Repository
from .correlations import correlations_refresh_enqueue
from .metrics import metric_values_write

# How far around a changed week an event can move the figures: a change counts in the week of its first
# deployment (usually within days), an incident in the week of the deployment it is charged to.
REACH = timedelta(weeks=4)
HISTORY = timedelta(days=90)


def week_start(moment: datetime) -> date:
    """Return the Monday of the week a moment falls in: the organisation's week, Monday 00:00 to Sunday 24:00 on
    TIME_ZONE's wall clock (the zone the digest and the dashboards read dates in)."""
    return cadence.week_start(moment, settings.TIME_ZONE)


def _week_bounds(week: date) -> tuple[datetime, datetime]:
    """Return the moments a week (given by its Monday) begins and ends on TIME_ZONE's wall clock."""
    return cadence.day_start(week, settings.TIME_ZONE), cadence.day_start(week + timedelta(weeks=1), settings.TIME_ZONE)


def _weeks(first: datetime, last: datetime) -> set[date]:
    weeks, current = set(), week_start(first)
    while current <= week_start(last):
        weeks.add(current)
        current += timedelta(weeks=1)
    return weeks


def _mark_dirty(team_id: int, weeks: Iterable[date]) -> None:
    """Record the weeks to recompute and queue one debounced recomputation for the team."""
    DoraDirty.objects.bulk_create(
        [DoraDirty(team_id=team_id, week_start=w) for w in weeks], ignore_conflicts=True, batch_size=500
    )
    delay = settings.ALIGN_DORA_DEBOUNCE_SECONDS
    # Many events in a burst queue one task: the first claims the key; the dirty rows carry the work.
    if cache.add(f"align:dora-queued:{team_id}", 1, timeout=delay):
        from ..tasks import dora_recompute_task

        transaction.on_commit(lambda: dora_recompute_task.apply_async((team_id,), countdown=delay))


@transaction.atomic
def deployment_record(
    *, team: Team, external_id: str, finished_at: datetime, environment: str = "production", shas=(), source="api"
) -> Deployment:
    """Create or correct a deployment (keyed by source and id) and mark its weeks for recomputation."""
    previous = Deployment.objects.filter(source=source, external_id=external_id).first()
    deployment, _ = Deployment.objects.update_or_create(
        source=source,
        external_id=external_id,
        defaults={"team": team, "finished_at": finished_at, "environment": environment, "shas": sorted(set(shas))},
    )
    moments = [finished_at] + ([previous.finished_at] if previous else [])
    _mark_dirty(team.id, set().union(*(_weeks(m, m + REACH) for m in moments)))
    return deployment


@transaction.atomic
def change_record(
    *, team: Team, sha: str, authored_at: datetime | None = None, merged_at: datetime | None = None
) -> Change:
    """Create or complete a change (keyed by team and commit); a time already known is kept."""
    change = Change.objects.filter(team=team, sha=sha).first() or Change(team=team, sha=sha)
    change.authored_at = change.authored_at or authored_at
    change.merged_at = change.merged_at or merged_at
    change.full_clean(validate_unique=False)
    change.save()
    _mark_dirty(team.id, _weeks(change.committed_at, change.committed_at + REACH))
    return change


@transaction.atomic
def incident_record(
    *,
    team: Team,
    external_id: str,
    opened_at: datetime,
    resolved_at: datetime | None = None,
    deployment_external_id: str | None = None,
    sha: str = "",
    source: str = "api",
) -> Incident:
    """Create or update an incident (keyed by source and id) and mark its weeks for recomputation."""
    deployment = None
    if deployment_external_id:
        deployment = Deployment.objects.filter(source=source, external_id=deployment_external_id).first()
    incident = Incident.objects.filter(source=source, external_id=external_id).first() or Incident(
        source=source, external_id=external_id
    )
    incident.team, incident.opened_at, incident.resolved_at = team, opened_at, resolved_at
    incident.deployment, incident.sha = deployment, sha
    incident.full_clean(validate_unique=False)
    incident.save()
    _mark_dirty(team.id, _weeks(opened_at - REACH, opened_at))
    return incident


@transaction.atomic
def incident_forget(*, source: str, external_id: str) -> bool:
    """Remove an incident (e.g. its incident label was taken off); return whether there was one."""
    incident = Incident.objects.filter(source=source, external_id=external_id).first()
    if incident is None:
        return False
    _mark_dirty(incident.team_id, _weeks(incident.opened_at - REACH, incident.opened_at))
    incident.delete()
    return True


@dataclass
class _Events:
    """A team's delivery events over a span, each list sorted by its time, for computing many windows."""

    deployments: list[tuple[datetime, dora.Deployment]]
    changes: list[tuple[datetime, dora.Change]]
    incidents: list[tuple[datetime, dora.Incident]]


def _events(team_id: int, start: datetime, end: datetime) -> _Events:
    """Load a team's events that any window inside [start, end) can use (HISTORY before it), in 3 queries."""
    since = start - HISTORY
    deployments = [
        (d.finished_at, dora.Deployment(d.id, d.finished_at, frozenset(d.shas)))
        for d in Deployment.objects.filter(team_id=team_id, finished_at__gte=since, finished_at__lt=end)
    ]
    committed = Q(authored_at__gte=since, authored_at__lt=end) | Q(
        authored_at__isnull=True, merged_at__gte=since, merged_at__lt=end
    )
    changes = [
        (c.committed_at, dora.Change(c.sha, c.committed_at)) for c in Change.objects.filter(committed, team_id=team_id)
    ]
    incidents = [
        (i.opened_at, dora.Incident(i.id, i.opened_at, i.resolved_at, i.deployment_id, i.sha or None))
        for i in Incident.objects.filter(team_id=team_id, opened_at__gte=since, opened_at__lt=end)
    ]
    return _Events(*(sorted(events, key=lambda pair: pair[0]) for events in (deployments, changes, incidents)))


def _within(events: list[tuple[datetime, object]], start: datetime, end: datetime) -> list:
    times = [moment for moment, _ in events]
    return [event for _, event in events[bisect_left(times, start) : bisect_left(times, end)]]


def _figures(events: _Events, start: datetime, end: datetime, weeks: float | None) -> dora.Figures:
    since = start - HISTORY
    return dora.compute(
        start=start,
        end=end,
        weeks=weeks,
        deployments=_within(events.deployments, since, end),
        changes=_within(events.changes, since, end),
        incidents=_within(events.incidents, since, end),
    )


def _calendar_weeks(cycle: Cycle) -> float | None:
    """Return how many weeks a cycle is open on its own wall clock (7 days across a change of the clocks are one
    week, not 167/168 of one); None, meaning elapsed time, for a window too short to count on the calendar."""
    days = cadence.wall_clock_days(cycle.opens_at, cycle.closes_at, cycle.time_zone)
    return days / 7 if days > 0 else None


def _values(team_id: int, first_day: date, last_day: date, figures: dora.Figures) -> list[tuple]:
    return [
        ("deployment-frequency", team_id, first_day, last_day, figures.deployments_per_week),
        ("lead-time", team_id, first_day, last_day, figures.lead_time_hours),
        ("change-failure-rate", team_id, first_day, last_day, figures.change_failure_rate),
        ("time-to-restore", team_id, first_day, last_day, figures.time_to_restore_hours),
    ]


def dora_recompute(*, team_id: int) -> int:
    """Recompute the team's DORA figures for every week marked dirty, and the cycle windows over them.

    1. Claim the team's dirty weeks (rows locked and deleted in this transaction, so two workers never
       share one; a crash rolls the claim back and the sweep retries).
    2. Compute each week, Monday to Sunday on TIME_ZONE's wall clock, and each survey cycle window that
       overlaps a claimed week, filed under its opening and closing dates in the cycle's own zone.
    3. Write the figures as metric values (an undefined figure, such as lead time without deployed changes,
       removes the value).
    """
    with transaction.atomic():
        claimed = list(
            DoraDirty.objects.select_for_update(skip_locked=True).filter(team_id=team_id).order_by("week_start")
        )
        if not claimed:
            return 0
        DoraDirty.objects.filter(id__in=[row.id for row in claimed]).delete()
        values: list[tuple] = []
        weeks = [row.week_start for row in claimed]
        first, last = _week_bounds(weeks[0])[0], _week_bounds(weeks[-1])[1]
        cycles = list(Cycle.objects.filter(opens_at__lt=last, closes_at__gt=first).exclude(state=Cycle.State.SCHEDULED))
        # One read of the team's events for every window below (each also looks HISTORY back).
        events = _events(
            team_id, min([first, *(c.opens_at for c in cycles)]), max([last, *(c.closes_at for c in cycles)])
        )
        for week in weeks:
            figures = _figures(events, *_week_bounds(week), weeks=1)
            values += _values(team_id, week, week + timedelta(days=6), figures)
        for cycle in cycles:
            figures = _figures(events, cycle.opens_at, cycle.closes_at, weeks=_calendar_weeks(cycle))
            first_day, last_day = (cadence.local_date(m, cycle.time_zone) for m in (cycle.opens_at, cycle.closes_at))
            values += _values(team_id, first_day, last_day, figures)
        metric_values_write(values=values, source="dora")
        correlations_refresh_enqueue()
    return len(claimed)


def dora_dirty_teams() -> list[int]:
    """Return the teams with weeks waiting to be recomputed."""
    return sorted(set(DoraDirty.objects.values_list("team_id", flat=True)))


def delivery_batch_record(*, kind: str, rows: list[dict]) -> tuple[int, list[tuple[int, str, str]]]:
    """Record a batch of deployments, changes or incidents sent through the API, all or nothing.

    Rows carry a team path; returns (recorded, errors) where each error is (row index, field, message).
    """
    teams = {path.casefold(): team_id for path, team_id in team_paths().items()}
    team_objects = Team.objects.in_bulk(set(teams.values()))
    errors = []
    for index, row in enumerate(rows):
        if row["team"].strip("/").casefold() not in teams:
            errors.append((index, "team", f"Unknown team “{row['team']}” (use a path such as A/B)."))
        if kind == "changes" and not (row.get("authored_at") or row.get("merged_at")):
            errors.append((index, "authored_at", "Give authored_at, merged_at or both."))
        if kind == "incidents" and row.get("resolved_at") and row["resolved_at"] < row["opened_at"]:
            errors.append((index, "resolved_at", "The incident is resolved before it opened."))
    if errors:
        return 0, errors
    with transaction.atomic():
        for row in rows:
            team = team_objects[teams[row["team"].strip("/").casefold()]]
            if kind == "deployments":
                deployment_record(
                    team=team,
                    external_id=row["id"],
                    finished_at=row["finished_at"],
                    environment=row.get("environment") or "production",
                    shas=row.get("shas") or [],
                )
            elif kind == "changes":
                change_record(
                    team=team, sha=row["sha"], authored_at=row.get("authored_at"), merged_at=row.get("merged_at")
                )
            else:
                incident_record(
                    team=team,
                    external_id=row["id"],
                    opened_at=row["opened_at"],
                    resolved_at=row.get("resolved_at"),
                    deployment_external_id=row.get("deployment_id"),
                    sha=row.get("sha") or "",
                )
    return len(rows), []


@transaction.atomic
def repository_connect(*, full_name: str, team: Team) -> Repository:
    """Count a repository's GitHub events for a team (re-pointing it if it already belonged to another)."""
    full_name = full_name.strip().strip("/")
    if full_name.count("/") != 1 or not all(full_name.split("/")):
        raise ValidationError({"full_name": ["Write the repository as owner/name, e.g. acme/payments-api."]})
    repository, _ = Repository.objects.update_or_create(full_name=full_name, defaults={"team": team})
    return repository
