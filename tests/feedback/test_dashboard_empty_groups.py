"""A group with nothing to report yet (a team just made, "Unassigned"): its dashboard says so, every chart
builds from empty or one-point data."""

import json
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback import charts
from feedback.models import Finding, MetricDefinition
from feedback.selectors.dashboard import FindingView, ParticipationPoint, ScatterPoint, Trend, TrendPoint
from feedback.selectors.metrics import MetricPoint, MetricSeries
from surveys.models import Cycle, Dimension, Person, Team
from surveys.scales import Scale
from tests.factories import manager_of, organisation_with_aggregates

URL = reverse("feedback:dashboard")
CYCLE = Cycle(name="Pulse", closes_at=datetime(2025, 3, 1, tzinfo=UTC))
MEANING = Dimension(name="Meaning")
ENPS = Dimension(name="eNPS")
METRIC = MetricDefinition(key="m", name="Lead time", unit="hours")

values = st.floats(min_value=-100, max_value=100, allow_nan=False)
trend_points = st.builds(
    TrendPoint, cycle=st.just(CYCLE), shown=st.booleans(), n=st.just(6), value=st.floats(1, 5), interval=st.none()
)
trends = st.lists(
    st.builds(Trend, dimension=st.sampled_from([MEANING, ENPS]), points=st.lists(trend_points, max_size=1)),
    max_size=2,
)
participation = st.lists(
    st.builds(ParticipationPoint, cycle=st.just(CYCLE), shown=st.booleans(), invited=st.just(8), answered=st.just(6)),
    max_size=1,
)
metric_points = st.lists(
    st.builds(MetricPoint, st.just(date(2025, 1, 6)), st.just(date(2025, 1, 12)), values, st.booleans()), max_size=1
)
series = st.lists(
    st.builds(MetricSeries, metric=st.just(METRIC), period=st.just("week"), points=metric_points), max_size=1
)
scatter = st.lists(
    st.builds(ScatterPoint, team=st.just("Platform"), cycle=st.just("Pulse"), score=values, metric=values), max_size=1
)


def assert_a_valid_figure(figure: dict) -> None:
    assert set(figure) == {"data", "layout"} and isinstance(figure["data"], list)
    assert figure["layout"]["title"]["text"]
    json.dumps(figure, allow_nan=False)  # what json_script hands plotly: no NaN or infinity
    for key, axis in figure["layout"].items():
        if key.startswith("yaxis") and "domain" in axis:
            low, high = axis["domain"]
            assert 0 <= low <= high <= 1


@settings(max_examples=400, deadline=None)
@given(trends=trends, participation=participation, series=series, scatter=scatter, enps=st.booleans())
def test_every_chart_builds_a_valid_figure_from_empty_or_one_point_data(trends, participation, series, scatter, enps):
    assert_a_valid_figure(charts.trend_figure(trends, enps=enps, scales={None: Scale("likert", 5)}))
    assert_a_valid_figure(charts.participation_figure(participation))
    assert_a_valid_figure(
        charts.finding_figure(FindingView(finding=Finding(dimension=MEANING, metric=METRIC, lag=0), points=scatter))
    )
    assert_a_valid_figure(charts.timeline_figure(trends, series, scales={None: Scale("likert", 5)}))


def test_the_timeline_of_no_scores_and_no_metrics_says_there_is_nothing_yet():
    figure = charts.timeline_figure([], [], scales={})
    assert figure["data"] == [] and figure["layout"]["title"]["text"] == "No survey scores or metrics yet"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Fresh Team", "Unassigned"])
def test_the_dashboard_of_a_group_with_no_scores_and_no_metrics_says_nothing_yet(client, name):
    # given: an organisation with closed cycles, and a group made after them (as SCIM makes one)
    acme = organisation_with_aggregates(departments=1, teams_per_department=2, cycles=2)
    fresh = Team.objects.create(name=name, parent=None if name == "Unassigned" else acme)
    user, _ = manager_of(acme, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    # when
    response = client.get(URL, {"root": fresh.id})
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Nothing yet for {name}: no closed survey cycle has asked its people." in page
    assert 'id="h-heatmap"' not in page and "Summary:" not in page
