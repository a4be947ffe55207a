"""Generated userNames and displayNames: whatever an identity provider sends is stored and read back as Align
stores it, found again by a filter, or refused with a SCIM error — never a 500."""

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from surveys import addresses, names
from surveys.models import Person
from tests.factories import PersonFactory

from .conftest import MEDIA_TYPE, user_body

pytestmark = pytest.mark.django_db

FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
local_parts = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,20}", fullmatch=True)
labels = st.text(st.characters(categories=["Ll", "Lu", "Lo", "Nd"]), min_size=1, max_size=12)
domains = st.lists(labels, min_size=1, max_size=2).map(".".join).map(lambda domain: f"{domain}.com")
user_names = st.one_of(st.builds("{}@{}".format, local_parts, domains), st.text(max_size=40))


def other_case(text: str) -> str:
    """Return text with every letter whose case maps back and forth one to one in the other case (ß, whose upper
    case is SS, stays: straße.de and strasse.de are two domains)."""
    return "".join(
        swapped if len(swapped := char.swapcase()) == 1 and swapped.swapcase() == char else char for char in text
    )


def created_or_refused(response) -> dict | None:
    """Return the resource a 201 created, or None for a refusal, which must be a SCIM Error (400 or 409)."""
    assert response.status_code in (201, 400, 409), response.content
    event(f"answered {response.status_code}")
    if response.status_code == 201:
        return response.json()
    body = response.json()
    assert response["Content-Type"] == MEDIA_TYPE
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(response.status_code)
    return None


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES)
@given(user_name=user_names)
def test_a_generated_user_name_round_trips_or_is_refused_with_a_scim_error(scim, user_name):
    # when
    response = scim.post("Users", user_body(user_name, "Generated Person"))
    # then
    created = created_or_refused(response)
    if created is None:
        return
    assert addresses.key(created["userName"]) == addresses.key(user_name)
    assert scim.get(f"Users/{created['id']}").json()["userName"] == created["userName"]
    found = scim.get("Users", filter=f"userName eq {json.dumps(other_case(user_name))}").json()
    assert [user["id"] for user in found["Resources"]] == [created["id"]]


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES)
@given(name=st.text(max_size=60))
def test_a_generated_display_name_round_trips_or_is_refused_with_a_scim_error(scim, name):
    # given
    scim.post("Groups", {"displayName": "Acme"})
    # when
    response = scim.post("Groups", {"displayName": f"Acme/{name}"})
    # then
    created = created_or_refused(response)
    if created is None:
        return
    assert created["displayName"] == "Acme/" + names.name_stored(name.strip().strip("/"))
    found = scim.get("Groups", filter=f"displayName eq {json.dumps(created['displayName'])}").json()
    assert [group["id"] for group in found["Resources"]] == [created["id"]]
    scim.delete(f"Groups/{created['id']}")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
paths = st.sampled_from(
    ["", "active", "displayName", "userName", "members", 'members[value eq "1"]', "name.givenName", "emails",
     'emails[type eq "work"].value', "externalId", "id", "meta", "name[", "urn:x:y:z", "groups"]
)  # fmt: skip
operations = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "Replace", "remove", "move"])},
    optional={
        "path": paths | st.text(max_size=12),
        "value": st.sampled_from([True, False, "False", "True", "Bobby", "bobby@example.com", [], {"active": False}])
        | json_values,
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES)
@given(body=st.fixed_dictionaries({"Operations": st.lists(operations, min_size=1, max_size=3)}) | json_values)
def test_a_generated_patch_body_is_applied_or_refused_with_a_scim_error_never_a_500(scim, body):
    # given
    bob = PersonFactory(email="bob@example.com") if not Person.objects.filter(email="bob@example.com") else None
    person = bob or Person.objects.get(email="bob@example.com")
    # when
    for path in (f"Users/{person.pk}", f"Groups/{person.team_id}"):
        response = scim.send("PATCH", path, body)
        # then
        assert response.status_code in (200, 400, 409), response.content
        event(f"answered {response.status_code}")
        assert response["Content-Type"] == MEDIA_TYPE
