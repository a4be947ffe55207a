"""Reading survey dimensions against metrics across teams and cycles: the findings leaders see."""

from collections import defaultdict

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from threadpoolctl import threadpool_limits

from surveys.models import Cycle, Dimension, Question
from surveys.selectors import cycle_team_parents

from .. import correlation
from ..models import Finding, MetricDefinition, TeamFinding
from ..selectors import visible_group_means
from ..selectors.metrics import metric_values_by_cycle
from .jobs import job_progress, job_recorded

LAGS = (0, 1)


def correlations_refresh(*, permutations: int = 2000, stop_after: int | None = correlation.STOP_AFTER):
    """Test every dimension × metric × lag and replace the findings; return the job's record.

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
       correlation.needs_refining), and —
       from the same permutations — each team's own correlation where it has
       correlation.MIN_POINTS_FOR_ONE_TEAM points.
    4. Adjust the p-values of each family (pooled, per team) together with Benjamini–Hochberg and replace
       the findings in one transaction: running it twice gives the same rows.
    """
    with job_recorded(kind="correlate") as job:
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
        definitions = MetricDefinition.objects.in_bulk(list(metrics))
        pairs = [(d, definitions[m], lag) for d in dimensions for m in metrics for lag in LAGS]
        job_progress(job, done=0, total=len(pairs))
        # Every team's scores and metric values as (teams × cycles) grids, NaN where there is none: a pair's
        # points are then where both grids have a value, found by arrays rather than per-point lookups.
        team_ids = np.array(sorted({t for cells in [*scores.values(), *metrics.values()] for t, _ in cells}))
        row = {team_id: i for i, team_id in enumerate(team_ids.tolist())}
        score_grids = {key: _grid(cells, row, len(cycles)) for key, cells in scores.items()}
        metric_grids = {key: _grid(cells, row, len(cycles) + max(LAGS)) for key, cells in metrics.items()}
        team_department = np.array([departments.get(t) for t in team_ids.tolist()], dtype=object)
        tested, team_tested = [], []
        # One BLAS thread: the arithmetic is many small products, where waking OpenBLAS's threads costs more
        # than it saves (3× the job's time on two busy cores); more worker processes are how it scales.
        with threadpool_limits(limits=1, user_api="blas"):
            for done, (dimension, metric, lag) in enumerate(pairs, start=1):
                score_grid, metric_grid = score_grids[dimension.id], metric_grids[metric.id][:, lag : lag + len(cycles)]
                rows, indexes = np.nonzero(~np.isnan(score_grid) & ~np.isnan(metric_grid))
                keep = correlation.usable(rows)
                rows, indexes = rows[keep], indexes[keep]
                if correlation.enough_data(rows):
                    teams, x, y = team_ids[rows], score_grid[rows, indexes], metric_grid[rows, indexes]
                    team_departments = team_department[rows]
                    result = correlation.rm_corr_within_periods(teams, indexes, x, y, departments=team_departments)
                    test = correlation.resolved_association_test(
                        teams, indexes, x, y, departments=team_departments, permutations=permutations,
                        tests=len(pairs), seed=done, refine_seed=len(pairs) + done, stop_after=stop_after,
                    )  # fmt: skip
                    tested.append((dimension, metric, lag, result, test.p))
                    team_tested.extend((dimension, metric, lag, team) for team in test.per_team)
                if done % 20 == 0:
                    job_progress(job, done=done)
        q_values = correlation.false_discovery_q([p for *_, p in tested])
        findings = []
        for (dimension, metric, lag, result, p), q in zip(tested, q_values, strict=True):
            direction, sentence = correlation.describe(
                dimension=dimension.name.lower(),
                metric=metric.name.lower(),
                lower_is_better=metric.direction == MetricDefinition.Direction.LOWER_IS_BETTER,
                lag=lag,
                result=result,
                q=q,
            )
            findings.append(
                Finding(
                    dimension=dimension,
                    metric=metric,
                    lag=lag,
                    n_teams=result.n_teams,
                    n_points=result.n_points,
                    r=result.r,
                    ci_low=result.ci_low,
                    ci_high=result.ci_high,
                    p=p,
                    q=q,
                    direction=direction,
                    significant=q <= correlation.FDR,
                    sentence=sentence,
                )
            )
        team_q = correlation.false_discovery_q([team.p for *_, team in team_tested])
        team_findings = [
            (int(team.team), dimension.id, metric.id, lag, team.n_points, float(team.r), float(team.ci_low),
             float(team.ci_high), float(team.p), q, q <= correlation.FDR)
            for (dimension, metric, lag, team), q in zip(team_tested, team_q, strict=True)
        ]  # fmt: skip
        with transaction.atomic():
            Finding.objects.all().delete()
            Finding.objects.bulk_create(findings)
            TeamFinding.objects.all().delete()
            _insert(TeamFinding, TEAM_FINDING_FIELDS, team_findings)
        job.message = f"Tested {len(tested)} of {len(pairs)} pairs; {sum(f.significant for f in findings)} at q ≤ 0.05."
        job_progress(job, done=len(pairs))
    job.refresh_from_db()
    return job


def _grid(cells: dict[tuple[int, int], float], row: dict[int, int], width: int) -> np.ndarray:
    """Return {(team id, cycle index): value} as a (teams × width) array, NaN where there is no value."""
    grid = np.full((len(row), width), np.nan)
    if cells:
        grid[[row[t] for t, _ in cells], [i for _, i in cells]] = list(cells.values())
    return grid


# What _insert writes of a TeamFinding, in order.
TEAM_FINDING_FIELDS = ("team", "dimension", "metric", "lag", "n_points", "r", "ci_low", "ci_high", "p", "q",
                       "significant")  # fmt: skip


def _insert(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows of plain values: PostgreSQL's COPY, elsewhere one statement run for every row (executemany).

    The analysis writes one team finding per team and pair: 80,000 rows at 500 teams. bulk_create builds a
    model instance and a multi-row statement's parameters field by field, 13 s of a 30 s job; SQLite's
    executemany of one prepared statement takes well under a second, psycopg's (pipelined) 5 s, its COPY less
    than one.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        # Names from the model, values as parameters or COPY's own encoding.
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            statement = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
            cursor.executemany(statement, rows)


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
