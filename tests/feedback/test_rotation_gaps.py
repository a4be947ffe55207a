"""A rotating template leaves dimensions out of some cycles: reports show a gap there, never a zero or a
"suppressed", and the disclosure rule still holds for every figure that is shown."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback import charts, selectors, tables
from feedback.selectors.dashboard import dashboard
from feedback.services import scores_aggregate
from surveys import services
from surveys.models import Cycle, Person, Question, SurveyTemplate
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of
from tests.feedback.conftest import answer_all

pytestmark = pytest.mark.django_db


def varied(count: int) -> list[dict]:
    """Answers that differ between people (identical ones make every group unanimous)."""
    keys = [q.key for q in Question.objects.filter(kind=Question.Kind.LIKERT)]
    return [{**{key: 1 + (i + len(key)) % 5 for key in keys}, "enps": (3 * i) % 11} for i in range(count)]


@pytest.fixture
def rotated():
    """Three closed cycles of the Align pulse: Platform (seven answer) is shown; Mobile (two answer) is hidden,
    and so is Data (six answer), which would otherwise give Mobile away by subtraction."""
    root = TeamFactory(name="Acme")
    platform, mobile = TeamFactory(name="Platform", parent=root), TeamFactory(name="Mobile", parent=root)
    data = TeamFactory(name="Data", parent=root)
    for team, size in ((platform, 7), (mobile, 5), (data, 6)):
        PersonFactory.create_batch(size, team=team)
    template = SurveyTemplate.objects.get(slug="align-pulse")
    start = timezone.now() - timedelta(days=120)
    cycles = []
    for index in range(3):
        opens = start + timedelta(days=30 * index)
        cycle = CycleFactory(
            name=f"Pulse {index + 1}", template=template, teams=[root], opens_at=opens,
            closes_at=timezone.now() + timedelta(days=1),
        )  # fmt: skip
        services.cycle_open(cycle_id=cycle.id)
        for team, count in ((platform, 7), (mobile, 2), (data, 6)):
            answer_all(cycle, team, varied(count))
        Cycle.objects.filter(id=cycle.id).update(state=Cycle.State.CLOSED, closes_at=opens + timedelta(days=7))
        scores_aggregate(cycle_id=cycle.id)
        cycles.append(Cycle.objects.get(id=cycle.id))
    return {"root": root, "platform": platform, "mobile": mobile, "cycles": cycles}


def asked(cycle) -> set[str]:
    return set(cycle.questions_asked.values_list("question__dimension__key", flat=True))


def test_the_dashboard_trend_has_a_point_only_for_cycles_that_asked_the_dimension(rotated):
    data = dashboard(root=rotated["root"])
    for trend in data.trends:
        expected = [c.name for c in rotated["cycles"] if trend.dimension.key in asked(c)]
        assert [p.cycle.name for p in trend.points] == expected
        assert all(p.value != 0 for p in trend.points)  # a figure or hidden, never a zero
    rows = tables.trend_table(data.trends).rows
    pairs = sum(len(asked(c) - {"comment"}) for c in rotated["cycles"])
    assert len(rows) == pairs  # a row per dimension a cycle asked (shown or suppressed), none for a gap
    safety = next(t for t in data.trends if t.dimension.key == "psychological-safety")
    assert len(safety.points) == 1  # seven items: asked once in three cycles, a gap in the other two


def test_the_trend_chart_keeps_cycles_in_time_order_whichever_dimension_misses_one(rotated):
    data = dashboard(root=rotated["root"])
    figure = charts.trend_figure(data.trends, enps=False, scales=data.scales)
    assert figure["layout"]["xaxis"]["categoryarray"] == ["Pulse 1", "Pulse 2", "Pulse 3"]
    assert figure["layout"]["xaxis"]["categoryorder"] == "array"
    for trace in figure["data"]:
        assert None not in trace["y"] and 0 not in trace["y"]


def test_the_heatmap_says_not_asked_for_a_dimension_its_cycle_left_out_and_suppressed_for_a_hidden_group(rotated):
    last = rotated["cycles"][-1]
    data = dashboard(root=rotated["root"], heat_cycle=last.id)
    left_out = {d.key for d in data.dimensions} - asked(last)
    assert left_out  # the rotation left something out of the last cycle
    rows = {row.name: row for row in data.heatmap}
    for cell in rows["Platform"].cells:
        assert cell.asked == (cell.dimension.key in asked(last))
        assert cell.shown == cell.asked
    assert not any(cell.shown for cell in rows["Mobile"].cells)  # two respondents: hidden, asked or not
    table = tables.heatmap_table(data.heatmap, data.dimensions, last, scales=data.scales)
    mobile = next(row for row in table.rows if row[0] == "Mobile")
    assert tables.SUPPRESSED in mobile and tables.NOT_ASKED in mobile


def test_the_dashboard_page_shows_not_asked_rather_than_suppressed(client, rotated):
    user, _ = manager_of(rotated["root"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    page = client.get(reverse("feedback:dashboard")).content.decode()
    assert "not asked this cycle" in page and "suppressed" in page


def test_the_team_report_lists_only_what_each_cycle_asked_and_its_changes_skip_the_gap(rotated):
    reports = selectors.team_report(team=rotated["platform"])
    for report in reports:
        assert {cell.dimension.key for cell in report.cells} == asked(report.cycle) - {"comment"}
    trends = selectors.team_trends(reports)
    for trend in trends:
        assert [p.cycle.name for p in trend.points] == [
            c.name for c in rotated["cycles"] if trend.dimension.key in asked(c)
        ]
    # a change is against the latest earlier cycle that asked the dimension, never against a cycle that did not
    latest = reports[0]
    for cell in latest.cells:
        earlier = [c for c in rotated["cycles"][:-1] if cell.dimension.key in asked(c)]
        assert (cell.change is not None) == bool(earlier)
