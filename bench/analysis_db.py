"""The whole analysis job on a database: the embedded default (SQLite) and PostgreSQL, same data, same run.

App: `feedback.services.correlations_refresh` end to end — reading every cycle's group scores through
disclosure control and every metric value, testing 8 dimensions × 10 metrics × 2 lags with 2,000 permutations
each (pooled, by department, and per team), and writing the findings. Baseline, in the same run: the plain
per-pair loop of `bench.analysis` (Python shuffles + `scipy.stats.pearsonr`), per permutation of one pair.

Each setup runs in its own process against a scratch database, never your data: the embedded default in a
temporary ALIGN_DATA_DIR, and a database `align_bench` created (and dropped) on the PostgreSQL server at
BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres). An unreachable server is reported,
not hidden.
"""

import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from .analysis import BASELINE_PAIRS, BASELINE_PERMUTATIONS, naive_permutation_p, pairs, synthetic
from .common import measured, row, unavailable
from .scratch import base_env, postgres_scratch, run_step

DEPARTMENTS, TEAMS_PER_DEPARTMENT, CYCLES, DIMENSIONS, METRICS = 50, 10, 26, 8, 10
PERMUTATIONS = int(os.environ.get("BENCH_PERMUTATIONS", "2000"))
SCRATCH_DATABASE = "align_bench"


def load(seed: int = 0, orgs: tuple = (("Bench", DEPARTMENTS, TEAMS_PER_DEPARTMENT),)) -> int:
    """Write synthetic organisations' closed cycles, group scores and metric values; return rows written.

    orgs: (root name, departments, teams per department) for each organisation; they share the cycles.
    """
    from feedback.models import GroupScore, MetricDefinition, MetricValue
    from surveys.models import Cycle, CycleTeam, Dimension, Question, SurveyTemplate, Team

    rng = np.random.default_rng(seed)
    roots, departments, teams = [], [], []
    for name, department_count, teams_each in orgs:
        root = Team.objects.create(name=name)
        heads = Team.objects.bulk_create(Team(name=f"Department {d}", parent=root) for d in range(department_count))
        roots.append(root)
        departments += heads
        teams += Team.objects.bulk_create(
            Team(name=f"Team {d}.{t}", parent=head) for d, head in enumerate(heads) for t in range(teams_each)
        )
    template = SurveyTemplate.objects.first()
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    cycles = Cycle.objects.bulk_create(
        Cycle(
            name=f"Pulse {c}",
            template=template,
            opens_at=start + timedelta(days=14 * c),
            closes_at=start + timedelta(days=14 * c + 5),
            state=Cycle.State.CLOSED,
            threshold=5,
        )
        for c in range(CYCLES)
    )
    groups = [*roots, *departments, *teams]
    CycleTeam.objects.bulk_create(
        (CycleTeam(cycle=c, team=g, parent_id=g.parent_id, name=g.name) for c in cycles for g in groups),
        batch_size=5000,
    )
    dimensions = list(Dimension.objects.exclude(questions__kind=Question.Kind.COMMENT).distinct()[:DIMENSIONS])
    metrics = MetricDefinition.objects.bulk_create(
        MetricDefinition(key=f"bench-{m}", name=f"Bench metric {m}", time_rollup="sum") for m in range(METRICS)
    )
    score_means = rng.normal(3.5, 0.5, (len(groups), CYCLES, len(dimensions)))
    GroupScore.objects.bulk_create(
        (
            GroupScore(
                cycle=cycle,
                team=group,
                dimension=dimension,
                respondents=int(rng.integers(5, 12)),
                mean=float(score_means[g, c, d]),
                sd=0.8,
                favourable=0.6,
                shown=True,
            )
            for g, group in enumerate(groups)
            for c, cycle in enumerate(cycles)
            for d, dimension in enumerate(dimensions)
        ),
        batch_size=5000,
    )
    values = rng.normal(0, 1, (len(teams), CYCLES, METRICS))
    values[:, :, 0] += 0.3 * score_means[len(roots) + len(departments) :, :, 0]  # one planted association
    MetricValue.objects.bulk_create(
        (
            MetricValue(
                metric=metric,
                team=team,
                period_start=cycle.opens_at.date(),
                period_end=cycle.opens_at.date() + timedelta(days=13),
                value=float(values[t, c, m]),
            )
            for t, team in enumerate(teams)
            for c, cycle in enumerate(cycles)
            for m, metric in enumerate(metrics)
        ),
        batch_size=5000,
    )
    return GroupScore.objects.count() + MetricValue.objects.count() + CycleTeam.objects.count()


def child(step: str) -> None:
    """Run one step in this process and print one JSON line: `load` (migrate + data) or `job` (the analysis).

    The job runs in a process of its own so that its peak resident memory is the job's, not the loader's, and
    it is timed without tracemalloc, which slows object-heavy code severalfold.
    """
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if step == "load":
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        rows = load()
        print(json.dumps({"rows": rows, "load_seconds": time.perf_counter() - started}))
        return
    from feedback.models import Finding
    from feedback.services import correlations_refresh

    started = time.perf_counter()
    correlations_refresh(permutations=PERMUTATIONS)
    seconds = time.perf_counter() - started
    version = (
        f"{connection.cursor().connection.info.server_version // 10000}"
        if connection.vendor == "postgresql"
        else sqlite3.sqlite_version
    )
    print(
        json.dumps(
            {
                "version": version,
                "seconds": seconds,
                "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "pairs": Finding.objects.count(),
            }
        )
    )


def _run_child(env: dict[str, str]) -> dict:
    return run_step("bench.analysis_db", "load", env) | run_step("bench.analysis_db", "job", env)


def run() -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as data_dir:
        results.append(("embedded SQLite", _run_child(base_env() | {"ALIGN_DATA_DIR": data_dir})))
    with postgres_scratch(SCRATCH_DATABASE) as (env, why):
        results.append(("PostgreSQL", _run_child(env) if env else {"error": why}))

    rng = np.random.default_rng(1)
    baseline_pairs = list(pairs(*synthetic(rng)))[:BASELINE_PAIRS]
    with measured() as naive:
        for g, x, y, *_ in baseline_pairs:
            naive_permutation_p(g, x, y, BASELINE_PERMUTATIONS, rng)
    naive_per_perm = naive.seconds / (BASELINE_PAIRS * BASELINE_PERMUTATIONS) * 1e6

    rows = []
    for setup, measure in results:
        if "error" in measure:
            rows.append(unavailable(f"analysis job on {setup}", measure["error"]))
            continue
        per_perm = measure["seconds"] / (measure["pairs"] * PERMUTATIONS) * 1e6
        rows.append(
            {
                **row(f"analysis job on {setup}: µs per permutation", per_perm, naive_per_perm, "µs", False),
                "note": f"{setup} {measure['version']}: whole job {measure['seconds']:.1f} s for {measure['pairs']} "
                f"pairs × {PERMUTATIONS} permutations over {measure['rows']:,} rows (loaded in "
                f"{measure['load_seconds']:.0f} s, not timed), peak RSS {measure['peak_mib']:.0f} MiB",
            }
        )
    return rows


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsite.settings")
    child(sys.argv[1])
