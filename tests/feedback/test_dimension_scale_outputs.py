"""Every output reads a dimension's scale from its questions (surveys.selectors.dimension_scales), never from what
one cycle asked, and a dimension mixing kinds or scales is not scored.

Attack H5: two hand-made cycles of one team, "Focus seven" (3 items, 7 points) and then one asking Meaning only;
the summary read "Focus seven 6.11 of 5" with its sparkline pinned at the top. Attack H2: Psychological safety
holding an eNPS item averaged 1–5 and 0–10 answers (3.257) and showed an eNPS of −55.6.
"""

from datetime import date

import pytest
from django.core import checks
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback import charts, tables
from feedback.models import GroupScore, ItemScore
from feedback.selectors import team_report
from feedback.selectors.dashboard import HeatCell, Trend, TrendPoint, dashboard
from feedback.selectors.summary import dashboard_summary
from feedback.services import digest_send, scores_aggregate
from feedback.templatetags.sparklines import HEIGHT, sparkline_segments
from surveys import services
from surveys.checks import mixed_dimensions
from surveys.models import Cycle, Dimension, Person, Question, SurveyTemplate
from surveys.scales import Scale
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of
from tests.feedback.conftest import answer_all

pytestmark = pytest.mark.django_db
PEOPLE = 12


def closed_cycle(template, team, answers) -> Cycle:
    cycle = CycleFactory(template=template, teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    answer_all(cycle, team, answers)
    services.cycle_close(cycle_id=cycle.id)
    scores_aggregate(cycle_id=cycle.id)
    return Cycle.objects.get(id=cycle.id)


@pytest.fixture
def focus_seven():
    """Acme (12 people): "Focus seven" asked on 7 points, then a cycle asking Meaning only."""
    team = TeamFactory(name="Acme")
    PersonFactory.create_batch(PEOPLE, team=team)
    focus = services.dimension_create(name="Focus seven")
    items = [services.question_create(dimension=focus, text=f"Focus {n}", scale_points=7) for n in range(3)]
    seven = services.template_save(name="Seven", question_ids=[q.id for q in items])
    meaning = services.template_save(
        name="Meaning only",
        question_ids=list(Question.objects.filter(dimension__key="meaning").values_list("id", flat=True)),
    )
    answers = [{q.key: 5 + (person + n) % 3 for n, q in enumerate(items)} for person in range(PEOPLE)]
    first = closed_cycle(seven, team, answers)
    second = closed_cycle(meaning, team, [{} for _ in range(PEOPLE)])
    mean = sum(sum(a.values()) / 3 for a in answers) / PEOPLE
    admin, _ = manager_of(team, email="ada@example.com", role=Person.Role.ADMIN)
    return {"team": team, "focus": focus, "first": first, "second": second, "mean": mean, "admin": admin}


def test_a_7_point_dimension_the_heatmap_cycle_did_not_ask_keeps_its_7_points_everywhere(focus_seven, client):
    # given
    team, focus = focus_seven["team"], focus_seven["focus"]
    assert focus_seven["mean"] > 5  # a figure "of 5" could not hold it
    # when
    data = dashboard(root=team)
    # then: the heatmap cycle is the Meaning one, and Focus seven's cell there is not asked, on 7 points
    assert data.heat_cycle == focus_seven["second"]
    cell = next(c for c in data.heatmap[0].cells if c.dimension == focus)
    assert not cell.asked and cell.points == 7 and data.scales[focus.id] == Scale("likert", 7)
    # the summary line, its sparkline and the page say "of 7", never "of 5"
    summary = dashboard_summary(data=data, drivers=None)
    line = next(line for line in summary.dimensions if line.cell.dimension == focus)
    assert line.scale == "7" and line.earlier.value == pytest.approx(focus_seven["mean"])
    (run,) = sparkline_segments(line.spark, line.scale)
    assert 0 < run["dots"][0][1] < HEIGHT  # inside the box, not pinned to its top
    client.force_login(focus_seven["admin"])
    page = client.get(reverse("feedback:dashboard") + f"?root={team.id}").content.decode()
    tile = page.split('class="score-name">Focus seven')[1].split("</li>")[0]
    assert "of 7" in tile and "of 5" not in tile
    # the charts are drawn on 1–7, and the heatmap CSV names the scale
    assert charts.trend_figure(data.trends, enps=False, scales=data.scales)["layout"]["yaxis"]["range"] == [1, 7]
    timeline = charts.timeline_figure(data.trends, [], scales=data.scales)
    assert timeline["layout"]["yaxis"]["range"] == [1, 7]
    header = tables.heatmap_table(data.heatmap, data.dimensions, data.heat_cycle, scales=data.scales).header
    assert "Focus seven (scale points, 1–7)" in header and "Meaning (scale points, 1–5)" in header


def test_the_team_report_writes_each_scores_own_scale_and_draws_its_trend_on_it(focus_seven, client):
    # given
    team, first = focus_seven["team"], focus_seven["first"]
    client.force_login(focus_seven["admin"])
    # when
    response = client.get(reverse("feedback:team_report", args=[team.id]) + f"?cycle={first.id}")
    # then
    page = response.content.decode()
    row = page.split('<th scope="row" class="breakable">Focus seven</th>')[1].split("</tr>")[0]
    assert f"{focus_seven['mean']:.2f}" in row and "(1–7)" in row
    assert "1–5 for agreement;" not in page  # the fixed text that said every agreement score was 1–5
    trend = response.context["trend_figure"]
    assert trend["layout"]["yaxis"]["range"] == [1, 7] and "1–5 and 1–7" in trend["layout"]["yaxis"]["title"]["text"]


def test_the_digest_writes_a_7_point_score_with_its_scale(focus_seven, mailoutbox):
    assert digest_send(user=focus_seven["admin"], week_start=date.today())
    body = mailoutbox[0].body
    line = next(line for line in body.splitlines() if line.startswith("- Focus seven:"))
    assert "not asked this cycle" in line and f"{focus_seven['mean']:.2f} (1–7)" in line
    meaning = next(line for line in body.splitlines() if line.startswith("- Meaning:"))
    assert "(1–5)" in meaning


@pytest.fixture
def mixed_safety():
    """A bank from before the rule: Psychological safety holding an eNPS item (written past Question.clean)."""
    safety = Dimension.objects.get(key="psychological-safety")
    odd = Question.objects.create(key="psafety-enps", dimension=safety, kind="enps", text="Recommend?", scale_points=11)
    return safety, odd


def test_a_dimension_mixing_enps_and_agreement_items_is_not_scored_and_the_check_names_it(mixed_safety):
    # given
    safety, odd = mixed_safety
    team = TeamFactory(name="Acme")
    PersonFactory.create_batch(PEOPLE, team=team)
    likert = Question.objects.filter(dimension=safety, kind="likert").order_by("key")[:2]
    template = SurveyTemplate.objects.create(slug="legacy", name="Legacy")  # saved before the rule, as it was
    for position, question in enumerate([*likert, odd], 1):
        template.items.create(question=question, position=position)
    answers = [{**{q.key: 1 + person % 5 for q in likert}, odd.key: person % 11} for person in range(PEOPLE)]
    # when
    cycle = closed_cycle(template, team, answers)
    # then: no figure of the dimension on any scale, its items' own figures kept, and the check says why
    assert not GroupScore.objects.filter(cycle=cycle, dimension=safety).exists()
    assert ItemScore.objects.filter(cycle=cycle, question=odd).exists()
    assert safety not in dashboard(root=team).dimensions
    (report,) = team_report(team=team)
    assert safety not in [cell.dimension for cell in report.cells]  # not listed as if too few had answered
    warnings = mixed_dimensions(databases=["default"])
    assert [(w.id, w.obj) for w in warnings] == [("surveys.W001", safety)]
    assert isinstance(warnings[0], checks.Warning) and "not scored" in warnings[0].msg


def test_the_check_is_silent_on_a_bank_that_keeps_the_rule():
    assert mixed_dimensions(databases=["default"]) == []


scales = st.one_of(st.sampled_from([Scale("likert", 5), Scale("likert", 7)]), st.just(Scale("enps", 11)))


@settings(max_examples=300, deadline=None)
@given(scale=scales, data=st.data())
def test_any_figure_on_its_scale_is_drawn_and_coloured_inside_that_scale(scale, data):
    # given a figure anywhere on its dimension's scale
    values = data.draw(st.lists(st.floats(scale.low, scale.high), min_size=1, max_size=8))
    dimension = Dimension(id=1, name="D")
    # then: the heatmap colour step is 1–5, the sparkline inside its box, the chart's axis covers it
    for value in values:
        cell = HeatCell(dimension=dimension, shown=True, n=5, value=value, enps=scale.enps, points=scale.points)
        assert 1 <= cell.level <= 5
    for run in sparkline_segments(values, scale.spark):
        assert all(0 <= y <= HEIGHT for _, y in run["dots"])
    if not scale.enps:
        trend = Trend(dimension=dimension, points=[TrendPoint(cycle=None, shown=False)], scale=scale)
        low, high = charts.score_axis([trend], {1: scale})["range"]
        assert low <= min(values) and max(values) <= high == scale.points
