"""Faults the output oracle (test_oracle.py) found, each pinned by a small example."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from feedback.models import DoraDirty, Incident, MetricValue
from feedback.services.delivery import change_record, deployment_record, dora_recompute, incident_record
from feedback.tables import heatmap_table, items_table, movers_table
from surveys.models import Dimension
from surveys.selectors import dimension_scales
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)  # weeks run Monday to Sunday in TIME_ZONE (UTC in tests)


def weekly(team, key: str) -> dict:
    return {
        value.period_start: value.value
        for value in MetricValue.objects.filter(team=team, metric__key=key)
        if (value.period_end - value.period_start).days == 6
    }


def recompute_everything(team) -> None:
    DoraDirty.objects.bulk_create(
        [DoraDirty(team=team, week_start=(MONDAY + timedelta(weeks=w)).date()) for w in range(-1, 4)],
        ignore_conflicts=True,
    )
    dora_recompute(team_id=team.id)


def test_a_commit_listed_by_a_deployment_next_week_counts_in_that_week_whatever_arrives_first(settings):
    # given: a commit on Friday, an unlisting deployment on Saturday, the deployment listing it next Tuesday
    settings.ALIGN_DORA_DEBOUNCE_SECONDS = 0
    team = TeamFactory(name="Platform")
    friday, saturday, tuesday = MONDAY + timedelta(days=4), MONDAY + timedelta(days=5), MONDAY + timedelta(days=8)
    change_record(team=team, sha="a" * 40, authored_at=friday)
    change_record(team=team, sha="b" * 40, authored_at=friday - timedelta(hours=2))
    deployment_record(team=team, external_id="d1", finished_at=saturday, shas=["b" * 40])
    dora_recompute(team_id=team.id)
    # when: the listing deployment arrives later
    deployment_record(team=team, external_id="d2", finished_at=tuesday, shas=["a" * 40])
    dora_recompute(team_id=team.id)
    # then: the first week's lead time is b's alone (26 h), as a full recomputation gives, and a's is next week's
    lead = weekly(team, "lead-time")
    assert lead[MONDAY.date()] == pytest.approx(26)
    assert lead[(MONDAY + timedelta(weeks=1)).date()] == pytest.approx(96)
    recompute_everything(team)
    assert weekly(team, "lead-time") == lead


def test_an_incident_opened_after_the_week_still_fails_the_deployment_that_caused_it(settings):
    # given: a deployment late on Sunday and the incident it caused on Monday morning
    settings.ALIGN_DORA_DEBOUNCE_SECONDS = 0
    team = TeamFactory(name="Checkout")
    sunday = MONDAY + timedelta(days=6, hours=23)
    deployment_record(team=team, external_id="d1", finished_at=MONDAY + timedelta(days=1))
    deployment_record(team=team, external_id="d2", finished_at=sunday)
    # when
    incident_record(team=team, external_id="i1", opened_at=sunday + timedelta(hours=3), deployment_external_id="d2")
    dora_recompute(team_id=team.id)
    # then: one of the week's two deployments failed; the next week has no deployments to fail
    assert Incident.objects.get().deployment.external_id == "d2"
    assert weekly(team, "change-failure-rate")[MONDAY.date()] == pytest.approx(50)
    assert (MONDAY + timedelta(weeks=1)).date() not in weekly(team, "change-failure-rate")


def test_every_figure_column_of_the_heatmap_and_items_exports_states_its_unit():
    from feedback.selectors.dashboard import HeatCell, HeatRow

    safety, enps = Dimension.objects.get(key="psychological-safety"), Dimension.objects.get(key="enps")
    row = HeatRow(team_id=1, name="Acme", depth=0, cells=[
        HeatCell(dimension=safety, shown=True, n=9, value=3.5), HeatCell(dimension=enps, shown=True, n=9, value=20,
                                                                         enps=True)])  # fmt: skip
    header = heatmap_table([row], [safety, enps], None, scales=dimension_scales()).header
    assert header[2:] == [
        "Psychological safety (scale points, 1–5)", "Psychological safety n",
        "Psychological safety change (scale points)",
        "eNPS (eNPS points, −100 to 100)", "eNPS n", "eNPS change (eNPS points, −100 to 100)",
    ]  # fmt: skip
    assert "Mean (scale points, after reverse scoring)" in items_table([]).header


@pytest.mark.parametrize(("points", "value", "level"), [(5, 1.0, 1), (5, 3.0, 3), (5, 5.0, 5), (7, 4.0, 3), (7, 5.0, 4),
                                                        (7, 7.0, 5), (7, 1.0, 1)])  # fmt: skip
def test_a_heatmap_colour_is_where_the_value_lies_on_its_own_scale(points, value, level):
    from feedback.selectors.dashboard import HeatCell

    # given a score on a 5- or 7-point agreement scale (5.0 of 7 is above the middle, not the top)
    cell = HeatCell(dimension=None, shown=True, n=9, value=value, points=points)
    # then its colour step is its position on that scale
    assert cell.level == level


def test_a_mover_states_its_unit_in_the_page_and_the_csv():
    from feedback.selectors.dashboard import Mover

    # given an eNPS change of 15 eNPS points and a scale change of 0.6 points
    enps = Mover(
        team_id=1, name="A", dimension=Dimension(name="eNPS"), n=9, change=15.0, interval=(2.0, 28.0), enps=True
    )
    scale = Mover(team_id=2, name="B", dimension=Dimension(name="Safety"), n=9, change=0.6, interval=(0.1, 1.1))
    # then each says its unit, and the table lists them with it
    assert (enps.change_unit, enps.change_digits, scale.change_unit) == ("eNPS points", 0, "points")
    assert [row[5] for row in movers_table([scale, enps]).rows] == ["points", "eNPS points"]


def test_drivers_intervals_do_not_depend_on_the_order_the_database_returns_the_answers_in():
    from feedback.models import DriverEstimate
    from feedback.services import scores_aggregate
    from surveys.models import Answer
    from tests.feedback.test_drivers_reports import closed_cycle

    # given: a cycle whose organisation has drivers, aggregated once
    root = TeamFactory(name="Acme")
    cycle = closed_cycle({TeamFactory(name="Platform", parent=root): 20, TeamFactory(name="Payments", parent=root): 20})
    fields = ["outcome_id", "dimension_id", "rho_ci_low", "rho_ci_high", "importance_ci_low", "importance_ci_high"]
    first = sorted(DriverEstimate.objects.filter(cycle=cycle).values_list(*fields))
    assert first
    # when: the same answers are written again in reverse (as a restore, or rows moved by updates, leave them) and
    # the cycle is aggregated again
    answers = list(Answer.objects.filter(response__cycle=cycle).values_list("response_id", "question_id", "value"))
    Answer.objects.filter(response__cycle=cycle).delete()
    Answer.objects.bulk_create([Answer(response_id=r, question_id=q, value=v) for r, q, v in reversed(answers)])
    scores_aggregate(cycle_id=cycle.id)
    # then: the bootstrap resamples the same responses in the same order: the same intervals (README: "seeded by
    # cycle and team, so aggregating again gives the same interval")
    assert sorted(DriverEstimate.objects.filter(cycle=cycle).values_list(*fields)) == first


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_drivers_are_the_same_whatever_order_a_cycles_answers_arrive_in(data):
    from types import SimpleNamespace

    from feedback.models import GroupScore
    from feedback.services.drivers import drivers_estimate
    from feedback.services.scores import _Answers

    # given: 30 to 36 responses of one team to three one-item dimensions, each of which varies
    n = data.draw(st.integers(30, 36), label="responses")
    ids = data.draw(st.lists(st.uuids(), min_size=n, max_size=n, unique=True), label="response ids")
    values = data.draw(st.lists(st.tuples(*[st.integers(1, 5)] * 3), min_size=n, max_size=n), label="answers")
    assume(all(len({row[d] for row in values}) > 1 for d in range(3)))
    order = data.draw(st.permutations(range(n)), label="the order the database returns them in")
    cycle = SimpleNamespace(id=7, threshold=5)
    scores = [GroupScore(team_id=1, dimension_id=d, respondents=n, shown=True) for d in (1, 2, 3)]

    def estimates(sequence) -> list[tuple]:
        rows = [(ids[i], 1, q, value) for i in sequence for q, value in zip((1, 2, 3), values[i], strict=True)]
        answers = _Answers.from_rows(rows, {q: (q, "likert", 5, False) for q in (1, 2, 3)})
        rows = drivers_estimate(cycle=cycle, answers=answers, parents={1: None}, scores=scores)
        return sorted((r.outcome_id, r.dimension_id, r.rho_ci_low, r.rho_ci_high, r.importance_ci_low) for r in rows)

    # when / then: the same responses give the same intervals, in whatever order they come
    first = estimates(range(n))
    assert len(first) == 6 and first == estimates(order)


def test_the_summary_says_a_focus_area_lies_in_the_lower_half_of_the_groups_scores_not_below_every_other():
    from types import SimpleNamespace

    from feedback.selectors.summary import Summary, _sentences

    # given: as the oracle's organisation had it, Psychological safety is Checkout's focus area for Business clarity
    # at 0.547 of its scale: below the median of the dimensions read against it (0.547, 0.55, 0.57 and eNPS at
    # 0.25), not below every other one (eNPS scores lower)
    focus = SimpleNamespace(driver=SimpleNamespace(dimension=SimpleNamespace(name="Psychological safety")))
    drivers = SimpleNamespace(focus=[focus], outcome=SimpleNamespace(name="Business clarity"))
    summary = Summary(cycle=SimpleNamespace(name="Pulse 5"), participation=None, previous_participation=None,
                      dimensions=[], enps=None, movers=[], drivers=drivers, findings=0, metrics=[])  # fmt: skip
    # when
    said = _sentences(summary, SimpleNamespace(root=SimpleNamespace(id=1, name="Checkout")))
    # then: the sentence says what focus areas are (README: below the group's median on their own scales)
    assert [s for s in said if s.startswith("Suggested focus")] == [
        "Suggested focus: Psychological safety, associated with Business clarity in the same responses and scoring "
        "in the lower half of Checkout's dimensions, each on its own scale."
    ]
