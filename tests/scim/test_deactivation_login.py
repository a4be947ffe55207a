"""Deactivating a person through SCIM deactivates their login, and the last who can open Manage — a Django
superuser included — cannot be deactivated (attack round 9: admin@example.com, a superuser, was "deactivated" and
still opened /manage/; a deactivated member still signed in)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory, UserFactory

from .conftest import scim_error

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def sign_in(email: str) -> bool:
    """Return whether the password signs in, from a browser of its own."""
    browser = Client()
    browser.post("/accounts/login/", {"username": email, "password": PASSWORD})
    return browser.get("/manage/people/").status_code != 302


@pytest.fixture
def root():
    """Root is a Django superuser and a person of Align (a member by role): the only one who can open Manage."""
    user = UserFactory(username="admin@example.com", is_superuser=True, is_staff=True)
    return PersonFactory(email="admin@example.com", team=TeamFactory(name="Ops"), user=user)


def test_the_only_superuser_cannot_be_deactivated_or_deleted_through_scim(scim, root):
    # when
    patched = scim_error(scim.patch(f"Users/{root.pk}", {"op": "replace", "value": {"active": False}}), 400)
    deleted = scim_error(scim.delete(f"Users/{root.pk}"), 400, "invalidValue")
    # then
    assert "nobody able to open Manage" in patched["detail"] and "superuser" in deleted["detail"]
    root.refresh_from_db()
    assert (root.is_active, root.user.is_active, root.deleted_by_provider) == (True, True, False)
    assert scim.get(f"Users/{root.pk}").status_code == 200
    assert sign_in("admin@example.com")


def test_a_superuser_can_be_deactivated_while_another_admin_keeps_manage_and_then_loses_access(scim, root):
    # given: another admin with a login
    ada = PersonFactory(email="ada@example.com", role=Person.Role.ADMIN, user=UserFactory(username="ada@example.com"))
    browser = Client()
    browser.force_login(root.user)
    assert browser.get("/manage/").status_code == 200
    # when
    assert scim.delete(f"Users/{root.pk}").status_code == 204
    # then: the open session is gone and the password no longer signs in
    assert browser.get("/manage/").status_code == 302
    assert not sign_in("admin@example.com")
    root.refresh_from_db()
    assert (root.is_active, root.user.is_active) == (False, False)
    assert sign_in(ada.email)


def test_a_person_deactivated_through_scim_cannot_sign_in_until_reactivated(scim, root):
    # given: Maria, a member with a login and a session
    maria = PersonFactory(email="maria@example.com", user=UserFactory(username="maria@example.com"))
    browser = Client()
    browser.force_login(maria.user)
    assert browser.get("/reports/").status_code == 200
    # when
    response = scim.patch(f"Users/{maria.pk}", {"op": "replace", "value": {"active": False}})
    # then
    assert response.status_code == 200 and response.json()["active"] is False
    assert browser.get("/reports/").status_code == 302
    assert not sign_in("maria@example.com")
    assert get_user_model().objects.get(username="maria@example.com").is_active is False
    # and when the provider reactivates her
    assert scim.patch(f"Users/{maria.pk}", {"op": "replace", "value": {"active": True}}).status_code == 200
    # then her login is active again, but what deactivation ended stays ended: the old session and the old
    # password (she chooses a new one through the password reset; single sign-on works at once)
    assert get_user_model().objects.get(username="maria@example.com").is_active is True
    assert browser.get("/reports/").status_code == 302
    assert not sign_in("maria@example.com")


def test_a_user_deleted_and_created_again_gets_their_login_back(scim, root):
    maria = PersonFactory(email="maria@example.com", user=UserFactory(username="maria@example.com"))
    assert scim.delete(f"Users/{maria.pk}").status_code == 204
    assert not sign_in("maria@example.com")
    # when
    again = scim.post("Users", {"schemas": [], "userName": "maria@example.com", "displayName": "Maria"})
    # then
    assert again.status_code == 201, again.content
    assert again.json()["id"] == str(maria.pk)
    login = get_user_model().objects.get(username="maria@example.com")
    assert login.is_active and login.person.pk == maria.pk  # her login, active; its old password ended
    assert not sign_in("maria@example.com")
