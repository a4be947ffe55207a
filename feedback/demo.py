"""Demo delivery events and business metrics, with a few planted relations and mostly noise.

Planted (so the dashboard has real findings to show):
- a team's psychological safety in one cycle lowers its change failure rate in the next (lag 1);
- higher safety goes with a shorter time to restore in the same cycle;
- higher trust in leadership goes with lower customer churn in the same cycle;
- a team's business clarity in one cycle shortens its lead time for changes in the next (lag 1): a team that
  knows why its work matters cuts and ships smaller pieces.
Everything else (deployment frequency, revenue, customer NPS, incidents, and structure & clarity, meaning,
impact and dependability against anything) is noise around each team's own baseline — so most pairs honestly
show nothing. The Align pulse rotates its dimensions, so a dimension has a score only in the cycles that
asked it; a relation is found from those cycles alone.
"""

from datetime import UTC, datetime, timedelta

import numpy as np

from surveys.demo import DemoTeam
from surveys.models import Cycle

from .models import Change, Deployment, DoraDirty, Incident, MetricDefinition, MetricValue
from .services.delivery import dora_recompute, week_start


def delivery_events_write(rng: np.random.Generator, *, teams: list[DemoTeam], cycles: list[Cycle]) -> int:
    """Write each team's deployments, changes and incidents over every cycle's period; return deployments."""
    deployments, changes, incidents = [], [], []
    for demo in teams:
        per_week = rng.lognormal(np.log(8), 0.4)
        lead_hours = rng.lognormal(np.log(20), 0.6)
        failure_base = rng.uniform(0.08, 0.22)
        restore_hours = rng.lognormal(np.log(3), 0.4)
        mean_level = demo.levels.mean()
        clarity = demo.dimensions.get("business-clarity", demo.levels)
        for index, cycle in enumerate(cycles):
            start = cycle.opens_at
            end = cycles[index + 1].opens_at if index + 1 < len(cycles) else start + timedelta(weeks=4)
            seconds = (end - start).total_seconds()
            previous = demo.levels[index - 1] if index else demo.levels[0]
            failure = float(np.clip(failure_base - 0.9 * (previous - mean_level), 0.01, 0.7))
            restore = restore_hours * np.exp(-1.2 * (demo.levels[index] - mean_level))
            clearer = clarity[index - 1] if index else clarity[0]
            lead = lead_hours * max(0.2, 1 - 1.1 * (clearer - clarity.mean()))  # about linear: −27% per 0.25 points
            for _ in range(int(rng.poisson(per_week * seconds / 604800))):
                finished = start + timedelta(seconds=float(rng.uniform(0, seconds)))
                shas = []
                for _ in range(int(rng.integers(1, 4))):
                    sha = f"{rng.integers(0, 2**63):016x}{rng.integers(0, 2**63):016x}"
                    authored = finished - timedelta(hours=float(rng.lognormal(np.log(lead), 0.5)))
                    changes.append(Change(team=demo.team, sha=sha, authored_at=authored, merged_at=finished))
                    shas.append(sha)
                deployment = Deployment(
                    team=demo.team, source="demo", external_id=f"{demo.team.id}-{len(deployments)}",
                    finished_at=finished, shas=shas,
                )  # fmt: skip
                deployments.append(deployment)
                if rng.random() < failure:
                    opened = finished + timedelta(minutes=float(rng.uniform(5, 120)))
                    resolved = opened + timedelta(hours=float(rng.lognormal(np.log(restore), 0.5)))
                    incidents.append((deployment, opened, resolved))
    Deployment.objects.bulk_create(deployments, batch_size=5000)
    Change.objects.bulk_create(changes, batch_size=5000)
    Incident.objects.bulk_create(
        (
            Incident(
                team=d.team, source="demo", external_id=f"{d.external_id}-i", opened_at=o, resolved_at=r, deployment=d
            )
            for d, o, r in incidents
        ),
        batch_size=5000,
    )
    return len(deployments)


def dora_all_recompute(*, teams: list[DemoTeam], first: datetime, last: datetime, progress=None) -> None:
    """Mark every week of the demo's span dirty for every team and recompute DORA the way events do."""
    weeks = []
    week = week_start(first)
    while week <= last.date():
        weeks.append(week)
        week += timedelta(days=7)
    DoraDirty.objects.bulk_create(
        (DoraDirty(team=demo.team, week_start=w) for demo in teams for w in weeks), batch_size=5000
    )
    for done, demo in enumerate(teams, start=1):
        dora_recompute(team_id=demo.team.id)
        if progress:
            progress(done, len(teams))


def business_metrics_write(rng: np.random.Generator, *, teams: list[DemoTeam], cycles: list[Cycle]) -> int:
    """Write per-team revenue, customer NPS, churn and incidents for each cycle's period; return rows."""
    metrics = MetricDefinition.objects.in_bulk(["revenue", "nps", "churn-rate", "incidents"], field_name="key")
    rows = []
    for demo in teams:
        revenue, nps, churn = rng.lognormal(np.log(80_000), 0.6), rng.normal(35, 12), rng.uniform(1.5, 4.0)
        trust = demo.dimensions.get("trust-leadership", demo.levels)
        for index, cycle in enumerate(cycles):
            start = cycle.opens_at.date()
            end = (cycles[index + 1].opens_at.date() if index + 1 < len(cycles) else start + timedelta(days=28)) - (
                timedelta(days=1)
            )
            values = {
                "revenue": revenue * (1 + 0.01 * index) * rng.lognormal(0, 0.08),
                "nps": nps + rng.normal(0, 6),
                "churn-rate": max(0.1, churn - 1.8 * (trust[index] - trust.mean()) + rng.normal(0, 0.25)),
                "incidents": float(rng.poisson(2)),
            }
            rows += [
                MetricValue(
                    metric=metrics[key], team=demo.team, period_start=start, period_end=end, value=value, source="demo"
                )
                for key, value in values.items()
            ]
    MetricValue.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def span(cycles: list[Cycle]) -> tuple[datetime, datetime]:
    """Return the first and last moment the demo's events cover."""
    return cycles[0].opens_at, max(cycles[-1].opens_at + timedelta(weeks=4), datetime.now(tz=UTC))
