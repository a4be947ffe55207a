"""The analysis shared out among Celery workers gives exactly what the single-process job gives."""

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import correlation, services
from feedback.models import Finding, JobRun, TeamFinding
from feedback.services.correlations import LAGS, Plan, family_adjusted, pairs_test
from feedback.tasks import correlations_refresh_task

from .test_correlations_service import history  # noqa: F401  (a fixture)

FINDING = ("dimension_id", "metric_id", "lag", "n_teams", "n_points", "r", "ci_low", "ci_high", "p", "q",
           "significant", "direction", "sentence")  # fmt: skip


def stored() -> tuple[list, list]:
    """Every finding and team finding as stored, in a fixed order."""
    return (
        list(Finding.objects.order_by("dimension_id", "metric_id", "lag").values_list(*FINDING)),
        sorted((row.team_id, *values) for row in TeamFinding.objects.all() for values in row.pairs["rows"]),
    )


def single_process(permutations: int = 2000) -> tuple[list, list]:
    services.correlations_refresh(permutations=permutations)
    rows = stored()
    Finding.objects.all().delete()
    TeamFinding.objects.all().delete()
    return rows


@pytest.mark.django_db
def test_the_split_job_run_eagerly_writes_exactly_what_the_single_process_job_writes(history):  # noqa: F811
    # given what the job writes in one process (2 metrics × 2 lags: 4 shares)
    single = single_process()
    assert single[0] and single[1]
    # when the task shares it out (run eagerly here)
    job_id = correlations_refresh_task.delay().get()
    # then the same rows, and one job that succeeded with every pair counted
    assert stored() == single
    job = JobRun.objects.get(id=job_id)
    assert job.status == JobRun.Status.SUCCEEDED and job.progress == job.total == 4


@pytest.mark.django_db
def test_the_findings_do_not_depend_on_the_order_the_database_returns_metrics_in(history, monkeypatch):  # noqa: F811
    # given the findings when metric values come back in one order
    single = single_process()
    # when the database returns them in the other (PostgreSQL and SQLite need not agree on row order)
    from feedback.services import correlations

    reading = correlations.metric_values_by_cycle
    monkeypatch.setattr(correlations, "metric_values_by_cycle", lambda **kw: dict(reversed(reading(**kw).items())))
    # then each pair keeps its seed, and the same findings are written
    assert single_process() == single


@pytest.mark.django_db
def test_a_share_that_fails_leaves_the_previous_findings_and_the_job_failed(history, monkeypatch):  # noqa: F811
    before = single_process(permutations=199)
    services.correlations_refresh(permutations=199)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(correlation, "rm_corr_within_periods", broken)
    with pytest.raises(RuntimeError, match="boom"):
        correlations_refresh_task.delay()
    job = JobRun.objects.order_by("-id").first()
    assert job.status == JobRun.Status.FAILED and "boom" in job.message
    assert stored() == before  # nothing half-written


@pytest.mark.django_db
def test_a_finish_whose_plan_is_gone_fails_the_job_and_writes_nothing(history):  # noqa: F811
    job, shares = services.correlations_start(permutations=99)
    for share in shares:
        services.correlations_share(job_id=job.id, positions=share)
    from django.core.cache import cache

    cache.clear()  # expired or evicted
    with pytest.raises(LookupError):
        services.correlations_finish(job_id=job.id, shares=shares)
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED and not Finding.objects.exists()


def organisation(draw) -> Plan:
    """A small random organisation as the job reads it: 5–9 teams in 1–3 departments over 8–10 cycles, 1–2
    dimensions and metrics, some cells missing, a relation planted in some."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    teams, cycles = draw(st.integers(5, 9)), draw(st.integers(8, 10))
    dimensions, metrics = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    missing = draw(st.sampled_from([0.0, 0.1]))
    scores = {d: rng.normal(3.5, 0.5, (teams, cycles)) for d in range(1, dimensions + 1)}
    values = {m: rng.normal(0, 1, (teams, cycles + max(LAGS))) for m in range(1, metrics + 1)}
    values[1][:, :cycles] += draw(st.sampled_from([0.0, 2.0])) * scores[1]
    for grid in [*scores.values(), *values.values()]:
        grid[rng.random(grid.shape) < missing] = np.nan
    return Plan(
        pairs=[(d, m, lag) for d in scores for m in values for lag in LAGS],
        team_ids=np.arange(100, 100 + teams),
        departments=np.array([t % draw(st.integers(1, 3)) for t in range(teams)], dtype=object),
        scores=scores,
        metrics=values,
        permutations=199,
        stop_after=correlation.STOP_AFTER,
        seed=draw(st.integers(0, 1000)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_sharing_out_of_a_random_organisation_gives_the_single_process_results(data):
    plan = data.draw(st.composite(lambda draw: organisation(draw))())
    positions = list(range(1, len(plan.pairs) + 1))
    single = family_adjusted(plan, pairs_test(plan, positions))
    # any grouping of the pairs into shares, run in any order, each through a pickle as through the cache
    shares = data.draw(st.lists(st.integers(0, 3), min_size=len(positions), max_size=len(positions)))
    groups = [[p for p, s in zip(positions, shares, strict=True) if s == k] for k in range(4)]
    order = data.draw(st.permutations([g for g in groups if g]))
    # pickled as the cache keeps them (our own objects)
    tested = [t for group in order for t in pickle.loads(pickle.dumps(pairs_test(plan, group)))]  # noqa: S301
    split = family_adjusted(plan, tested)
    assert [(t.position, t.result, t.p, q) for t, q in split[0]] == [
        (t.position, t.result, t.p, q) for t, q in single[0]
    ]
    assert all(np.array_equal(a.teams, b.teams) for (a, _), (b, _) in zip(split[0], single[0], strict=True))
    assert split[1] == single[1]
