"""Organisations whose tree changes between cycles (issue 19): a team moves under another and a person moves
team, between two cycles aggregated by Align's own code. Each cycle's figures are settled on the tree as it
stood when that cycle opened; across cycles only changes combine two figures, and a change is shown only where
both of its figures are. So the audit of each cycle from its stored rows finds nothing, and no change stands
on a hidden figure."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.models import GroupScore
from feedback.services import scores_aggregate
from feedback.services.scores import cycle_disclosures
from surveys import services
from surveys.models import Cycle, Person, Team
from tests.factories import CycleFactory, PersonFactory, TeamFactory
from tests.feedback.conftest import answer_all

pytestmark = pytest.mark.django_db
ANSWER = st.fixed_dictionaries({f"psafety-{i}": st.integers(1, 5) for i in (1, 2)} | {"enps": st.integers(0, 10)})


@st.composite
def reorganisations(draw):
    """Four teams' sizes (0–8) and answers in two cycles, which team moves under which, and who moves team."""
    sizes = draw(st.lists(st.integers(0, 8), min_size=4, max_size=4))
    answered = [[draw(st.lists(ANSWER, max_size=size)) for size in sizes] for _ in range(2)]
    moved, under = draw(st.permutations(range(4)))[:2]
    person_from = draw(st.sampled_from([i for i, size in enumerate(sizes) if size] or [None]))
    return sizes, answered, moved, under, person_from, draw(st.integers(3, 5))


def run(root, teams, answered, threshold):
    cycle = CycleFactory(teams=[root], threshold=threshold)
    services.cycle_open(cycle_id=cycle.id)
    for team, answers in zip(teams, answered, strict=True):
        answer_all(cycle, team, answers)
    Cycle.objects.filter(id=cycle.id).update(state=Cycle.State.CLOSED)
    scores_aggregate(cycle_id=cycle.id)
    return cycle


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(reorganisations())
def test_a_tree_that_changes_between_cycles_discloses_nothing_in_either(organisation):
    # given a root with four teams of their sizes, the first cycle answered
    sizes, answered, moved, under, person_from, threshold = organisation
    root = TeamFactory()
    teams = [TeamFactory(parent=root) for _ in sizes]
    for team, size in zip(teams, sizes, strict=True):
        PersonFactory.create_batch(size, team=team)
    first = run(root, teams, answered[0], threshold)
    # when a team moves under another and a person moves team, and the second cycle is answered
    Team.objects.filter(id=teams[moved].id).update(parent=teams[under])
    if person_from is not None:
        mover = Person.objects.filter(team=teams[person_from]).order_by("id").first()
        Person.objects.filter(id=mover.id).update(team=teams[(person_from + 1) % 4])
    second = run(root, teams, answered[1], threshold)
    # then neither cycle's stored figures disclose anything, and every change shown stands on two shown figures
    assert cycle_disclosures(cycle_id=first.id) == []
    assert cycle_disclosures(cycle_id=second.id) == []
    shown = set(GroupScore.objects.filter(shown=True).values_list("cycle_id", "team_id", "dimension_id"))
    for score in GroupScore.objects.filter(cycle=second, change_shown=True):
        assert (second.id, score.team_id, score.dimension_id) in shown
        assert (score.previous_cycle_id, score.team_id, score.dimension_id) in shown
