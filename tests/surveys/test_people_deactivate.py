"""people_deactivate: the people import's deactivation, as a service of its own (used by SCIM)."""

import pytest
from django.core.exceptions import ValidationError

from surveys.models import Person
from surveys.services import people_deactivate
from tests.factories import PersonFactory, TeamFactory, UserFactory, manager_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops():
    return TeamFactory(name="Ops")


def test_it_deactivates_and_keeps_team_role_and_managed_teams(ops):
    _, alice = manager_of(ops, email="alice@example.com")
    # when
    deactivated = people_deactivate(person_ids=[alice.pk])
    # then
    assert deactivated == [alice]
    alice.refresh_from_db()
    assert (alice.is_active, alice.team, alice.role) == (False, ops, Person.Role.MANAGER)
    assert list(alice.managed_teams.all()) == [ops]


def test_it_leaves_out_the_already_inactive(ops):
    bob = PersonFactory(team=ops, is_active=False)
    assert people_deactivate(person_ids=[bob.pk]) == []


def test_it_refuses_to_deactivate_the_last_admin_with_a_login(ops):
    _, ada = manager_of(ops, email="ada@example.com", role=Person.Role.ADMIN)
    with pytest.raises(ValidationError, match="nobody able to open Manage"):
        people_deactivate(person_ids=[ada.pk])
    ada.refresh_from_db()
    assert ada.is_active is True


def test_another_admin_or_a_superuser_lets_the_last_admin_by_role_go(ops):
    _, ada = manager_of(ops, email="ada@example.com", role=Person.Role.ADMIN)
    UserFactory(username="root@example.com", is_superuser=True)
    assert people_deactivate(person_ids=[ada.pk]) == [ada]
