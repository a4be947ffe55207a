"""Drivers and focus areas from aggregation to the pages: stored drivers reproduce scipy and pingouin from the raw
answers, nothing is computed or shown for a group below its minimum, and the sections show n and intervals."""

import html
import re
import uuid

import numpy as np
import pandas as pd
import pingouin
import pytest
from django.urls import reverse
from scipy import stats

from feedback.models import DriverEstimate, GroupScore
from feedback.selectors.drivers import group_drivers
from feedback.services import scores_aggregate
from surveys import selectors, services
from surveys.models import Answer, Cycle, Person, Question, Response, SurveyTemplate, TemplateQuestion
from tests.downloads import csv_rows
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of

pytestmark = pytest.mark.django_db
QUESTIONS = ["dependability-1", "dependability-2", "clarity-1", "clarity-2", "trust-1", "trust-2", "enps"]
# How strongly each dimension follows the one trait that also moves eNPS.
LOADING = {"dependability": 0.9, "structure-clarity": 0.5, "trust-leadership": 0.0}


def drivers_template() -> SurveyTemplate:
    template = SurveyTemplate.objects.create(slug="drivers-test", name="Drivers test")
    for position, key in enumerate(QUESTIONS):
        question = Question.objects.filter(key=key).order_by("-version").first()
        TemplateQuestion.objects.create(template=template, question=question, position=position)
    return template


def closed_cycle(sizes: dict, *, threshold: int = 5, seed: int = 1, shift: float = 0.0) -> Cycle:
    """Open a cycle over `sizes` ({team: respondents}), write every response's answers, close it, aggregate it.

    Answers follow one trait per person (dimensions by LOADING, eNPS strongly), shifted by `shift`; written to
    the tables directly, as closing leaves them, since the answering path is tested elsewhere and 40 submits
    would cost seconds here.
    """
    template = SurveyTemplate.objects.filter(slug="drivers-test").first() or drivers_template()
    root = next(iter(sizes)).parent or next(iter(sizes))
    cycle = CycleFactory(template=template, teams=[root], threshold=threshold)
    for team, n in sizes.items():
        if team.members.count() < n:
            PersonFactory.create_batch(n - team.members.count(), team=team)
    services.cycle_open(cycle_id=cycle.id)
    rng = np.random.default_rng(seed)
    questions = [q for q in selectors.cycle_questions(cycle=cycle) if q.kind != Question.Kind.COMMENT]
    responses, answers = [], []
    for team, n in sizes.items():
        for _ in range(n):
            trait = rng.normal() + shift
            response = Response(id=uuid.uuid4(), cycle=cycle, team=team)
            responses.append(response)
            for q in questions:
                if q.kind == Question.Kind.ENPS:
                    value = int(np.clip(np.rint(7 + 2 * trait + rng.normal(scale=1.2)), 0, 10))
                else:
                    felt = 3 + LOADING[q.dimension.key] * trait + rng.normal(scale=0.8)
                    value = int(np.clip(np.rint(felt), 1, 5))
                    value = 6 - value if q.reverse_scored else value
                answers.append(Answer(response=response, question=q, value=value))
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create(answers)
    Cycle.objects.filter(id=cycle.id).update(state=Cycle.State.CLOSED)
    scores_aggregate(cycle_id=cycle.id)
    return Cycle.objects.get(id=cycle.id)


def response_scores(cycle: Cycle) -> pd.DataFrame:
    """Each response's dimension scores, computed here from the raw answers: the oracle's input."""
    rows: dict = {}
    for response_id, dimension, value, reversed_item, points in Answer.objects.filter(
        response__cycle=cycle
    ).values_list(
        "response_id", "question__dimension__key", "value", "question__reverse_scored", "question__scale_points"
    ):
        rows.setdefault(response_id, {}).setdefault(dimension, []).append(
            points + 1 - value if reversed_item else value
        )
    return pd.DataFrame([{d: np.mean(v) for d, v in row.items()} for row in rows.values()])


@pytest.fixture
def org():
    root = TeamFactory(name="Acme")
    platform, payments = TeamFactory(name="Platform", parent=root), TeamFactory(name="Payments", parent=root)
    return {"root": root, "Platform": platform, "Payments": payments}


def test_stored_drivers_reproduce_spearman_and_relative_importance_from_the_raw_answers(org):
    # given: 20 + 20 respondents: the organisation reaches 30, neither team does
    cycle = closed_cycle({org["Platform"]: 20, org["Payments"]: 20})
    # when
    stored = DriverEstimate.objects.filter(cycle=cycle, outcome__key="enps").select_related("dimension")
    # then: only the organisation has drivers, over all 40 responses
    assert {row.team_id for row in DriverEstimate.objects.filter(cycle=cycle)} == {org["root"].id}
    table = response_scores(cycle)
    ranks = table.rank()
    drivers = ["dependability", "structure-clarity", "trust-leadership"]
    relimp = pingouin.linear_regression(ranks[drivers], ranks["enps"], relimp=True).set_index("names")
    uncorrected = [stats.spearmanr(table[d], table["enps"]).pvalue for d in drivers]
    holm = dict(zip(drivers, pingouin.multicomp(uncorrected, method="holm")[1], strict=True))
    assert len(stored) == 3
    for row in stored:
        oracle = stats.spearmanr(table[row.dimension.key], table["enps"])
        assert row.respondents == 40
        assert (row.rho, row.p, row.p_holm) == pytest.approx(
            (oracle.statistic, oracle.pvalue, holm[row.dimension.key]), abs=1e-9
        )
        assert row.importance == pytest.approx(relimp.loc[row.dimension.key, "relimp_perc"] / 100, abs=1e-9)
        assert row.rho_ci_low < row.rho < row.rho_ci_high
    # every dimension is stored as an outcome too: 4 dimensions × 3 others
    assert DriverEstimate.objects.filter(cycle=cycle).count() == 12


def test_aggregating_again_stores_the_same_drivers_and_intervals(org):
    cycle = closed_cycle({org["Platform"]: 16, org["Payments"]: 16})
    fields = ["team_id", "outcome_id", "dimension_id", "rho", "rho_ci_low", "rho_ci_high", "importance_ci_low"]
    first = sorted(DriverEstimate.objects.filter(cycle=cycle).values_list(*fields))
    scores_aggregate(cycle_id=cycle.id)
    assert sorted(DriverEstimate.objects.filter(cycle=cycle).values_list(*fields)) == first


@pytest.mark.parametrize(
    ("sizes", "threshold", "expected"),
    [
        ((15, 14), 5, False),  # 29 responses: below 30
        ((15, 15), 5, True),  # exactly 30
        ((18, 17), 35, True),  # the threshold is the minimum when above 30, and 35 reach it
        ((18, 17), 36, False),  # organisation hidden: below its threshold, so nothing computed
    ],
)
def test_no_driver_is_computed_or_shown_for_a_group_below_its_minimum(org, sizes, threshold, expected):
    cycle = closed_cycle({org["Platform"]: sizes[0], org["Payments"]: sizes[1]}, threshold=threshold)
    assert DriverEstimate.objects.filter(cycle=cycle).exists() is expected
    assert (group_drivers(team=org["root"], cycle=cycle) is not None) is expected
    assert group_drivers(team=org["Platform"], cycle=cycle) is None


def test_drivers_are_not_shown_when_a_score_they_stand_on_is_hidden(org):
    # given: drivers stored for the organisation, then its eNPS figure hidden (as disclosure control may)
    cycle = closed_cycle({org["Platform"]: 16, org["Payments"]: 16})
    assert group_drivers(team=org["root"], cycle=cycle).outcome.key == "enps"
    GroupScore.objects.filter(cycle=cycle, team=org["root"], dimension__key="enps").update(shown=False)
    # when
    found = group_drivers(team=org["root"], cycle=cycle)
    # then: eNPS is neither outcome nor driver; the other dimensions remain among themselves
    assert found.outcome.key != "enps"
    assert "enps" not in {d.key for d in found.outcomes} | {v.dimension.key for v in found.drivers}


def test_focus_areas_name_the_closest_drivers_by_score_and_a_fall_to_watch(org):
    # given: a cycle where dependability goes closely with eNPS; then its figure marked as a clear fall
    cycle = closed_cycle({org["Platform"]: 30, org["Payments"]: 30}, seed=3)
    previous = CycleFactory(name="Pulse before")
    fall = {"change": -0.6, "change_ci_low": -0.9, "change_ci_high": -0.3, "change_p": 0.001}
    GroupScore.objects.filter(cycle=cycle, team=org["root"], dimension__key="trust-leadership").update(
        previous_cycle=previous, change_flagged=True, change_shown=True, **fall
    )
    # when
    found = group_drivers(team=org["root"], cycle=cycle)
    # then
    closest = [a.driver.dimension.key for a in found.strengths + found.focus]
    assert closest[:1] == ["dependability"] and "trust-leadership" not in closest
    (watch,) = found.watch
    assert watch.driver.dimension.key == "trust-leadership"
    assert "Down 0.60 points since Pulse before (95% interval -0.90 to -0.30)" in watch.reason
    assert "n = 60" in watch.reason
    for area in found.strengths + found.focus:
        assert "went with higher eNPS" in area.reason and "95% interval" in area.reason and "n = 60" in area.reason


def test_the_dashboard_and_team_report_show_drivers_with_n_intervals_and_association_wording(client, org):
    # given
    cycle = closed_cycle({org["Platform"]: 16, org["Payments"]: 16})
    admin, _ = manager_of(org["root"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    group = group_drivers(team=org["root"], cycle=cycle)
    top = group.drivers[0]
    # when
    board = client.get(reverse("feedback:dashboard"), {"root": org["root"].id}).content.decode()
    report = client.get(reverse("feedback:team_report", args=[org["root"].id])).content.decode()
    small = client.get(reverse("feedback:team_report", args=[org["Platform"].id])).content.decode()
    chosen = client.get(reverse("feedback:dashboard"), {"root": org["root"].id, "outcome": "dependability"})
    # then
    for page in (board, report):
        assert "What goes with eNPS: drivers and focus areas" in page
        assert "n = 32 responses that answered every dimension" in page
        assert f"{top.interval[0]:.2f} to {top.interval[1]:.2f}" in page
        assert "associations, not causes" in page
        assert " causes " not in page.replace("not causes", "") and "drives" not in page
    assert "No drivers to show for this group" in small and "at least 30 responses" in small
    assert "What goes with Dependability" in chosen.content.decode()
    exported = client.get(reverse("feedback:team_report", args=[org["root"].id]), {"export": "drivers"})
    rows = csv_rows(exported)
    assert rows[0][:4] == ["Dimension", "Outcome", "Cycle", "Spearman ρ"]
    assert {row[0] for row in rows[1:]} == {v.dimension.name for v in group.drivers}
    assert all(row[10] == "32" for row in rows[1:])
    # the dashboard's CSV is the table of the outcome chosen on the page
    query = {"root": org["root"].id, "outcome": "dependability", "export": "drivers"}
    exported = client.get(reverse("feedback:dashboard"), query)
    rows = csv_rows(exported)
    assert exported.status_code == 200 and {row[1] for row in rows[1:]} == {"Dependability"}
    assert len(rows) > 1 and all(row[10] == "32" for row in rows[1:])


# ------------------------------------------------------------ the page and its CSV say the same (outside tester)


def drivers_csv(client, team) -> list[list[str]]:
    exported = client.get(reverse("feedback:team_report", args=[team.id]), {"export": "drivers"})
    assert exported.status_code == 200
    return csv_rows(exported)


def focus_sections(page: str) -> dict[str, set[str]]:
    """Return, per focus-area heading on the page, the dimensions listed under it."""
    block = page.split('<div class="focus-areas">', 1)[1].split("</div>", 1)[0]
    return {
        title: set(re.findall(r"<li><strong>(.*?)</strong>", body))
        for title, body in re.findall(r"<h4>(.*?)</h4>(.*?)(?=<h4>|$)", block, flags=re.S)
    }


def adjusted_p_cells(page: str) -> dict[str, str]:
    """Return, per dimension row of the drivers table, the adjusted p the page shows."""
    section = page.split('aria-labelledby="h-drivers"')[1].split("</section>")[0]
    found = re.findall(r'<th scope="row" class="breakable">(.*?)</th>.*?\(adjusted p (.*?)\)</span>', section, re.S)
    return {html.unescape(name): html.unescape(text) for name, text in found}


def logged_in_admin(client, org):
    """Log ada in as an admin; after the cycle, as a person invited and not answering would hide the root."""
    admin, _ = manager_of(org["root"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    return client


def test_a_dimension_in_two_focus_areas_carries_both_in_the_csv_as_on_the_page(client, org):
    # given: the closest driver (a strength or focus area) also fell clearly since the previous cycle
    cycle = closed_cycle({org["Platform"]: 30, org["Payments"]: 30}, seed=3)
    fall = {"change": -0.6, "change_ci_low": -0.9, "change_ci_high": -0.3, "change_p": 0.001}
    GroupScore.objects.filter(cycle=cycle, team=org["root"], dimension__key="dependability").update(
        previous_cycle=CycleFactory(name="Pulse before"), change_flagged=True, change_shown=True, **fall
    )
    admin_client = logged_in_admin(client, org)
    # when
    page = admin_client.get(reverse("feedback:team_report", args=[org["root"].id])).content.decode()
    rows = drivers_csv(client, org["root"])
    # then: the page lists Dependability twice, and its CSV row names both lists
    sections = focus_sections(page)
    listed = sorted(title for title, names in sections.items() if "Dependability" in names)
    assert len(listed) == 2 and "Watch" in listed
    singular = {"Strengths": "Strength", "Focus": "Focus", "Watch": "Watch"}
    column = rows[0].index("Focus area")
    for row in rows[1:]:
        on_page = [singular[title] for title in ("Strengths", "Focus", "Watch") if row[0] in sections[title]]
        assert row[column] == "; ".join(on_page), row
    (dependability,) = [row for row in rows[1:] if row[0] == "Dependability"]
    assert dependability[column] in ("Strength; Watch", "Focus; Watch")


def test_an_adjusted_p_too_small_for_four_decimals_is_never_zero_and_page_and_csv_agree(client, org):
    # given: adjusted p-values below, at and above what four decimals show (0.0: a ρ of ±1 underflows)
    cycle = closed_cycle({org["Platform"]: 16, org["Payments"]: 16})
    stored = {"dependability": 3e-9, "structure-clarity": 0.0, "trust-leadership": 0.012345}
    for key, p in stored.items():
        DriverEstimate.objects.filter(cycle=cycle, team=org["root"], outcome__key="enps", dimension__key=key).update(
            p_holm=p
        )
    admin_client = logged_in_admin(client, org)
    # when
    page = admin_client.get(reverse("feedback:team_report", args=[org["root"].id])).content.decode()
    rows = drivers_csv(client, org["root"])
    # then
    column = rows[0].index("Holm-adjusted p")
    in_csv = {row[0]: row[column] for row in rows[1:]}
    assert in_csv == {"Dependability": "<0.0001", "Structure & clarity": "<0.0001", "Trust in leadership": "0.0123"}
    shown = adjusted_p_cells(page)
    assert shown == {name: text.replace("<", "< ") for name, text in in_csv.items()}


@pytest.mark.parametrize("team", ["Platform", None])
def test_a_group_without_drivers_gets_the_pages_reason_in_its_csv(client, org, team):
    # given: 16 + 16 responses: Platform is below 30; a team never surveyed has no cycle at all
    closed_cycle({org["Platform"]: 16, org["Payments"]: 16})
    group = org["Platform"] if team else TeamFactory(name="Newcomers", parent=org["root"])
    admin_client = logged_in_admin(client, org)
    # when
    page = admin_client.get(reverse("feedback:team_report", args=[group.id])).content.decode()
    rows = drivers_csv(admin_client, group)
    # then: one row, its first cell the sentence the page shows, the rest empty
    assert rows[0][:4] == ["Dimension", "Outcome", "Cycle", "Spearman ρ"]
    ((reason, *rest),) = rows[1:]
    assert reason.startswith("No drivers to show for this group") and "at least 30 responses" in reason
    assert f"<p>{html.escape(reason)}</p>" in page
    assert len(rest) == len(rows[0]) - 1 and not any(rest)
