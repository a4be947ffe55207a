"""A User written by two requests at once: the one that loses is told 409 uniqueness, wherever the race is lost
(attack round 9: a concurrent create sometimes lost with 400 "Person with this Email already exists.", Django's
unique check seeing the other request's committed row after Align's own check had passed)."""

import pytest

from surveys.models import Person
from surveys.scim import services as scim_services
from surveys.services import people
from tests.factories import PersonFactory

from .conftest import scim_error, user_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def race_lost(monkeypatch):
    """Make Align's own checks pass as they do when the other request commits just after them."""
    monkeypatch.setattr(scim_services, "person_by_user_name", lambda user_name: None)
    monkeypatch.setattr(people, "person_address_checked", lambda *, email, person_id=None: email)


def test_a_create_that_loses_the_race_for_an_address_is_a_409_uniqueness(scim, race_lost):
    # given: the other request's person, committed after our check
    PersonFactory(email="race@example.com")
    # when
    response = scim.post("Users", user_body("race@example.com"))
    # then
    scim_error(response, 409, "uniqueness")
    assert Person.objects.filter(email="race@example.com").count() == 1


def test_an_update_that_loses_the_race_for_an_address_is_a_409_uniqueness(scim, race_lost):
    PersonFactory(email="race@example.com")
    bob = PersonFactory(email="bob@example.com")
    response = scim.put(f"Users/{bob.pk}", user_body("race@example.com"))
    scim_error(response, 409, "uniqueness")
    bob.refresh_from_db()
    assert bob.email == "bob@example.com"
