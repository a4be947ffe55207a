"""DORA's four keys for one team over one period. Pure: plain data in, plain data out (DESIGN.md §5).

Definitions follow dora.dev; the computation follows Google's Four Keys and Apache DevLake:
- a deployment is a successful production deployment;
- lead time for changes is the median of (deployment finished − commit time) over the changes whose *first*
  deployment finished in the period; a change's first deployment is the earliest one that lists its commit,
  or, when none does (GitHub reports only a deployment's head commit), the first one after the commit;
- change failure rate is the share of the period's deployments that caused at least one incident; an incident
  is charged to the deployment it names, else to the first deployment of the commit it names, else (DevLake)
  to the latest deployment finished at or before it opened;
- time to restore is the median of (resolved − opened) over incidents opened in the period and resolved;
- deployment frequency is deployments per week, with DORA's band. A week is a calendar week: the caller
  gives the period's length in weeks on its wall clock, so the week the clocks change (167 or 169 hours)
  still counts as one and its deployments are not scaled by 168/167.

Where each figure exists (`deploying`): deployment frequency only for periods that end after the team's first
deployment; lead time and change failure rate only where a deployment lies in the period (so never before the
first); time to restore only where an incident opened in the period was resolved — its own defining event.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class Deployment:
    id: Hashable
    finished_at: datetime
    shas: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Change:
    sha: str
    committed_at: datetime


@dataclass(frozen=True)
class Incident:
    id: Hashable
    opened_at: datetime
    resolved_at: datetime | None = None
    deployment_id: Hashable | None = None
    sha: str | None = None


@dataclass(frozen=True)
class Figures:
    deployments: int
    deployments_per_week: float
    band: str
    changes_deployed: int
    lead_time_hours: float | None
    failed_deployments: int
    change_failure_rate: float | None  # percent
    incidents_restored: int
    time_to_restore_hours: float | None


def band(per_week: float) -> str:
    """Return DORA's deployment-frequency band for a weekly rate."""
    if per_week >= 7:
        return "daily"
    if per_week >= 1:
        return "weekly"
    if per_week >= 12 / 52:
        return "monthly"
    return "fewer than monthly"


def deploying(*, end: datetime, first_deployment_at: datetime | None) -> bool:
    """Return whether a period ending at `end` has a deployment frequency: whether the team's first deployment
    (ever, not only within reach of the period) finished before the period ended.

    Before its first deployment Align has no sign that the team deploys at all — it was not connected yet, or an
    old commit time (a build with SOURCE_DATE_EPOCH=0 dates its commits 1970-01-01) merely widened the weeks
    recomputed — so "0 deploys/week" there would be a claim, not a count: one such commit filled 2,985 weeks
    from 1969-12-29 with 0. From the first deployment on, a week without one is a real 0. The other keys need
    no such rule: lead time and change failure rate are defined only where deployments lie in the period, and
    time to restore only where an incident opened in it was resolved.
    """
    return first_deployment_at is not None and first_deployment_at < end


def first_deployments(changes: Iterable[Change], deployments: Iterable[Deployment]) -> dict[str, Deployment]:
    """Return, for each change, the first deployment that shipped it.

    1. The earliest deployment that lists the commit and finished after it was made.
    2. Otherwise the earliest deployment that finished after the commit: what was on the main branch went
       out with the next deployment.
    """
    ordered = sorted(deployments, key=lambda d: (d.finished_at, repr(d.id)))
    commit_time = {change.sha: change.committed_at for change in changes}
    by_sha: dict[str, Deployment] = {}
    for deployment in ordered:
        for sha in deployment.shas:
            if sha in commit_time and sha not in by_sha and deployment.finished_at >= commit_time[sha]:
                by_sha[sha] = deployment
    for sha, committed_at in commit_time.items():
        if sha not in by_sha:
            later = next((d for d in ordered if d.finished_at >= committed_at), None)
            if later is not None:
                by_sha[sha] = later
    return by_sha


def charged_deployment(incident: Incident, deployments: list[Deployment], first: dict[str, Deployment]):
    """Return the id of the deployment an incident is charged to, or None."""
    if incident.deployment_id is not None and any(d.id == incident.deployment_id for d in deployments):
        return incident.deployment_id
    if incident.sha and incident.sha in first:
        return first[incident.sha].id
    before = [d for d in deployments if d.finished_at <= incident.opened_at]
    return max(before, key=lambda d: (d.finished_at, repr(d.id))).id if before else None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def compute(
    *,
    start: datetime,
    end: datetime,
    deployments: Iterable[Deployment],
    changes: Iterable[Change],
    incidents: Iterable[Incident],
    weeks: float | None = None,
) -> Figures:
    """Return the four keys for the period [start, end), `weeks` long on the calendar (default: elapsed time)."""
    if end <= start:
        raise ValueError("the period must end after it starts")
    if weeks is not None and weeks <= 0:
        raise ValueError("the period must last a positive number of weeks")
    deployments, changes, incidents = list(deployments), list(changes), list(incidents)
    in_period = [d for d in deployments if start <= d.finished_at < end]
    per_week = len(in_period) / (weeks if weeks is not None else (end - start) / WEEK)

    first = first_deployments(changes, deployments)
    leads = [
        _hours(first[c.sha].finished_at - c.committed_at)
        for c in changes
        if c.sha in first and start <= first[c.sha].finished_at < end
    ]

    period_ids = {d.id for d in in_period}
    failed = {charged_deployment(i, deployments, first) for i in incidents} & period_ids

    restores = [
        _hours(i.resolved_at - i.opened_at)
        for i in incidents
        if start <= i.opened_at < end and i.resolved_at is not None and i.resolved_at >= i.opened_at
    ]
    return Figures(
        deployments=len(in_period),
        deployments_per_week=per_week,
        band=band(per_week),
        changes_deployed=len(leads),
        lead_time_hours=median(leads) if leads else None,
        failed_deployments=len(failed),
        change_failure_rate=100 * len(failed) / len(in_period) if in_period else None,
        incidents_restored=len(restores),
        time_to_restore_hours=median(restores) if restores else None,
    )
