"""Reading survey dimensions against metrics across teams and cycles: the findings leaders see.

The job runs in three steps, so that any number of worker processes can share it (feedback.tasks):
correlations_plan reads everything once; pairs_test tests one share of the pairs (pure but for the cache it
is handed through); findings_replace adjusts every p-value of the whole family together and writes the
findings in one transaction. correlations_refresh runs the three in one process; correlations_start,
correlations_share and correlations_finish are the same steps for a Celery chord, with the plan and each
share's results kept in the cache in between.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from threadpoolctl import threadpool_limits

from surveys.models import Cycle, Dimension, Question
from surveys.selectors import cycle_team_parents

from .. import correlation
from ..models import Finding, JobRun, MetricDefinition, TeamFinding
from ..selectors import visible_group_means
from ..selectors.metrics import metric_values_by_cycle
from .jobs import job_failed, job_progress, job_started, job_succeeded

LAGS = (0, 1)


@dataclass(frozen=True)
class Plan:
    """What one analysis tests, read once (correlations_plan).

    pairs: (dimension id, metric id, lag) for every pair, in the order that seeds them: pair k (from 1) is
    tested with seed + j, j the position of the first pair of its metric and lag (the pairs of one metric and
    lag share their shuffles: pairs_test), and, if refined, with seed + len(pairs) + k, whichever process
    tests it.
    team_ids: (teams,) the teams with a score or a metric value; departments: (teams,) each one's department
    (object: an id or None). scores: dimension id → (teams × cycles) visible means; metrics: metric id →
    (teams × cycles + max(LAGS)) values; NaN where there is none.
    """

    pairs: list[tuple[int, int, int]]
    team_ids: np.ndarray
    departments: np.ndarray
    scores: dict[int, np.ndarray]
    metrics: dict[int, np.ndarray]
    permutations: int
    stop_after: int | None
    seed: int

    def shares(self) -> list[list[int]]:
        """Return the pairs' positions (from 1) grouped by metric and lag: the units any worker can test."""
        shares: dict[tuple[int, int], list[int]] = defaultdict(list)
        for position, (_, metric_id, lag) in enumerate(self.pairs, start=1):
            shares[(metric_id, lag)].append(position)
        return list(shares.values())


@dataclass(frozen=True)
class Tested:
    """One pair's result: its position in Plan.pairs, the correlation shown, its p-value, and its teams' own
    tests as a (teams × 6) array of team id, points, r, interval low, interval high and p; drawn: how many
    permutations its test drew (fewer than asked where every test stopped early)."""

    position: int
    result: correlation.RmCorr
    p: float
    teams: np.ndarray = field(default_factory=lambda: np.empty((0, 6)))
    drawn: int = 0


def correlations_refresh(
    *, permutations: int = 2000, stop_after: int | None = correlation.STOP_AFTER, seed: int = 0
) -> JobRun:
    """Test every dimension × metric × lag and replace the findings, in this process; return the job's record.

    1. Collect, per closed cycle, the dimension scores that disclosure control lets be shown of each leaf
       group of that cycle's tree (a team: a department's or the organisation's score re-counts its teams'
       respondents, so only groups without sub-groups are units), and each team's metric values over the
       cycle's period.
    2. Give each team its department: its parent in the latest tree, or its grandparent when it is its
       parent's only team (alone, a department's own movement and the team's are the same thing; teams
       still alone are grouped together by correlation.association_test).
    3. For every dimension, metric and lag (0: same cycle, 1: metric one cycle later) with enough data
       (correlation.MIN_TEAMS teams with correlation.MIN_CYCLES_PER_TEAM points each), compute the
       repeated-measures correlation within teams and periods (r and its interval, which allows for
       autocorrelation: correlation.rm_corr_within_periods) and its p-value from correlation.association_test
       (departments' shared movements removed, prewhitened, cycles shuffled department by department; a p-value
       among the smallest `permutations` allows is computed again with enough to be read among all the pairs,
       correlation.needs_refining), and — from the same permutations — each team's own correlation where it
       has correlation.MIN_POINTS_FOR_ONE_TEAM points. Each pair's permutations are seeded from `seed` and its
       position (Plan), so a split run (feedback.tasks) gives exactly these results.
    4. Adjust the p-values of each family (pooled, per team) together with Benjamini–Hochberg and replace
       the findings in one transaction: running it twice gives the same rows.
    """
    job = job_started(kind="correlate")
    try:
        plan = correlations_plan(permutations=permutations, stop_after=stop_after, seed=seed)
        job_progress(job, done=0, total=len(plan.pairs))
        tested = []
        for share in plan.shares():
            tested += pairs_test(plan, share)
            job_progress(job, done=len(tested))
        job.message = findings_replace(plan, tested)
    except Exception as error:
        job_failed(job, error)
        raise
    job_succeeded(job, done=len(plan.pairs))
    job.refresh_from_db()
    return job


def correlations_plan(*, permutations: int, stop_after: int | None, seed: int) -> Plan:
    """Read what the analysis tests (correlations_refresh, steps 1 and 2) into a Plan."""
    cycles = list(Cycle.objects.filter(state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED]).order_by("opens_at"))
    scores: dict[int, dict[tuple[int, int], float]] = defaultdict(dict)
    parents: dict[int, int | None] = {}
    for index, cycle in enumerate(cycles):
        tree = cycle_team_parents(cycle_id=cycle.id)
        parents.update(tree)  # the latest tree wins
        inner = set(tree.values())
        for (team_id, dimension_id), mean in visible_group_means(cycle=cycle).items():
            if team_id not in inner:
                scores[dimension_id][(team_id, index)] = mean
    departments = _departments(parents, {team_id for pairs in scores.values() for team_id, _ in pairs})
    metrics = metric_values_by_cycle(cycles=cycles) if cycles else {}
    dimensions = Dimension.objects.filter(id__in=scores).exclude(questions__kind=Question.Kind.COMMENT)
    # Every team's scores and metric values as (teams × cycles) grids, NaN where there is none: a pair's
    # points are then where both grids have a value, found by arrays rather than per-point lookups.
    team_ids = np.array(sorted({t for cells in [*scores.values(), *metrics.values()] for t, _ in cells}))
    row = {team_id: i for i, team_id in enumerate(team_ids.tolist())}
    # Pairs in id order, never the database's row order: a pair's seed is its place here, so SQLite and
    # PostgreSQL give the same findings from the same rows.
    dimension_ids = sorted(set(dimensions.values_list("id", flat=True)))
    return Plan(
        pairs=[(d, m, lag) for d in dimension_ids for m in sorted(metrics) for lag in LAGS],
        team_ids=team_ids,
        departments=np.array([departments.get(t) for t in team_ids.tolist()], dtype=object),
        scores={key: _grid(cells, row, len(cycles)) for key, cells in scores.items()},
        metrics={key: _grid(cells, row, len(cycles) + max(LAGS)) for key, cells in metrics.items()},
        permutations=permutations,
        stop_after=stop_after,
        seed=seed,
    )


def pairs_test(plan: Plan, positions: list[int]) -> list[Tested]:
    """Test the pairs at `positions` (from 1) of the plan (correlations_refresh, step 3); pairs with too little
    data are left out. The result depends on the plan and the positions only, not on what else runs.

    The pairs of one metric and lag measured at the same points are tested together
    (correlation.resolved_association_tests: one draw of shuffles for all of them), seeded from the plan's
    seed and the position of the first pair of that metric and lag (Plan), so a pair's result is the same
    whichever of its neighbours are tested with it.
    """
    share_start: dict[tuple[int, int], int] = {}
    for position, (_, metric_id, lag) in enumerate(plan.pairs, start=1):
        share_start.setdefault((metric_id, lag), position)
    batches: dict[tuple, list] = defaultdict(list)
    for position in positions:
        dimension_id, metric_id, lag = plan.pairs[position - 1]
        score_grid = plan.scores[dimension_id]
        metric_grid = plan.metrics[metric_id][:, lag : lag + score_grid.shape[1]]
        rows, indexes = np.nonzero(~np.isnan(score_grid) & ~np.isnan(metric_grid))
        keep = correlation.usable(rows)
        rows, indexes = rows[keep], indexes[keep]
        if not correlation.enough_data(rows):
            continue
        points = (metric_id, lag, rows.tobytes(), indexes.tobytes())
        batches[points].append((position, rows, indexes, score_grid[rows, indexes], metric_grid[rows, indexes]))
    tested = {}
    # One BLAS thread: the arithmetic is many small products, where waking OpenBLAS's threads costs more
    # than it saves (3× the job's time on two busy cores); more worker processes are how it scales.
    with threadpool_limits(limits=1, user_api="blas"):
        for (metric_id, lag, _, _), batch in batches.items():
            _, rows, indexes, _, _ = batch[0]
            teams, departments = plan.team_ids[rows], plan.departments[rows]
            xs, ys = np.array([x for *_, x, _ in batch]), np.array([y for *_, y in batch])
            tests = correlation.resolved_association_tests(
                teams, indexes, xs, ys, departments=departments, permutations=plan.permutations,
                tests=len(plan.pairs), seed=plan.seed + share_start[(metric_id, lag)],
                refine_seeds=[plan.seed + len(plan.pairs) + position for position, *_ in batch],
                stop_after=plan.stop_after,
            )  # fmt: skip
            for (position, _, _, x, y), test in zip(batch, tests, strict=True):
                result = correlation.rm_corr_within_periods(teams, indexes, x, y, departments=departments)
                own = np.array(
                    [(t.team, t.n_points, t.r, t.ci_low, t.ci_high, t.p) for t in test.per_team], dtype=float
                )
                tested[position] = Tested(position, result, test.p, own.reshape(-1, 6), test.permutations)
    return [tested[position] for position in positions if position in tested]


def family_adjusted(plan: Plan, tested: list[Tested]) -> tuple[list[tuple[Tested, float]], dict[int, dict]]:
    """Return (each pair's result with its q, in the plan's order; each team's TeamFinding.pairs by team id):
    the p-values of each family (pooled pairs; teams' own tests) adjusted together with Benjamini–Hochberg.

    `tested` may come in any order and any grouping (shares finish as they finish): it is put in the plan's
    order first, so the q-values and the rows are the same however the pairs were shared out. A team's rows
    are in the plan's order of pairs (dimension, metric, lag), with the values TEAM_FINDING_FIELDS names.
    """
    tested = sorted(tested, key=lambda t: t.position)
    q_values = correlation.false_discovery_q([t.p for t in tested])
    own = np.concatenate([t.teams for t in tested]) if tested else np.empty((0, 6))
    pair_of = np.repeat([t.position - 1 for t in tested], [len(t.teams) for t in tested]).astype(int)
    team_q = np.array(correlation.false_discovery_q(own[:, 5].tolist()))
    order = np.lexsort((pair_of, own[:, 0]))  # by team, then the plan's order
    per_team: dict[int, dict] = {}
    for pair, (team, n, r, low, high, p), q in zip(
        pair_of[order].tolist(), own[order].tolist(), team_q[order].tolist(), strict=True
    ):
        rows = per_team.setdefault(int(team), {"columns": list(TEAM_FINDING_FIELDS), "rows": []})["rows"]
        rows.append([*plan.pairs[pair], int(n), r, low, high, p, q, q <= correlation.FDR])
    return list(zip(tested, q_values, strict=True)), per_team


def findings_replace(plan: Plan, tested: list[Tested]) -> str:
    """Adjust the whole family's p-values (family_adjusted) and replace every finding in one transaction
    (correlations_refresh, step 4); return the job's message."""
    pairs, team_findings = family_adjusted(plan, tested)
    dimensions = Dimension.objects.in_bulk({dimension_id for dimension_id, _, _ in plan.pairs})
    metrics = MetricDefinition.objects.in_bulk({metric_id for _, metric_id, _ in plan.pairs})
    findings = []
    for t, q in pairs:
        dimension_id, metric_id, lag = plan.pairs[t.position - 1]
        dimension, metric, result = dimensions[dimension_id], metrics[metric_id], t.result
        direction, sentence = correlation.describe(
            dimension=dimension.name.lower(),
            metric=metric.name.lower(),
            lower_is_better=metric.direction == MetricDefinition.Direction.LOWER_IS_BETTER,
            lag=lag,
            result=result,
            q=q,
        )
        finding = Finding(
            dimension=dimension, metric=metric, lag=lag, n_teams=result.n_teams, n_points=result.n_points,
            r=result.r, ci_low=result.ci_low, ci_high=result.ci_high, p=t.p, q=q, direction=direction,
            significant=q <= correlation.FDR, sentence=sentence,
        )  # fmt: skip
        findings.append(finding)
    with transaction.atomic():
        Finding.objects.all().delete()
        Finding.objects.bulk_create(findings)
        TeamFinding.objects.all().delete()
        TeamFinding.objects.bulk_create(
            (TeamFinding(team_id=team_id, pairs=pairs) for team_id, pairs in team_findings.items()),
            batch_size=500,
        )
    return f"Tested {len(pairs)} of {len(plan.pairs)} pairs; {sum(f.significant for f in findings)} at q ≤ 0.05."


def correlations_start(*, permutations: int = 2000, stop_after: int | None = correlation.STOP_AFTER, seed: int = 0):
    """Record a correlation job, read its plan into the cache for the workers; return (job, shares): the
    positions each correlations_share tests. (feedback.tasks.correlations_refresh_task, before its chord.)"""
    job = job_started(kind="correlate")
    try:
        plan = correlations_plan(permutations=permutations, stop_after=stop_after, seed=seed)
        cache.set(_key(job.id, "plan"), plan, timeout=settings.CELERY_RESULT_EXPIRES)
        job_progress(job, done=0, total=len(plan.pairs))
    except Exception as error:
        job_failed(job, error)
        raise
    return job, plan.shares()


def correlations_share(*, job_id: int, positions: list[int]) -> int:
    """Test one share of a started job's pairs and keep the results in the cache; return how many were tested.

    A rerun (a retry, a redelivery) computes and keeps exactly the same results."""
    plan = _cached(job_id, "plan")
    tested = pairs_test(plan, positions)
    cache.set(_key(job_id, "share", positions[0]), tested, timeout=settings.CELERY_RESULT_EXPIRES)
    job_progress(JobRun(id=job_id), add=len(positions))
    return len(tested)


def correlations_finish(*, job_id: int, shares: list[list[int]]) -> JobRun:
    """Combine every share's results, adjust and write the findings (findings_replace) and record the job as
    succeeded. Until this commits, the previous findings stay as they were."""
    job = JobRun.objects.get(id=job_id)
    if job.status == JobRun.Status.SUCCEEDED:  # a redelivery after it committed: nothing left to do
        return job
    try:
        plan = _cached(job_id, "plan")
        tested = [t for share in shares for t in _cached(job_id, "share", share[0])]
        job.message = findings_replace(plan, tested)
    except Exception as error:
        job_failed(job, error)
        raise
    job_succeeded(job, done=len(plan.pairs))
    cache.delete_many([_key(job_id, "plan"), *(_key(job_id, "share", share[0]) for share in shares)])
    job.refresh_from_db()
    return job


def correlations_failed(*, job_id: int, error: Exception, shares: list[list[int]]) -> None:
    """Record a split job as failed (a share failed for good) and drop what it kept; findings stay as they were."""
    job_failed(JobRun.objects.get(id=job_id), error)
    cache.delete_many([_key(job_id, "plan"), *(_key(job_id, "share", share[0]) for share in shares)])


def _key(job_id: int, *parts) -> str:
    return ":".join(["align:correlations", str(job_id), *map(str, parts)])


def _cached(job_id: int, *parts):
    """Return what a split job kept in the cache, or raise LookupError if it is gone (expired, evicted)."""
    value = cache.get(_key(job_id, *parts))
    if value is None:
        raise LookupError(f"correlation job {job_id}: {' '.join(map(str, parts))} is no longer in the cache")
    return value


def _grid(cells: dict[tuple[int, int], float], row: dict[int, int], width: int) -> np.ndarray:
    """Return {(team id, cycle index): value} as a (teams × width) array, NaN where there is no value."""
    grid = np.full((len(row), width), np.nan)
    if cells:
        grid[[row[t] for t, _ in cells], [i for _, i in cells]] = list(cells.values())
    return grid


# The values of each row of TeamFinding.pairs, in order.
TEAM_FINDING_FIELDS = ("dimension", "metric", "lag", "n_points", "r", "ci_low", "ci_high", "p", "q", "significant")


def _departments(parents: dict[int, int | None], teams: set[int]) -> dict[int, int | None]:
    """Return each team's parent, or its grandparent where the parent has no other of these teams (and has
    a parent itself: a lone team right under the organisation stays there)."""
    siblings: dict[int | None, int] = defaultdict(int)
    for team_id in teams:
        siblings[parents.get(team_id)] += 1
    departments = {}
    for team_id in teams:
        parent = parents.get(team_id)
        grandparent = parents.get(parent) if parent is not None else None
        departments[team_id] = grandparent if siblings[parent] < 2 and grandparent is not None else parent
    return departments


def correlations_refresh_enqueue() -> None:
    """Queue one correlation refresh for a burst of new data (debounced)."""
    delay = settings.ALIGN_CORRELATION_DEBOUNCE_SECONDS
    if cache.add("align:correlations-queued", 1, timeout=delay):
        from ..tasks import correlations_refresh_task

        transaction.on_commit(lambda: correlations_refresh_task.apply_async(countdown=delay))
