"""Periods of different kinds are never added together: a week and a cycle window that start the same day are
two periods (the organisation's deployment frequency was once doubled in the first week of every cycle)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.models import MetricDefinition, MetricValue
from feedback.periods import dominant_kind, period_kind
from feedback.selectors.metrics import metric_timeline
from feedback.tables import metrics_table
from tests.factories import TeamFactory

MONDAY = date(2026, 9, 7)


def test_period_kinds_are_named_by_their_length():
    assert period_kind(MONDAY, MONDAY + timedelta(days=6)) == "week"
    assert period_kind(date(2026, 2, 1), date(2026, 2, 28)) == "month"
    assert period_kind(date(2026, 1, 1), date(2026, 3, 31)) == "quarter"
    assert period_kind(MONDAY, MONDAY + timedelta(days=4)) == "5 days"
    assert dominant_kind([(MONDAY, MONDAY + timedelta(days=6)), (MONDAY, MONDAY + timedelta(days=4))]) == "5 days"
    assert dominant_kind([]) is None


@pytest.mark.django_db
def test_a_cycle_window_starting_with_a_week_does_not_double_that_weeks_deployments():
    # given: two teams' weekly deployments for four weeks, and DORA's cycle-window row over the first week
    deployments = MetricDefinition.objects.get(key="deployment-frequency")
    teams = [TeamFactory(), TeamFactory()]
    for team in teams:
        for week in range(4):
            start = MONDAY + timedelta(weeks=week)
            MetricValue.objects.create(
                metric=deployments, team=team, period_start=start, period_end=start + timedelta(days=6), value=100
            )
        MetricValue.objects.create(
            metric=deployments, team=team, period_start=MONDAY, period_end=MONDAY + timedelta(days=4), value=80
        )
    # when
    (series,) = [s for s in metric_timeline(team_ids=[t.id for t in teams], since=MONDAY) if s.metric == deployments]
    # then: 200 a week, the first week too, and the table says which period each value covers
    assert series.period == "week"
    assert [p.value for p in series.points] == [200, 200, 200, 200]
    rows = metrics_table([series]).rows
    assert rows[0][:5] == [deployments.name, "week", "2026-09-07", "2026-09-13", 200]


@st.composite
def metric_rows(draw):
    """Rows of one metric for up to three teams: weeks, months and odd windows, possibly starting together."""
    rows = {}
    for _ in range(draw(st.integers(1, 25))):
        team = draw(st.integers(0, 2))
        start = MONDAY + timedelta(days=draw(st.integers(0, 60)))
        days = draw(st.sampled_from([7, 7, 7, 30, 5, 12]))
        rows[(team, start, start + timedelta(days=days - 1))] = draw(st.integers(0, 1000))
    return rows


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(rows=metric_rows())
def test_the_timeline_reproduces_an_independent_sum_over_the_dominant_kind_of_period(rows):
    MetricValue.objects.all().delete()
    metric = MetricDefinition.objects.get(key="deployment-frequency")
    teams = [TeamFactory() for _ in range(3)]
    MetricValue.objects.bulk_create(
        MetricValue(metric=metric, team=teams[t], period_start=s, period_end=e, value=v)
        for (t, s, e), v in rows.items()
    )
    # independently: count the distinct periods per length, take the most common (ties: shorter), sum teams
    lengths = {}
    for _, start, end in rows:
        lengths.setdefault((end - start).days + 1, set()).add((start, end))
    length = max(lengths, key=lambda days: (len(lengths[days]), -days))
    expected = {}
    for (_, start, end), value in rows.items():
        if (end - start).days + 1 == length:
            expected[(start, end)] = expected.get((start, end), 0) + value
    (series,) = metric_timeline(team_ids=[t.id for t in teams], since=MONDAY)
    assert {(p.start, p.end): p.value for p in series.points} == expected
