"""A PATCH of one part of a User's name changes only that part (attack round 9: Entra ID's PATCH of
name.familyName made "Ana Lopez" "Garcia")."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import services
from surveys.models import Person
from tests.factories import PersonFactory

from .conftest import user_body

pytestmark = pytest.mark.django_db


def replace(path: str, value: str) -> dict:
    return {"op": "Replace", "path": path, "value": value}


def test_entras_patch_of_the_family_name_keeps_the_given_name(scim):
    # given
    name = {"givenName": "Ana", "familyName": "Lopez", "formatted": "Ana Lopez"}
    ana = scim.post("Users", user_body("ana@example.com", name="Ana Lopez") | {"name": name})
    ana_id = ana.json()["id"]
    # when
    after_family = scim.patch(f"Users/{ana_id}", replace("name.familyName", "Garcia")).json()
    after_given = scim.patch(f"Users/{ana_id}", replace("name.givenName", "Anna")).json()
    # then
    assert after_family["displayName"] == "Ana Garcia"
    assert after_given["displayName"] == "Anna Garcia"
    assert after_given["name"] == {"formatted": "Anna Garcia", "givenName": "Anna", "familyName": "Garcia"}


def test_a_formatted_name_sent_with_a_part_wins(scim):
    ana = scim.post("Users", user_body("ana@example.com", name="Ana Lopez")).json()["id"]
    both = [replace("name.familyName", "Garcia"), replace("name.formatted", "Dr Ana Garcia")]
    assert scim.patch(f"Users/{ana}", *both).json()["displayName"] == "Dr Ana Garcia"


def test_a_part_patched_on_a_person_whose_parts_were_never_sent_keeps_the_rest_of_the_name(scim):
    ana = PersonFactory(email="ana@example.com", name="Ana Lopez")
    assert scim.patch(f"Users/{ana.pk}", replace("name.familyName", "Garcia")).json()["displayName"] == "Ana Garcia"
    maria = PersonFactory(email="maria@example.com", name="Maria Lopez Garcia")
    patched = scim.patch(f"Users/{maria.pk}", replace("name.givenName", "María")).json()
    assert patched["displayName"] == "María Lopez Garcia"


def test_parts_made_stale_by_a_rename_elsewhere_are_not_used(scim):
    ana = scim.post("Users", user_body("ana@example.com") | {"name": {"givenName": "Ana", "familyName": "Lopez"}})
    person = Person.objects.get(pk=int(ana.json()["id"]))
    services.person_save(
        person_id=person.pk, email=person.email, name="Ana Ruiz", team=person.team, role=person.role, managed_teams=[]
    )  # renamed on the person page
    patched = scim.patch(f"Users/{person.pk}", replace("name.givenName", "Anna")).json()
    assert patched["displayName"] == "Anna Ruiz"


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=12).map(str.capitalize)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(given_name=WORD, family=st.lists(WORD, min_size=1, max_size=3).map(" ".join), new=WORD, part=st.booleans())
def test_patching_one_part_changes_only_that_part(scim, given_name, family, new, part):
    # given
    Person.objects.all().delete()
    parts = {"givenName": given_name, "familyName": family}
    made = scim.post("Users", user_body("p@example.com", name=f"{given_name} {family}") | {"name": parts})
    assert made.status_code == 201, made.content
    # when
    path = "name.givenName" if part else "name.familyName"
    patched = scim.patch(f"Users/{made.json()['id']}", replace(path, new)).json()
    # then
    expected = f"{new} {family}" if part else f"{given_name} {new}"
    assert patched["displayName"] == expected
