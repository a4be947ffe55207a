"""DORA's four keys on worked examples (times in hours from Monday 00:00 of a two-week period)."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback.dora import Change, Deployment, Incident, band, compute

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)


def at(hours: float) -> datetime:
    return MONDAY + timedelta(hours=hours)


def test_a_worked_fortnight():
    # given: four deployments in the two weeks, one the Friday before
    deployments = [
        Deployment("d0", at(-60), frozenset({"a0"})),  # before the period
        Deployment("d1", at(10), frozenset({"a1", "a2"})),
        Deployment("d2", at(34), frozenset({"a1", "a3"})),  # a1 again: only its first deployment counts
        Deployment("d3", at(100)),
        Deployment("d4", at(300), frozenset({"a4"})),
        Deployment("d5", at(400), frozenset({"a5"})),  # after the period (ends at 336 h)
    ]
    changes = [
        Change("a0", at(-70)),
        Change("a1", at(2)),  # lead 8 h (d1)
        Change("a2", at(-14)),  # lead 24 h (d1)
        Change("a3", at(30)),  # lead 4 h (d2)
        Change("a4", at(200)),  # lead 100 h (d4)
        Change("a5", at(390)),  # deployed after the period: not counted
    ]
    incidents = [
        Incident("i1", opened_at=at(12), resolved_at=at(15)),  # charged to d1 (latest before): 3 h
        Incident("i2", opened_at=at(50), resolved_at=at(60), sha="a3"),  # charged to d2 by sha: 10 h
        Incident("i3", opened_at=at(51), resolved_at=at(52), deployment_id="d1"),  # d1 again: 1 h
        Incident("i4", opened_at=at(310)),  # charged to d4, not resolved yet
        Incident("i5", opened_at=at(-50), resolved_at=at(5)),  # opened before the period: d0, not counted
    ]
    # when
    figures = compute(start=MONDAY, end=at(336), deployments=deployments, changes=changes, incidents=incidents)
    # then
    assert figures.deployments == 4
    assert figures.deployments_per_week == 2.0 and figures.band == "weekly"
    assert figures.changes_deployed == 4
    assert figures.lead_time_hours == pytest.approx((8 + 24) / 2)  # median of 4, 8, 24, 100
    assert figures.failed_deployments == 3  # d1, d2, d4
    assert figures.change_failure_rate == pytest.approx(75.0)
    assert figures.incidents_restored == 3
    assert figures.time_to_restore_hours == pytest.approx(3.0)  # median of 3, 10, 1


def test_a_quiet_period_has_no_rates_rather_than_zeros():
    figures = compute(start=MONDAY, end=at(168), deployments=[], changes=[], incidents=[])
    assert (figures.deployments, figures.deployments_per_week, figures.band) == (0, 0.0, "fewer than monthly")
    assert figures.lead_time_hours is None and figures.change_failure_rate is None
    assert figures.time_to_restore_hours is None


def test_an_incident_before_any_deployment_is_charged_to_none():
    deployments = [Deployment("d1", at(10))]
    figures = compute(
        start=MONDAY, end=at(168), deployments=deployments, changes=[], incidents=[Incident("i", opened_at=at(1))]
    )
    assert figures.failed_deployments == 0 and figures.change_failure_rate == 0.0


def test_a_commit_deployed_before_it_was_made_is_not_its_first_deployment():
    # Clock skew or a re-used sha: a deployment that finished before the commit cannot have shipped it.
    deployments = [Deployment("early", at(1), frozenset({"x"})), Deployment("late", at(20), frozenset({"x"}))]
    figures = compute(start=MONDAY, end=at(168), deployments=deployments, changes=[Change("x", at(5))], incidents=[])
    assert figures.lead_time_hours == pytest.approx(15.0)


def test_a_change_no_deployment_lists_goes_out_with_the_next_deployment():
    deployments = [Deployment("d1", at(10), frozenset({"head1"})), Deployment("d2", at(30), frozenset({"head2"}))]
    changes = [Change("head1", at(9)), Change("side", at(12)), Change("head2", at(29))]
    figures = compute(start=MONDAY, end=at(168), deployments=deployments, changes=changes, incidents=[])
    assert figures.changes_deployed == 3
    assert figures.lead_time_hours == pytest.approx(1.0)  # median of 1 (head1), 18 (side → d2), 1 (head2)


@pytest.mark.parametrize(
    ("per_week", "expected"),
    [(14, "daily"), (7, "daily"), (2, "weekly"), (0.5, "monthly"), (0.1, "fewer than monthly")],
)
def test_dora_bands(per_week, expected):
    assert band(per_week) == expected


def test_a_period_must_end_after_it_starts():
    with pytest.raises(ValueError):
        compute(start=MONDAY, end=MONDAY, deployments=[], changes=[], incidents=[])
