"""people_deactivate: the people import's deactivation, as a service of its own (used by SCIM)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.access import is_admin
from surveys.models import Person, Team
from surveys.services import people_deactivate, people_import, people_import_plan, person_save
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


def test_it_deactivates_their_login_and_reactivating_them_by_hand_gives_it_back(ops):
    manager_of(ops, email="ada@example.com", role=Person.Role.ADMIN)
    user, alice = manager_of(ops, email="alice@example.com")
    # when
    people_deactivate(person_ids=[alice.pk])
    # then
    user.refresh_from_db()
    assert user.is_active is False
    # and when she is made active again
    person_save(person_id=alice.pk, email=alice.email, name=alice.name, team=ops, role=alice.role, managed_teams=[ops])
    user.refresh_from_db()
    assert user.is_active is True


def test_the_only_superuser_counts_as_the_last_admin_whatever_their_role(ops):
    # given: root, a superuser whose person is a member, is the only one who can open Manage
    root = PersonFactory(team=ops, user=UserFactory(username="root@example.com", is_superuser=True))
    # then
    with pytest.raises(ValidationError, match="superuser"):
        people_deactivate(person_ids=[root.pk])
    with pytest.raises(ValidationError, match="nobody able to open Manage"):
        person_save(
            person_id=root.pk,
            email=root.email,
            name=root.name,
            team=ops,
            role=root.role,
            managed_teams=[],
            is_active=False,
        )
    root.refresh_from_db()
    assert (root.is_active, root.user.is_active) == (True, True)


ROLES = [role for role, _ in Person.Role.choices]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.lists(
        st.tuples(st.sampled_from(ROLES), st.sampled_from(["none", "login", "superuser"]), st.booleans()),
        min_size=1,
        max_size=5,
    ),
    loose_superuser=st.booleans(),
)
def test_a_deactivation_passes_exactly_when_someone_can_still_open_manage(people, loose_superuser):
    # given: people with roles, some with a login (maybe a superuser's), and maybe a superuser who is nobody's login
    Person.objects.all().delete()
    get_user_model().objects.all().delete()
    ops = Team.objects.get_or_create(name="Ops", parent=None)[0]
    if loose_superuser:
        UserFactory(username="root", is_superuser=True)
    made = []
    for i, (role, login, _) in enumerate(people):
        user = None if login == "none" else UserFactory(username=f"p{i}", is_superuser=login == "superuser")
        made.append(PersonFactory(email=f"p{i}@example.com", team=ops, role=role, user=user))
    leaving = [person.pk for person, (_, _, leaves) in zip(made, people, strict=True) if leaves]
    stays = [(role, login) for role, login, leaves in people if not leaves]
    could_before = loose_superuser or any(
        login == "superuser" or (login == "login" and role == "admin") for role, login, _ in people
    )
    can_after = loose_superuser or any(
        login == "superuser" or (login == "login" and role == "admin") for role, login in stays
    )
    # when
    try:
        people_deactivate(person_ids=leaving)
    except ValidationError as error:
        refused = "nobody able to open Manage" in " ".join(error.messages)
    else:
        refused = False
    # then: refused exactly when it would leave nobody able to open Manage; otherwise each one's login goes with them
    assert refused == (could_before and not can_after)
    gone = Person.objects.filter(pk__in=leaving).select_related("user")
    if refused:
        assert all(person.is_active and (person.user is None or person.user.is_active) for person in gone)
    else:
        assert all(not person.is_active and (person.user is None or not person.user.is_active) for person in gone)
    users = get_user_model().objects.filter(is_active=True)
    assert any(is_admin(user) for user in users) == (can_after or (refused and could_before))


def test_an_import_leaving_out_the_only_superuser_is_refused_and_one_keeping_them_reactivates_logins(ops):
    # given: root, a superuser and a member by role, is the only one who can open Manage; lee has a login
    root = PersonFactory(
        email="root@example.com", team=ops, user=UserFactory(username="root@example.com", is_superuser=True)
    )
    lee = PersonFactory(email="lee@example.com", team=ops, user=UserFactory(username="lee@example.com"))
    header = "email,name,team,role,manager\n"
    # when: a file without root
    plan = people_import_plan(csv_text=header + "lee@example.com,Lee,Ops,member,no\n")
    # then
    assert "nobody could open Manage" in " ".join(plan.refusals) and "superuser" in " ".join(plan.refusals)
    # and when lee is deactivated and a file brings him back
    people_deactivate(person_ids=[lee.pk])
    people_import(csv_text=header + "root@example.com,Root,Ops,member,no\nlee@example.com,Lee,Ops,member,no\n")
    lee.user.refresh_from_db()
    root.user.refresh_from_db()
    assert (lee.user.is_active, root.user.is_active) == (True, True)
