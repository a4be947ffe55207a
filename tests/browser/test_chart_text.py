"""Names in charts, in Chromium: plotly draws a name such as `<a href=…>click</a>` as text, never as a link."""

import pytest

from feedback.models import MetricDefinition, MetricValue
from feedback.services import scores_aggregate
from surveys import services
from surveys.models import Cycle, Person, TemplateQuestion
from tests.browser.test_reports import log_in, open_drawn
from tests.factories import TeamFactory, manager_of, pulse_template
from tests.feedback.conftest import run_cycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = '<a href="https://evil.example/">click</a>'


@pytest.fixture
def hostile_org():
    """Engineering with one team of six; its team, a dimension, a question, a metric and a cycle named LINK."""
    engineering = TeamFactory(name="Engineering")
    team = TeamFactory(name=LINK, parent=engineering)
    dimension = services.dimension_create(name=LINK)
    question = services.question_create(dimension=dimension, text=LINK)
    TemplateQuestion.objects.create(template=pulse_template(), question=question, position=99)
    cycles = [run_cycle([(team, [{}] * 6)], audience=[engineering]) for _ in range(2)]
    Cycle.objects.filter(id=cycles[0].id).update(name=LINK)
    for cycle in cycles:
        scores_aggregate(cycle_id=cycle.id)
    metric = MetricDefinition.objects.create(key="hostile", name=LINK, unit="x")
    start = cycles[0].opens_at.date()
    MetricValue.objects.create(metric=metric, team=team, period_start=start, period_end=start, value=2)
    manager_of(engineering, email="ada@example.com", role=Person.Role.ADMIN)
    return {"Engineering": engineering, "team": team}


@pytest.fixture
def desk(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def chart_texts(page) -> list[str]:
    return page.locator(".chart svg text").all_text_contents()


def test_names_in_the_dashboards_charts_are_drawn_as_text(desk, live_server, hostile_org):
    log_in(desk, live_server, "ada@example.com")
    open_drawn(desk, f"{live_server.url}/reports/dashboard/?root={hostile_org['Engineering'].id}", "chart-text-dash")
    assert desk.locator(".chart .main-svg").count() >= 3  # plotly drew the charts
    assert desk.locator(".chart svg a").count() == 0
    texts = chart_texts(desk)
    assert texts.count(LINK) >= 3  # the cycle on the participation and trend axes, the dimension in the legend
    assert not any("evil.example" not in text and "click" in text for text in texts)  # no link's text alone


def test_names_in_the_team_reports_charts_and_hover_labels_are_drawn_as_text(desk, live_server, hostile_org):
    log_in(desk, live_server, "ada@example.com")
    open_drawn(desk, f"{live_server.url}/reports/teams/{hostile_org['team'].id}/", "chart-text-team")
    assert desk.locator(".chart svg a").count() == 0
    texts = chart_texts(desk)
    assert LINK in texts  # the dimension in the trend's legend, the question beside its bar
    assert any(text.startswith(LINK) for text in texts)  # the metric's axis title, "… (x)"
    # when the pointer rests on each point of the trend in turn
    trend = desk.locator("[data-figure='figure-trend']")
    labels = []
    for point in trend.locator(".scatterlayer .point").all():
        point.hover(force=True)
        labels += trend.locator(".hoverlayer text").all_text_contents()
        assert desk.locator(".chart svg a").count() == 0
    # then each label shows the names as typed: the cycle's before its score, the dimension's beside it
    assert any(label.startswith(f"{LINK}: ") for label in labels)
    assert LINK in labels
