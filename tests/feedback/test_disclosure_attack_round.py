"""Two ways past the disclosure audit an outside attacker found (issue 19, attack on the union search), closed:

1. A closed cycle whose aggregation had not finished showed participation by the tree rule alone; taken
   with the settled figures after, it said that a department head had not answered.
2. A dimension with an optional item among several: its mean is a mean of per-person means, which ties each
   person's answers together beyond the audit's linear model, and with the favourable share pinned how many
   answered a hidden item. Such a dimension now shows only for a group where each of its items' figures is
   shown, for it and every group under it.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from bench.disclosure import QUESTIONS, figures
from feedback.disclosure_audit import settle, subtree
from feedback.models import GroupScore, ItemScore
from feedback.selectors import cycle_participation
from feedback.services import scores_aggregate
from surveys import services
from surveys.models import Cycle, Dimension, Invitation, Person, Question, SurveyTemplate, TemplateQuestion
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of
from tests.feedback.conftest import run_cycle
from tests.feedback.test_disclosure_unions import organisations


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_a_dimension_with_an_optional_item_shows_only_where_each_of_its_items_does(organisation):
    # given a generated organisation: dimension D of a required q1 and an optional q2
    parent_of, outcomes_of, threshold = organisation
    invited = {team: len(outcomes) for team, outcomes in outcomes_of.items()}
    answered, items, dimensions = figures(parent_of, outcomes_of)
    assert not QUESTIONS["q2"].required and QUESTIONS["q1"].required
    # when settled
    publication = settle(
        threshold=threshold, parent_of=parent_of, invited=invited, questions=QUESTIONS,
        answered=answered, items=items, dimensions=dimensions,
    )  # fmt: skip
    # then every group whose D is shown, and every group under it, has each item's figure shown too (or nobody
    # there answered the item)
    for group, _ in publication.dimensions:
        for below in subtree(group, parent_of):
            for q in ("q1", "q2"):
                assert (below, q) in publication.items or (below, q) not in items, (group, below, q)


@pytest.mark.django_db
def test_the_attackers_team_no_longer_shows_the_mean_that_pinned_its_hidden_items_count(client):
    # given: a required c1 and an optional reverse-scored c2; five of seven answer, three of them c2
    clarity = Dimension.objects.create(key="clarity", name="Clarity")
    c1 = Question.objects.create(key="c1", dimension=clarity, kind="likert", text="I know what is expected")
    c2 = Question.objects.create(
        key="c2", dimension=clarity, kind="likert", text="Priorities change too often", required=False,
        reverse_scored=True,
    )  # fmt: skip
    template = SurveyTemplate.objects.create(slug="clarity", name="Clarity")
    for position, item in enumerate((c1, c2)):
        TemplateQuestion.objects.create(template=template, question=item, position=position)
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(7, team=team)
    cycle = CycleFactory(template=template, teams=[team], threshold=5)
    services.cycle_open(cycle_id=cycle.id)
    given_answers = [(2, 3), (5, None), (5, 3), (4, None), (5, 3)]
    for invitation, (a, b) in zip(Invitation.objects.filter(cycle=cycle).order_by("id"), given_answers, strict=False):
        token = services.invitation_link_issue(invitation_id=invitation.id)
        services.response_submit(token=token, answers={c1.id: a} | ({c2.id: b} if b else {}), comments={})
    Cycle.objects.filter(id=cycle.id).update(state=Cycle.State.CLOSED)
    # when
    scores_aggregate(cycle_id=cycle.id)
    # then: c2 is hidden (3 < 5), so Clarity's mean 3.90 and favourable 50% are too; c1 stays shown
    assert not ItemScore.objects.get(cycle=cycle, question=c2).shown
    assert ItemScore.objects.get(cycle=cycle, question=c1).shown
    score = GroupScore.objects.get(cycle=cycle, team=team, dimension=clarity)
    assert (score.mean, score.favourable, score.shown) == (pytest.approx(3.9), pytest.approx(0.5), False)
    user, _ = manager_of(team, email="maria@example.com")
    client.force_login(user)
    page = client.get(reverse("feedback:team_report", args=[team.id])).content.decode()
    assert "3.90" not in page and "50%" not in page and "Not enough responses" in page


@pytest.mark.django_db
def test_a_closed_cycle_shows_no_answered_count_until_its_aggregation_has_settled_them(client):
    # given: a department with a head and two teams, closed but not yet aggregated
    department = TeamFactory(name="Department")
    teams = [TeamFactory(name=name, parent=department) for name in ("Web", "Data")]
    cycle = run_cycle([(teams[0], [{}] * 6), (teams[1], [{}] * 5)], audience=[department])
    leader, _ = manager_of(department, email="lee@example.com", role=Person.Role.LEADER)
    client.force_login(leader)
    # when / then: no group's answered count, on the cycle page's rows or the dashboard's CSV
    assert [row.shown for row in cycle_participation(cycle=cycle)] == [False] * 3
    csv = client.get(reverse("feedback:dashboard"), {"export": "participation"}).content.decode()
    assert csv.splitlines()[1].split(",")[1:] == ["suppressed"] * 3
    # and once aggregated, the settled figures
    scores_aggregate(cycle_id=cycle.id)
    assert next((r.name, r.answered) for r in cycle_participation(cycle=cycle) if r.shown) == ("Department", 11)
