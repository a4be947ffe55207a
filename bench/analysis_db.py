"""The whole analysis job on a database: the embedded default (SQLite) and PostgreSQL, same data, same run.

App: `feedback.services.correlations_refresh` end to end — reading every cycle's group scores through
disclosure control and every metric value, testing 8 dimensions × 10 metrics × 2 lags with 2,000 permutations
each (pooled, by department, and per team), and writing the findings — with the time of each step (read, test,
write: correlations_plan, pairs_test, findings_replace) and the process's CPU time beside the wall clock.
Baseline, in the same run: the plain per-pair loop of `bench.analysis` (Python shuffles +
`scipy.stats.pearsonr`), per permutation of one pair. Beside it, the arithmetic floor (`floor`): a numpy kernel
doing only the matrix work on data of the same shape, all 8 dimensions of a metric sharing each within-team
permutation in one product, for as many permutations as the job drew.

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
LAGS = 2
PERMUTATIONS = int(os.environ.get("BENCH_PERMUTATIONS", "2000"))
SCRATCH_DATABASE = "align_bench"


def load(seed: int = 0, orgs: tuple = (("Bench", DEPARTMENTS, TEAMS_PER_DEPARTMENT),)) -> int:
    """Write synthetic organisations' closed cycles, group scores and metric values; return rows written.

    orgs: (root name, departments, teams per department) for each organisation; they share the cycles.
    """
    from feedback.models import GroupScore, MetricDefinition, MetricValue
    from surveys.models import Cycle, CycleTeam, Dimension, Question, SurveyTemplate, Team

    from .scratch import rows_insert

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
    respondents = rng.integers(5, 12, score_means.shape)
    # Plain rows written as the analysis writes its team findings (COPY on PostgreSQL): model instances would
    # take minutes at 5,000 teams.
    rows_insert(
        GroupScore, ("cycle", "team", "dimension", "respondents", "mean", "sd", "favourable", "shown",
                     "change_flagged", "change_shown"),
        (
            (cycle.id, group.id, dimension.id, int(respondents[g, c, d]), float(score_means[g, c, d]), 0.8, 0.6,
             True, False, False)
            for g, group in enumerate(groups)
            for c, cycle in enumerate(cycles)
            for d, dimension in enumerate(dimensions)
        ),
    )  # fmt: skip
    values = rng.normal(0, 1, (len(teams), CYCLES, METRICS))
    values[:, :, 0] += 0.3 * score_means[len(roots) + len(departments) :, :, 0]  # one planted association
    now = datetime.now(UTC)
    rows_insert(
        MetricValue, ("metric", "team", "period_start", "period_end", "value", "source", "updated_at"),
        (
            (metric.id, team.id, cycle.opens_at.date(), cycle.opens_at.date() + timedelta(days=13),
             float(values[t, c, m]), "api", now)
            for t, team in enumerate(teams)
            for c, cycle in enumerate(cycles)
            for m, metric in enumerate(metrics)
        ),
    )  # fmt: skip
    return GroupScore.objects.count() + MetricValue.objects.count() + CycleTeam.objects.count()


def child(step: str) -> None:
    """Run one step in this process and print one JSON line: `load` (migrate + data) or `job` (the analysis).

    The job runs in a process of its own so that its peak resident memory is the job's, not the loader's, and
    it is timed without tracemalloc, which slows object-heavy code severalfold.
    """
    import django
    from django.core.management import call_command

    django.setup()
    if step == "load":
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        departments = int(os.environ.get("BENCH_ANALYSIS_TEAMS", DEPARTMENTS * TEAMS_PER_DEPARTMENT)) // 10
        rows = load(orgs=(("Bench", departments, TEAMS_PER_DEPARTMENT),))
        print(json.dumps({"rows": rows, "load_seconds": time.perf_counter() - started}))
        return
    print(json.dumps(job_timed()))


def job_timed() -> dict:
    """Run the whole job in this process; return its wall and CPU seconds, each step's seconds, the
    permutations drawn, peak RSS and a digest of everything it wrote."""
    from django.db import connection

    from feedback.services import correlations
    from feedback.services.correlations import correlations_refresh

    steps, drawn = {"read": 0.0, "test": 0.0, "write": 0.0}, []

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            result = function(*args, **kwargs)
            steps[name] += time.perf_counter() - started
            if name == "test":
                drawn.extend(t.drawn for t in result)
            return result

        return wrapper

    originals = {name: getattr(correlations, name) for name in ("correlations_plan", "pairs_test", "findings_replace")}
    for (name, function), step in zip(originals.items(), steps, strict=True):
        setattr(correlations, name, timed(step, function))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        correlations_refresh(permutations=PERMUTATIONS)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        for name, function in originals.items():
            setattr(correlations, name, function)
    version = (
        f"{connection.cursor().connection.info.server_version // 10000}"
        if connection.vendor == "postgresql"
        else sqlite3.sqlite_version
    )
    return {
        "version": version,
        "seconds": seconds,
        "cpu": cpu,
        "steps": steps,
        "drawn": sum(drawn),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pairs": len(drawn),
        "digest": findings_digest(),
    }


def findings_digest() -> str:
    """Return a digest of every finding and team finding as stored (equal digests: the same results)."""
    import hashlib

    from feedback.models import Finding, TeamFinding

    fields = ("dimension_id", "metric_id", "lag", "n_points", "r", "ci_low", "ci_high", "p", "q", "significant")
    digest = hashlib.sha256()
    for values in Finding.objects.order_by("dimension_id", "metric_id", "lag").values_list(
        *fields, "n_teams", "sentence"
    ):
        digest.update(repr(values).encode())
    for own in TeamFinding.objects.order_by("team_id"):
        digest.update(repr((own.team_id, own.pairs["columns"], own.pairs["rows"])).encode())
    return digest.hexdigest()[:16]


def floor(drawn: int, seed: int = 2) -> float:
    """Return the seconds of the arithmetic floor for data shaped as the job's (50 departments of 10 teams × 26
    cycles, 8 dimensions, 10 metrics, 2 lags) and `drawn` permutations of one pair in all (the job's count).

    Each permutation shuffles the cycles of every department (its teams alike, as the job shuffles) and serves
    all 8 dimensions of a metric at once: per team, the 8 products with the shuffled metric, and the pooled
    statistic as their sum — so the 8 pairs of a metric and lag need drawn / 160 shuffles each. Drawing and
    applying the shuffles is counted; prewhitening, intervals, stopping rules and reading and writing are not.
    """
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    shape = (DEPARTMENTS, TEAMS_PER_DEPARTMENT, CYCLES)
    teams = DEPARTMENTS * TEAMS_PER_DEPARTMENT
    scores = rng.normal(0, 1, (teams, DIMENSIONS, CYCLES))  # each team's 8 dimensions
    metrics = rng.normal(0, 1, (METRICS, *shape))
    each = max(1, drawn // (DIMENSIONS * METRICS * LAGS))
    flat = (np.arange(teams) * CYCLES).reshape(DEPARTMENTS, TEAMS_PER_DEPARTMENT, 1)
    with threadpool_limits(limits=1, user_api="blas"):  # as the job runs
        started = time.perf_counter()
        for m in range(METRICS * LAGS):
            y = metrics[m % METRICS].ravel()
            for done in range(0, each, 100):
                size = min(100, each - done)
                order = np.argsort(rng.random((size, DEPARTMENTS, 1, CYCLES)), axis=3)  # one shuffle a department
                shuffled = y.take(order + flat).reshape(size, teams, CYCLES).transpose(1, 2, 0)  # (teams, cycles, size)
                per_team = scores @ shuffled  # (teams, 8, size): one product a team for all 8 dimensions
                per_team.sum(axis=0)  # pooled
        return time.perf_counter() - started


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
        floor_seconds = floor(measure["drawn"])
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in measure["steps"].items())
        rows.append(
            {
                **row(f"analysis job on {setup}: µs per permutation", per_perm, naive_per_perm, "µs", False),
                "note": f"{setup} {measure['version']}: whole job {measure['seconds']:.1f} s ({steps}; CPU "
                f"{measure['cpu']:.1f} s) for {measure['pairs']} pairs × {PERMUTATIONS} permutations over "
                f"{measure['rows']:,} rows (loaded in {measure['load_seconds']:.0f} s, not timed), peak RSS "
                f"{measure['peak_mib']:.0f} MiB; {measure['drawn']:,} permutations drawn, the floor's matrix work "
                f"for as many {floor_seconds:.2f} s: the job is {measure['seconds'] / floor_seconds:.1f}× the "
                f"floor, its test step {measure['steps']['test'] / floor_seconds:.1f}×; findings {measure['digest']}",
            }
        )
    if len({m.get("digest") for _, m in results if "digest" in m}) > 1:
        rows.append(unavailable("analysis job: same findings on both databases", "NO: the digests differ"))
    return rows


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsite.settings")
    child(sys.argv[1])
