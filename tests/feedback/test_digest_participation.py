"""The digest says when too few answered to read much into the figures (issue #22: emails)."""

import pytest

from feedback.services import scores_aggregate
from feedback.services.digest import digest_text
from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory, manager_of
from tests.feedback.conftest import run_cycle

pytestmark = pytest.mark.django_db
CARE = "Under half of those invited answered: the figures may not speak for those who did not."


@pytest.mark.parametrize(("invited", "answered", "said"), [(12, 5, True), (10, 5, False), (6, 6, False)])
def test_the_digest_says_when_under_half_answered(invited, answered, said):
    # given a team where `answered` of `invited` answered (a leader leads it and is invited too)
    team = TeamFactory(name="Platform")
    leader = manager_of(team, email="lee@example.com", role=Person.Role.LEADER)[0]
    PersonFactory.create_batch(invited - 1, team=team)
    cycle = run_cycle([(team, [{}] * answered)])
    scores_aggregate(cycle_id=cycle.id)
    # when
    text = digest_text(user=leader)
    # then
    assert f"Participation: {answered} of {invited} answered." in text
    assert (CARE in text) is said
