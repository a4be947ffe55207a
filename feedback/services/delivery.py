"""Delivery events in (deployments, changes, incidents) and DORA figures out, recomputed only where needed."""

import logging
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, CheckConstraint, Max, Q
from django.db.models.functions import Lower
from django.utils import timezone

from surveys import cadence, time_limits
from surveys.models import Cycle, Team
from surveys.names import name_finder
from surveys.selectors import team_paths

from .. import dora
from ..models import Change, Deployment, DoraDirty, Incident, MetricValue, Repository
from .correlations import correlations_refresh_enqueue
from .metrics import metric_values_write

# How far around a changed week an event can move the figures: a change counts in the week of its first
# deployment (usually within days), an incident in the week of the deployment it is charged to.
REACH = timedelta(weeks=4)
HISTORY = timedelta(days=90)
WEEK = timedelta(weeks=1)

# Delivery events are past events: a time later than now plus CLOCK_SKEW is refused (an API row naming its field;
# a GitHub delivery is kept raw and "ignored"). GitHub's and hosted CI runners' clocks are kept by NTP, within a
# second or so of Align's; self-hosted runners and laptops (a commit's author date is its laptop's clock) drift
# by minutes, and a device with stale time-zone rules is off by exactly one hour around a change of the clocks.
# An hour covers all of these; a time further ahead is a typed year (2062 for 2026), a local time sent as UTC
# from west of Greenwich, or a placeholder, and was read as weeks of "0 deploys/week" still to come.
CLOCK_SKEW = timedelta(hours=1)
CLOCK_SKEW_SHOWN = "1 hour"
DORA_KEYS = ("deployment-frequency", "lead-time", "change-failure-rate", "time-to-restore")

logger = logging.getLogger(__name__)


def ahead_problem(moment: datetime, *, shown: str, now: datetime | None = None) -> str | None:
    """Return why a delivery event's time, shown as `shown`, is refused for lying ahead of now (CLOCK_SKEW
    allowed), or None. The message has no final full stop: the API ends it, the webhook goes on.

    Refused now, the same row is accepted once its time has passed; a row accepted stays accepted on any replay,
    since time only moves on.
    """
    now = now or timezone.now()
    if moment <= now + CLOCK_SKEW:
        return None
    return (
        f"{shown} is later than now ({now.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}): delivery events are recorded once "
        f"they have happened, and a sender's clock may run at most {CLOCK_SKEW_SHOWN} ahead of Align's"
        + _ahead_hint(moment - now)
    )


def _ahead_hint(ahead: timedelta) -> str:
    if ahead <= timedelta(hours=15):  # UTC-12:00 is the furthest west a local time can be written from
        return " (a local time written with another zone's offset, or as Z?)"
    if ahead >= timedelta(days=300):
        return " (a mistyped year?)"
    return ""


def production_environment(name: str, *, marked: bool = False) -> bool:
    """Return whether a deployment counts as a production one: its sender marked it so (`marked`: GitHub's
    `deployment.production_environment: true`, "an environment that end-users directly interact with"), or its
    environment is one of settings.ALIGN_PRODUCTION_ENVIRONMENTS, compared ignoring case and surrounding spaces,
    as GitHub compares environment names ("Environment names are not case sensitive"): Production and PROD are
    production. Every source follows this one rule, and DORA counts only deployments it accepts, whatever is
    stored.

    Either suffices. `production-eu` marked production counts although the admin's list does not name it; a
    listed name marked `production_environment: false` counts too: the list is the admin's explicit choice, and
    GitHub sends false by default for every environment not called "production" (so `prod` would never count).
    """
    listed = environment_key(name) in {environment_key(known) for known in settings.ALIGN_PRODUCTION_ENVIRONMENTS}
    return marked or listed


def environment_key(name: str) -> str:
    """Return an environment name as GitHub compares it: ignoring case (and, for a sender's stray spaces, the
    spaces around it)."""
    return name.strip().casefold()


def environment_ignored(name: str) -> str:
    """Return why a deployment to a non-production environment is ignored (no final full stop)."""
    return (
        f"environment “{name}” is not a production environment ("
        + ", ".join(settings.ALIGN_PRODUCTION_ENVIRONMENTS)
        + ", compared ignoring case) and the deployment is not marked production_environment: true: only "
        "production deployments count for DORA, so it is not recorded"
    )


def _latest_accepted(now: datetime) -> datetime:
    """Return the latest time a delivery event accepted now can carry (see ahead_problem)."""
    return now + CLOCK_SKEW


def week_start(moment: datetime) -> date:
    """Return the Monday of the week a moment falls in: the organisation's week, Monday 00:00 to Sunday 24:00 on
    TIME_ZONE's wall clock (the zone the digest and the dashboards read dates in)."""
    return cadence.week_start(moment, settings.TIME_ZONE)


def _week_bounds(week: date) -> tuple[datetime, datetime]:
    """Return the moments a week (given by its Monday) begins and ends on TIME_ZONE's wall clock."""
    return cadence.day_start(week, settings.TIME_ZONE), cadence.day_start(week + timedelta(weeks=1), settings.TIME_ZONE)


def _computable(week: date) -> bool:
    """Return whether a week (its Monday) overlaps the times Align accepts (surveys.time_limits): then it and the
    HISTORY before it and REACH after it can be computed. Weeks outside them get no figures."""
    return week <= time_limits.LAST_DAY and week + timedelta(days=6) >= time_limits.FIRST_DAY


def _weeks(first: datetime, last: datetime) -> set[date]:
    """Return the weeks from first's to last's, those within the times Align accepts (see _computable) and begun
    by the latest time an event accepted now can carry (_latest_accepted). A week not begun has no figures to
    change: it is computed once an event touches it after it begins (or a deployment's span covers it, see
    _earliest_affected). So one event marks at most the weeks from 1970 to now: about 2,900, a bound that grows by
    one a week and is reached only by a deployment whose predecessor is dated 1970 (each week between gets its
    "0 deploys/week", as in any gap between two deployments); never the thousands still to come that a row dated
    2199 reached."""
    first, last = max(first, time_limits.EARLIEST), min(last, time_limits.END, _latest_accepted(timezone.now()))
    if first > last:
        return set()
    weeks, current = set(), week_start(first)
    while current <= week_start(last):
        weeks.add(current)
        current += timedelta(weeks=1)
    return weeks


def _around(moment: datetime, *, before: timedelta = timedelta(0), after: timedelta = timedelta(0)) -> set[date]:
    """Return the weeks from `before` ahead of an event's moment to `after` past it, which its arrival or
    departure can change; no weeks for a moment outside the times Align accepts. Nothing new can lie there, and
    a row stored there before they were enforced (year 1, 9999) is read by no week Align computes, or at most by
    the very first or last (1969-12-29, 2199-12-29) — and the arithmetic around it would overflow."""
    if not time_limits.accepts(moment):
        return set()
    return _weeks(moment - before, moment + after)


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


# Git reads a commit id in either case and writes it in lower case; an abbreviation stands for the one commit
# it begins (gitrevisions(7)). An id that is not hexadecimal is some other system's, and is kept exactly.
HEX = re.compile(r"[0-9a-fA-F]+")
# Align sees a window of a repository's history, not all of it, so an abbreviation must be at least Git's
# default length (core.abbrev: 7) before it is taken for the one change in the window that it begins.
SHORTEST_ABBREVIATION = 7


def sha_key(sha: str) -> str:
    """Return a commit id as Git writes it: lower case when hexadecimal, otherwise exactly as sent."""
    sha = sha.strip()
    return sha.lower() if HEX.fullmatch(sha) else sha


def _newer(stored_at: datetime | None, stored: tuple, event_at: datetime, event: tuple) -> bool:
    """Return whether an event's state is newer than the stored one.

    By the sender's time first. At the same time (GitHub's are whole seconds) the states themselves decide,
    so which of two same-second events wins never depends on which arrived first; the same state at the same
    time is a repeat. A row stored before times were kept (no state_at) takes any event.
    """
    return stored_at is None or (event_at, event) > (stored_at, stored)


class Contradiction(ValueError):
    """An event whose fields contradict a rule its table holds to (text longer than its column, an incident
    resolved before it opened). `field` names the field as senders do (SENDER_NAMES); the message says what is
    wrong. Nothing is written."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# Fields as the API and GitHub's payloads name them, where the model's name differs.
SENDER_NAMES = {"external_id": "id", "deployment_external_id": "deployment_id"}
# What each check constraint of an event's table means, said to whoever sent the event: the field to name, and
# the message (formatted with the row's fields).
CONSTRAINT_MEANINGS = {
    "incident_resolved_after_opened": (
        "resolved_at",
        "The incident is resolved ({resolved_at}) before it opened ({opened_at})",
    ),
    "change_has_a_time": ("authored_at", "The change has neither an authored nor a merged time"),
}


def _contradiction_check(row) -> None:
    """Raise Contradiction for the first field of an unsaved event row that its table cannot hold: text longer
    than its column (PostgreSQL refuses it; SQLite would keep it), or a check constraint the row breaks.

    Checked before writing, so that an event is refused or ignored by name rather than failing the transaction
    with an IntegrityError or DataError (a 500); the database's constraints stay as the last guard.
    """
    model = type(row)
    fields = {field.attname: getattr(row, field.attname) for field in model._meta.concrete_fields}
    for field in model._meta.concrete_fields:
        value = fields[field.attname]
        if isinstance(field, CharField) and isinstance(value, str) and len(value) > field.max_length:
            name = SENDER_NAMES.get(field.name, field.name)
            raise Contradiction(name, f"{name} is {len(value):,} characters long; at most {field.max_length} are kept")
    for constraint in model._meta.constraints:
        if isinstance(constraint, CheckConstraint):
            try:
                constraint.validate(model, row)
            except ValidationError:
                field, meaning = CONSTRAINT_MEANINGS.get(constraint.name, ("", f"It breaks the rule {constraint.name}"))
                raise Contradiction(field, meaning.format(**fields)) from None


def _apply_if_newer(incoming, *, lookup: dict, state, respelt=None):
    """Write `incoming` over the row `lookup` finds when its state is newer; return (written, previous).

    1. Lock the row until the transaction ends: two deliveries for one row take turns, and whichever commits
       last, the newer state is the one kept.
    2. No row: insert `incoming`. Two inserting at once collide on the unique constraint; the one that lost
       reads the winner's row and compares as in 3.
    3. Overwrite every field when `incoming` is newer (`_newer`), so the row is the newest event's state
       whatever came before it. Otherwise change nothing and return (None, the row).
    4. Before 3, an event of the stored time naming the same things spelt otherwise (`respelt(row, incoming)`
       gives what it means, in the stored spelling with the fullest identifiers) is a repeat and changes
       nothing, unless it names a commit more fully: then that is written, whichever arrived first.

    Raise Contradiction, writing nothing, for a row its table cannot hold (`_contradiction_check`).
    """
    _contradiction_check(incoming)
    model = type(incoming)
    while True:
        current = model.objects.select_for_update().filter(**lookup).first()
        if current is not None:
            break
        try:
            with transaction.atomic():
                incoming.save(force_insert=True)
        except IntegrityError:
            if not model.objects.filter(**lookup).exists():
                raise  # not a concurrent insert: a check constraint
            incoming.pk, incoming._state.adding = None, True
            continue
        return incoming, None
    meant = respelt(current, incoming) if respelt and current.state_at == incoming.state_at else None
    if meant is not None:
        if state(meant) == state(current):
            return None, current
    elif not _newer(current.state_at, state(current), incoming.state_at, state(incoming)):
        return None, current
    incoming.pk, incoming._state.adding = current.pk, False
    incoming.save(force_update=True)
    return incoming, current


def _fullest_commits(stored: list[str], incoming: list[str]) -> list[str] | None:
    """Return the commit ids two lists name, each at its fullest, when they name the same commits (each id of
    either list is one of the other's or an abbreviation of it, or abbreviated by it: _names); else None."""

    def related(a: str, b: str) -> bool:
        return _names(a, b) or _names(b, a)

    if not all(any(related(sha, known) for known in stored) for sha in incoming):
        return None
    if not all(any(related(known, sha) for sha in incoming) for known in stored):
        return None
    both = set(stored) | set(incoming)
    return sorted(sha for sha in both if not any(other != sha and _names(sha, other) for other in both))


def _deployment_respelt(current: Deployment, incoming: Deployment) -> Deployment | None:
    """Return what a deployment event means for the stored one when it names the same things, spelt otherwise —
    the environment ignoring case and surrounding spaces (environment_key), commit ids whole or abbreviated — as
    `incoming` keeping the stored spelling and each commit's fullest id; else None."""
    same = (current.team_id, current.finished_at, current.marked_production) == (
        incoming.team_id,
        incoming.finished_at,
        incoming.marked_production,
    ) and environment_key(current.environment) == environment_key(incoming.environment)
    shas = _fullest_commits(current.shas, incoming.shas) if same else None
    if shas is None:
        return None
    incoming.environment, incoming.shas = current.environment, shas
    return incoming


def _deployment_state(deployment: Deployment) -> tuple:
    return (
        deployment.finished_at,
        deployment.environment,
        tuple(deployment.shas),
        deployment.team_id,
        deployment.marked_production,
    )


@transaction.atomic
def deployment_record(
    *,
    team: Team,
    external_id: str,
    finished_at: datetime,
    environment: str = "production",
    marked_production: bool = False,
    shas=(),
    source="api",
    updated_at: datetime | None = None,
) -> Deployment | None:
    """Create or correct a deployment (keyed by source and id) unless a newer state of it is stored.

    The state's time is the sender's `updated_at`, else `finished_at`. Return the deployment, or None when
    this event is no newer than what is stored: a late or repeated event changes nothing. Raise Contradiction,
    writing nothing, for a row its table cannot hold (an id or environment longer than its column).
    """
    incoming = Deployment(
        team=team,
        source=source,
        external_id=external_id,
        finished_at=finished_at,
        environment=environment,
        marked_production=marked_production,
        shas=sorted({sha_key(sha) for sha in shas}),
        state_at=updated_at or finished_at,
    )
    deployment, previous = _apply_if_newer(
        incoming,
        lookup={"source": source, "external_id": external_id},
        state=_deployment_state,
        respelt=_deployment_respelt,
    )
    if deployment is None:
        return None
    _mark_dirty(team.id, _deployment_weeks(deployment))
    if previous is None:
        # Incidents that named this deployment before it arrived are charged to it from now on.
        waiting = Incident.objects.filter(source=source, deployment_external_id=external_id, deployment__isnull=True)
        for incident in waiting.select_for_update():
            _mark_dirty(incident.team_id, _around(incident.opened_at, before=REACH))
        waiting.update(deployment=deployment)
    else:
        _mark_dirty(previous.team_id, _deployment_weeks(previous))
    return deployment


def _deployment_weeks(deployment: Deployment) -> set[date]:
    """Return the weeks a deployment's arrival or departure can change; none for one outside the times Align
    accepts (see _around).

    1. From the deployment before it (incidents opened after it were charged to that one) to REACH after it, or
       further when it is (or was) the team's first (_latest_affected).
    2. The week of the deployment after it: commits made before this one and listed by none had that one for
       their stand-in (dora.first_deployments), and now have this one.
    3. The weeks of every deployment that may first ship a commit it lists (_change_weeks): the stand-in that
       shipped it meanwhile, and any later one listing it too, which now ships it second.

    Not the commits' own weeks: lead time is charged at deployment time, so a commit dated 1970
    (SOURCE_DATE_EPOCH=0) widens nothing — it used to mark every week back to 1969-12-29 for recomputation.
    """
    if not time_limits.accepts(deployment.finished_at):
        return set()
    weeks = _weeks(_earliest_affected(deployment), _latest_affected(deployment))
    after = _other_deployments(deployment).filter(finished_at__gte=deployment.finished_at).first()
    weeks |= _around(after) if after else set()
    for change in _listed_changes(deployment):
        weeks |= _change_weeks(change)
    return weeks


def _other_deployments(deployment: Deployment):
    """Return the team's other deployments at times Align accepts (see _earliest_affected)."""
    return (
        Deployment.objects.filter(
            team_id=deployment.team_id, finished_at__gte=time_limits.EARLIEST, finished_at__lt=time_limits.END
        )
        .exclude(pk=deployment.pk)
        .order_by("finished_at")
        .values_list("finished_at", flat=True)
    )


def _earliest_affected(deployment: Deployment) -> datetime:
    """Return when the team's deployment before this one finished (at a time Align accepts), else this one's."""
    before = _other_deployments(deployment).filter(finished_at__lt=deployment.finished_at).last()
    return before or deployment.finished_at


def _listed_changes(deployment: Deployment):
    """Return the team's changes a deployment lists, by id or by abbreviation (_names)."""
    listed = Q(sha__in=deployment.shas)
    for sha in deployment.shas:
        if len(sha) >= SHORTEST_ABBREVIATION and HEX.fullmatch(sha):
            listed |= Q(sha__startswith=sha)
    return Change.objects.filter(listed, team_id=deployment.team_id)


def _latest_affected(deployment: Deployment) -> datetime:
    """Return the latest moment whose week a deployment's arrival (or departure) can change: REACH after it
    finished; and when no deployment of the team finished before it, the team's next deployment at least, or
    without one its latest incident. Then it is the first, and the weeks up to those begin (or, when it leaves,
    cease) to have a deployment frequency (dora.deploying): their "0 deploys/week" is written, or removed. An
    incident's weeks were computed when it arrived, perhaps before any deployment did."""
    latest = deployment.finished_at + REACH
    others = _other_deployments(deployment)
    if not others.filter(finished_at__lt=deployment.finished_at).exists():
        after = others.filter(finished_at__gte=deployment.finished_at).first()
        if after is None:
            incidents = Incident.objects.filter(
                team_id=deployment.team_id, opened_at__gte=deployment.finished_at, opened_at__lt=time_limits.END
            )
            after = incidents.aggregate(latest=Max("opened_at"))["latest"]
        latest = max(latest, after) if after else latest
    return latest


@transaction.atomic
def change_record(
    *, team: Team, sha: str, authored_at: datetime | None = None, merged_at: datetime | None = None
) -> Change | None:
    """Create or complete a change (keyed by team and commit); return it, or None when nothing changed.

    Each time keeps the earliest value ever sent: a commit's times do not change, so two values are one
    sender's mistake, and the earliest is the same answer whichever order they arrived in. Raise Contradiction,
    writing nothing, for a row its table cannot hold (a commit id longer than its column).
    """
    sha = sha_key(sha)
    incoming = Change(team=team, sha=sha, authored_at=authored_at, merged_at=merged_at)
    _contradiction_check(incoming)
    current = Change.objects.select_for_update().filter(team=team, sha=sha).first()
    if current is None:
        try:
            with transaction.atomic():
                incoming.save(force_insert=True)
        except IntegrityError:  # inserted meanwhile by another delivery: complete that one
            current = Change.objects.select_for_update().get(team=team, sha=sha)
        else:
            _mark_dirty(team.id, _change_weeks(incoming))
            return incoming
    before, weeks_before = (current.authored_at, current.merged_at), _change_weeks(current)
    current.authored_at = min(filter(None, [current.authored_at, authored_at]), default=None)
    current.merged_at = min(filter(None, [current.merged_at, merged_at]), default=None)
    if (current.authored_at, current.merged_at) == before:
        return None
    current.save(update_fields=["authored_at", "merged_at"])
    _mark_dirty(team.id, weeks_before | _change_weeks(current))
    return current


def _change_weeks(change: Change) -> set[date]:
    """Return the weeks a change's arrival (or a new time for it) can change: those of the deployments that may
    have shipped it first, for lead time and for incidents naming its commit are charged there.

    Those are the team's first deployment at or after the commit (dora.first_deployments' stand-in) and any
    listing the commit (by its id, or an abbreviation of 7 or more digits), within HISTORY and a week after the
    commit: a week's figures read commits up to HISTORY before it begins, no further. And the weeks an incident
    naming the commit was charged to before (the REACH before it opened). Not the commit's own week:
    lead time is charged at deployment time, and a commit dated 1970 (SOURCE_DATE_EPOCH=0) before any
    deployment marks nothing.
    """
    committed_at = change.committed_at
    if not time_limits.accepts(committed_at):
        return set()
    weeks: set[date] = set()
    # An incident naming the commit was charged, while it was unknown, to the deployment before it opened.
    for sha, opened_at in Incident.objects.filter(
        team_id=change.team_id, counted=True, sha__startswith=change.sha[:SHORTEST_ABBREVIATION]
    ).values_list("sha", "opened_at"):
        if _names(sha, change.sha):
            weeks |= _around(opened_at, before=REACH)
    deployments = Deployment.objects.filter(
        team_id=change.team_id, finished_at__gte=committed_at, finished_at__lt=committed_at + HISTORY + WEEK
    ).order_by("finished_at")
    for index, (finished_at, shas) in enumerate(deployments.values_list("finished_at", "shas")):
        if index == 0 or any(_names(sha, change.sha) for sha in shas):
            weeks |= _around(finished_at)
    return weeks


def _names(listed: str, sha: str) -> bool:
    """Return whether a commit id a deployment or incident lists names the change `sha`: the same id, or an
    abbreviation of it (SHORTEST_ABBREVIATION hex digits or more) as _abbreviations_expanded reads one."""
    return listed == sha or (
        len(listed) >= SHORTEST_ABBREVIATION and HEX.fullmatch(listed) is not None and sha.startswith(listed)
    )


def _incident_respelt(current: Incident, incoming: Incident) -> Incident | None:
    """Return what an incident event means for the stored one when it names the same things, its commit id whole
    or abbreviated (_fullest_commits), as `incoming` with the fullest id; else None."""
    fields = ("team_id", "opened_at", "resolved_at", "counted", "deployment_external_id")
    if any(getattr(current, name) != getattr(incoming, name) for name in fields):
        return None
    shas = _fullest_commits([current.sha] if current.sha else [], [incoming.sha] if incoming.sha else [])
    if shas is None:
        return None
    incoming.sha = shas[0] if shas else ""
    return incoming


def _incident_state(incident: Incident) -> tuple:
    # Between two states of one time (a GitHub issue's times carry the order of its events within their second,
    # github._issue_state_time, so these are two events of the same kind): a withdrawal first, then resolved over
    # open, then the values themselves.
    return (
        not incident.counted,
        incident.resolved_at is not None,
        incident.resolved_at or incident.opened_at,
        incident.opened_at,
        incident.deployment_external_id,
        incident.sha,
        incident.team_id,
    )


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
    updated_at: datetime | None = None,
    counted: bool = True,
) -> Incident | None:
    """Create or update an incident (keyed by source and id) unless a newer state of it is stored.

    The state's time is the sender's `updated_at`, else when it was resolved, else opened: without
    `updated_at`, a late "still open" never undoes a resolution. `counted=False` records that it stopped
    being an incident as of that time, so that an older event arriving later cannot bring it back. Return
    the incident, or None when this event is no newer than what is stored (a late or repeated event). Raise
    Contradiction, writing nothing, for a row its table cannot hold (resolved before it opened, an id longer
    than its column).
    """
    deployment = None
    if deployment_external_id:
        deployment = Deployment.objects.filter(source=source, external_id=deployment_external_id).first()
    incoming = Incident(
        team=team,
        source=source,
        external_id=external_id,
        opened_at=opened_at,
        resolved_at=resolved_at,
        deployment=deployment,
        deployment_external_id=deployment_external_id or "",
        sha=sha_key(sha),
        counted=counted,
        state_at=updated_at or resolved_at or opened_at,
    )
    incident, previous = _apply_if_newer(
        incoming,
        lookup={"source": source, "external_id": external_id},
        state=_incident_state,
        respelt=_incident_respelt,
    )
    if incident is None:
        return None
    if counted:
        _mark_dirty(team.id, _around(opened_at, before=REACH) | _charged_weeks(incident))
    if previous is not None and previous.counted:
        _mark_dirty(previous.team_id, _around(previous.opened_at, before=REACH) | _charged_weeks(previous))
    return incident


def _charged_weeks(incident: Incident) -> set[date]:
    """Return the weeks of the deployments an incident may be charged to by name (dora.charged_deployment): the
    deployment it names, and those that may first ship the commit it names (_change_weeks) — either may have
    finished after it opened, beyond the REACH before it that its arrival marks otherwise."""
    weeks = _around(incident.deployment.finished_at) if incident.deployment_id else set()
    if incident.sha:
        for change in Change.objects.filter(team_id=incident.team_id, sha__startswith=incident.sha):
            if _names(incident.sha, change.sha):
                weeks |= _change_weeks(change)
    return weeks


def incident_forget(
    *,
    team: Team,
    external_id: str,
    opened_at: datetime,
    resolved_at: datetime | None = None,
    source: str,
    updated_at: datetime,
) -> bool:
    """Record that something is not an incident (any more) as of `updated_at`, unless a newer state of it is
    stored; return whether that changed anything.

    The row is kept (not counted) even for something that never was an incident: an older event that made
    it one may still arrive, and must find that it is older.
    """
    forgotten = incident_record(
        team=team,
        external_id=external_id,
        opened_at=opened_at,
        resolved_at=resolved_at,
        source=source,
        updated_at=updated_at,
        counted=False,
    )
    return forgotten is not None


@dataclass
class _Events:
    """A team's delivery events over a span, each list sorted by its time, for computing many windows."""

    deployments: list[tuple[datetime, dora.Deployment]]
    changes: list[tuple[datetime, dora.Change]]
    incidents: list[tuple[datetime, dora.Incident]]


def _abbreviations_expanded(known: list[str]) -> Callable[[str], str]:
    """Return a function giving, for a commit id a deployment or incident names, the change it means.

    A known id is itself; an abbreviation (SHORTEST_ABBREVIATION hex digits or more) is the one known id it
    begins, as Git resolves one; anything else, or an abbreviation two ids begin with, stays as it was.
    """
    exact, ordered = set(known), sorted(known)

    def expand(sha: str) -> str:
        if sha in exact or len(sha) < SHORTEST_ABBREVIATION or not HEX.fullmatch(sha):
            return sha
        at = bisect_left(ordered, sha)
        found = [candidate for candidate in ordered[at : at + 2] if candidate.startswith(sha)]
        return found[0] if len(found) == 1 else sha

    return expand


def _events(team_id: int, start: datetime, end: datetime) -> _Events:
    """Load a team's events that any window inside [start, end) can use (HISTORY before it, and deployments and
    incidents REACH after it), in 3 queries."""
    since, after = start - HISTORY, end + REACH
    committed = Q(authored_at__gte=since, authored_at__lt=end) | Q(
        authored_at__isnull=True, merged_at__gte=since, merged_at__lt=end
    )
    changes = [
        (c.committed_at, dora.Change(c.sha, c.committed_at)) for c in Change.objects.filter(committed, team_id=team_id)
    ]
    full = _abbreviations_expanded([change.sha for _, change in changes])
    # Only production deployments count, whatever is stored (a row stored before staging ones were ignored).
    deployments = [
        (d.finished_at, dora.Deployment(d.id, d.finished_at, frozenset(map(full, d.shas))))
        for d in Deployment.objects.filter(team_id=team_id, finished_at__gte=since, finished_at__lt=after)
        if production_environment(d.environment, marked=d.marked_production)
    ]
    incidents = [
        (i.opened_at, dora.Incident(i.id, i.opened_at, i.resolved_at, i.deployment_id, full(i.sha) or None))
        for i in Incident.objects.filter(team_id=team_id, counted=True, opened_at__gte=since, opened_at__lt=after)
    ]
    return _Events(*(sorted(events, key=lambda pair: pair[0]) for events in (deployments, changes, incidents)))


def _within(events: list[tuple[datetime, object]], start: datetime, end: datetime) -> list:
    times = [moment for moment, _ in events]
    return [event for _, event in events[bisect_left(times, start) : bisect_left(times, end)]]


def _figures(events: _Events, start: datetime, end: datetime, weeks: float | None) -> dora.Figures:
    """Return a window's figures from the events around it.

    Deployments and incidents after the window count too (up to REACH): a commit made in the window and listed
    by a later deployment first went out with that one, not with the unlisting deployment before it, and an
    incident opened after the window can be charged to one of its deployments. Cutting them off at the window's
    end gave figures that changed with the day they were computed.
    """
    since = start - HISTORY
    return dora.compute(
        start=start,
        end=end,
        weeks=weeks,
        deployments=_within(events.deployments, since, end + REACH),
        changes=_within(events.changes, since, end),
        incidents=_within(events.incidents, since, end + REACH),
    )


def _calendar_weeks(cycle: Cycle) -> float | None:
    """Return how many weeks a cycle is open on its own wall clock (7 days across a change of the clocks are one
    week, not 167/168 of one); None, meaning elapsed time, for a window too short to count on the calendar."""
    days = cadence.wall_clock_days(cycle.opens_at, cycle.closes_at, cycle.time_zone)
    return days / 7 if days > 0 else None


def _first_deployment_at(team_id: int) -> datetime | None:
    """Return when the team's first production deployment finished (at a time Align accepts), or None."""
    deployments = Deployment.objects.filter(
        team_id=team_id, finished_at__gte=time_limits.EARLIEST, finished_at__lt=time_limits.END
    ).order_by("finished_at")
    rows = deployments.values_list("environment", "marked_production", "finished_at")
    for environment, marked, finished_at in rows.iterator():
        if production_environment(environment, marked=marked):
            return finished_at
    return None


def _values(team_id: int, first_day: date, last_day: date, figures: dora.Figures, *, deploying: bool) -> list[tuple]:
    """Return a period's four figures to write; None removes one that is undefined there (dora.deploying)."""
    return [
        ("deployment-frequency", team_id, first_day, last_day, figures.deployments_per_week if deploying else None),
        ("lead-time", team_id, first_day, last_day, figures.lead_time_hours),
        ("change-failure-rate", team_id, first_day, last_day, figures.change_failure_rate),
        ("time-to-restore", team_id, first_day, last_day, figures.time_to_restore_hours),
    ]


def dora_recompute(*, team_id: int) -> int:
    """Recompute the team's DORA figures for every week marked dirty up to the current one, and the cycle windows
    over them; return how many marks were done with.

    1. Claim the team's dirty weeks up to the current one (rows locked and deleted in this transaction, so two
       workers never share one; a crash rolls the claim back and the sweep retries). Next week, marked by an
       event up to CLOCK_SKEW ahead of now, waits until it begins (dora_dirty_teams leaves it out until then).
    2. Compute each week, Monday to Sunday on TIME_ZONE's wall clock, and each survey cycle window that has
       opened and overlaps a claimed week, filed under its opening and closing dates in the cycle's own zone.
    3. Write the figures as metric values (an undefined figure, such as lead time without deployed changes or
       deployment frequency before the team's first deployment (dora.deploying), removes the value), and remove
       figures filed for periods not yet begun (_future_figures_remove).

    No figure is computed for a week or window that has not begun: it would read "0 deploys/week" for weeks
    still to come. Marks for weeks no event accepted now can lie in (after _latest_accepted's) were left by rows
    stored before times ahead of now were refused, or marked within REACH after an event before weeks not begun
    were left out: they are dropped with a logged warning, so that no stored row can make a recomputation write
    a figure for each of thousands of weeks to come.

    Only weeks and cycle windows within the times Align accepts (surveys.time_limits) are computed. Nothing
    outside them enters any more, but a database may hold rows from before (a year-1 time, a cycle extended to
    9999): such a week or window is left out with a logged warning, never computed, so that it cannot fail the
    whole claim and keep the team's other weeks from ever being recomputed. Left out rather than clamped: a
    figure over a window other than the one it is filed under would be a wrong number, not an approximation.
    """
    now = timezone.now()
    current, horizon = week_start(now), week_start(_latest_accepted(now))
    with transaction.atomic():
        beyond = DoraDirty.objects.filter(team_id=team_id, week_start__gt=horizon)
        dropped = sorted(beyond.values_list("week_start", flat=True))
        if dropped:
            beyond.delete()
            logger.warning(
                "DORA recomputation of team %s dropped %d week(s) from %s to %s: not begun (the current week is %s), "
                "and no event accepted now lies in them.",
                team_id, len(dropped), dropped[0], dropped[-1], current,
            )  # fmt: skip
        claimed = list(
            DoraDirty.objects.select_for_update(skip_locked=True)
            .filter(team_id=team_id, week_start__lte=current)
            .order_by("week_start")
        )
        if not claimed:
            if dropped:
                _future_figures_remove(team_id=team_id, now=now)
            return len(dropped)
        DoraDirty.objects.filter(id__in=[row.id for row in claimed]).delete()
        values: list[tuple] = []
        weeks = [row.week_start for row in claimed if _computable(row.week_start)]
        if len(weeks) < len(claimed):
            outside = [row.week_start for row in claimed if not _computable(row.week_start)]
            logger.warning(
                "DORA recomputation of team %s left out %d week(s) from %s to %s: outside the times Align accepts, %s.",
                team_id, len(outside), outside[0], outside[-1], time_limits.ACCEPTED,
            )  # fmt: skip
        if not weeks:
            return len(claimed) + len(dropped)
        first, last = _week_bounds(weeks[0])[0], _week_bounds(weeks[-1])[1]
        cycles = []
        opened = Cycle.objects.filter(opens_at__lt=last, closes_at__gt=first, opens_at__lte=now)
        for cycle in opened.exclude(state=Cycle.State.SCHEDULED):
            if cycle.opens_at >= time_limits.EARLIEST and cycle.closes_at <= time_limits.END:
                cycles.append(cycle)
            else:
                logger.warning(
                    "DORA recomputation of team %s left out cycle %s (%s to %s): outside the times Align accepts, %s.",
                    team_id, cycle.id, cycle.opens_at.isoformat(), cycle.closes_at.isoformat(), time_limits.ACCEPTED,
                )  # fmt: skip
        # One read of the team's events for every window below (each also looks HISTORY back).
        events = _events(
            team_id, min([first, *(c.opens_at for c in cycles)]), max([last, *(c.closes_at for c in cycles)])
        )
        first_deployment_at = _first_deployment_at(team_id)
        for week in weeks:
            start, end = _week_bounds(week)
            figures = _figures(events, start, end, weeks=1)
            deploying = dora.deploying(end=end, first_deployment_at=first_deployment_at)
            values += _values(team_id, week, week + timedelta(days=6), figures, deploying=deploying)
        for cycle in cycles:
            figures = _figures(events, cycle.opens_at, cycle.closes_at, weeks=_calendar_weeks(cycle))
            first_day, last_day = (cadence.local_date(m, cycle.time_zone) for m in (cycle.opens_at, cycle.closes_at))
            deploying = dora.deploying(end=cycle.closes_at, first_deployment_at=first_deployment_at)
            values += _values(team_id, first_day, last_day, figures, deploying=deploying)
        metric_values_write(values=values, source="dora")
        _future_figures_remove(team_id=team_id, now=now)
        correlations_refresh_enqueue()
    return len(claimed) + len(dropped)


def _future_figures_remove(*, team_id: int, now: datetime) -> None:
    """Remove the team's DORA figures filed for periods that have not begun, computed before such periods were
    left out (from events dated ahead of now, or marked within REACH after one): a week after the current one,
    or a window starting later than any cycle that has opened. Next week, if an event accepted now can lie in
    it, is marked to be computed once it begins.
    """
    current, horizon = week_start(now), week_start(_latest_accepted(now))
    opened = Cycle.objects.filter(opens_at__lte=now, opens_at__gte=_week_bounds(current)[0] - timedelta(days=2))
    windows = {
        tuple(cadence.local_date(moment, cycle.time_zone) for moment in (cycle.opens_at, cycle.closes_at))
        for cycle in opened
    }
    ahead = MetricValue.objects.filter(
        team_id=team_id, source="dora", metric__key__in=DORA_KEYS, period_start__gt=current
    ).values_list("id", "period_start", "period_end")
    removed = [(pk, start, end) for pk, start, end in ahead if (start, end) not in windows]
    if not removed:
        return
    MetricValue.objects.filter(id__in=[pk for pk, _, _ in removed]).delete()
    waiting = {start for _, start, end in removed if start.weekday() == 0 and end == start + timedelta(days=6)}
    DoraDirty.objects.bulk_create(
        [DoraDirty(team_id=team_id, week_start=week) for week in waiting if week <= horizon], ignore_conflicts=True
    )


def dora_dirty_teams() -> list[int]:
    """Return the teams with weeks to recompute now: a week that has begun, or a mark no event accepted now can
    have left (dropped by dora_recompute). Next week, marked by an event up to CLOCK_SKEW ahead of now, waits
    until it begins, so that the sweep does not recompute its team every tick for nothing."""
    now = timezone.now()
    due = Q(week_start__lte=week_start(now)) | Q(week_start__gt=week_start(_latest_accepted(now)))
    return sorted(set(DoraDirty.objects.filter(due).values_list("team_id", flat=True)))


def delivery_batch_record(
    *, kind: str, rows: list[dict]
) -> tuple[int, int, list[tuple[int, str, str]], list[tuple[int, str, str]]]:
    """Record a batch of deployments, changes or incidents sent through the API, all or nothing.

    Rows carry a team path. Each row changes what is stored only when it is newer (deployment_record,
    change_record, incident_record), so the batch means the same in any order: it is applied sorted by key,
    which keeps two overlapping batches from locking each other's rows in opposite orders. A deployment to an
    environment that is not production (production_environment) is not recorded, as the webhook does not
    record one. Return (recorded, unchanged, ignored, errors): rows that changed something, rows that were late
    or repeated, each row ignored and each error as (row index, field, message); a row its table cannot hold
    (Contradiction) is an error, writing nothing.
    """
    team_id = name_finder(team_paths())
    team_objects = Team.objects.in_bulk()
    errors = []
    for index, row in enumerate(rows):
        if team_id(row["team"].strip("/")) is None:
            errors.append((index, "team", f"Unknown team “{row['team']}” (use a path such as A/B)."))
        if kind == "changes" and not (row.get("authored_at") or row.get("merged_at")):
            errors.append((index, "authored_at", "Give authored_at, merged_at or both."))
        if kind == "incidents" and row.get("resolved_at") and row["resolved_at"] < row["opened_at"]:
            errors.append((index, "resolved_at", "The incident is resolved before it opened."))
        latest = row.get("finished_at") or row.get("resolved_at") or row.get("opened_at")
        if row.get("updated_at") and latest and row["updated_at"] < latest:
            errors.append((index, "updated_at", "This state cannot be current before it happened."))
    if errors:
        return 0, 0, [], errors
    ignored = [
        (index, "environment", environment_ignored(row["environment"]))
        for index, row in enumerate(rows)
        if kind == "deployments"
        and not production_environment(
            row.get("environment") or "production", marked=bool(row.get("production_environment"))
        )
    ]
    skipped = {index for index, _, _ in ignored}
    recorded = 0
    index = None
    try:
        with transaction.atomic():
            keyed = sorted(enumerate(rows), key=lambda pair: pair[1]["sha"] if kind == "changes" else pair[1]["id"])
            for index, row in keyed:  # index names the row a Contradiction stops at
                if index in skipped:
                    continue
                team = team_objects[team_id(row["team"].strip("/"))]
                if kind == "deployments":
                    written = deployment_record(
                        team=team,
                        external_id=row["id"],
                        finished_at=row["finished_at"],
                        environment=row.get("environment") or "production",
                        marked_production=bool(row.get("production_environment")),
                        shas=row.get("shas") or [],
                        updated_at=row.get("updated_at"),
                    )
                elif kind == "changes":
                    written = change_record(
                        team=team, sha=row["sha"], authored_at=row.get("authored_at"), merged_at=row.get("merged_at")
                    )
                else:
                    written = incident_record(
                        team=team,
                        external_id=row["id"],
                        opened_at=row["opened_at"],
                        resolved_at=row.get("resolved_at"),
                        deployment_external_id=row.get("deployment_id"),
                        sha=row.get("sha") or "",
                        updated_at=row.get("updated_at"),
                    )
                recorded += written is not None
    except Contradiction as contradiction:  # what the checks above cannot see; the whole batch is rolled back
        return 0, 0, [], [(index, contradiction.field, f"{contradiction}.")]
    return recorded, len(rows) - len(skipped) - recorded, ignored, []


@transaction.atomic
def repository_connect(*, full_name: str, team: Team) -> Repository:
    """Count a repository's GitHub events for a team (re-pointing it if it already belonged to another).

    GitHub compares owner/name ignoring case, so another spelling of a connected repository is that same
    repository: it is re-pointed, and keeps the spelling given last.
    """
    full_name = full_name.strip().strip("/")
    repository = repository_named(full_name, lock=True) or Repository()
    repository.full_name, repository.team = full_name, team
    try:
        repository.full_clean(exclude=["team"], validate_constraints=False)
    except ValidationError:
        raise ValidationError({"full_name": ["Write the repository as owner/name, e.g. acme/payments-api."]}) from None
    repository.save()
    return repository


# GitHub's owner and repository names are ASCII, compared ignoring ASCII case only; Python's lower() would
# also fold, say, the Kelvin sign into "k" and match a name GitHub would not.
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def repository_named(full_name: str, *, lock: bool = False) -> Repository | None:
    """Return the connected repository GitHub would find by this owner/name (ignoring ASCII case), or None."""
    found = Repository.objects.alias(key=Lower("full_name")).filter(key=full_name.translate(ASCII_LOWER))
    return (found.select_for_update() if lock else found.select_related("team")).first()
