"""Generated userNames and displayNames: whatever an identity provider sends is stored and read back as Align
stores it, found again by a filter, or refused with a SCIM error — never a 500."""

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from surveys import addresses, names

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


def refused_as_scim(response) -> bool:
    body = response.json()
    return (
        response["Content-Type"] == MEDIA_TYPE
        and body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        and body["status"] == str(response.status_code)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES)
@given(user_name=user_names)
def test_a_generated_user_name_round_trips_or_is_refused_with_a_scim_error(scim, user_name):
    # when
    response = scim.post("Users", user_body(user_name, "Generated Person"))
    # then
    assert response.status_code in (201, 400, 409), response.content
    event(f"answered {response.status_code}")
    if response.status_code != 201:
        assert refused_as_scim(response)
        return
    created = response.json()
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
    assert response.status_code in (201, 400, 409), response.content
    event(f"answered {response.status_code}")
    if response.status_code != 201:
        assert refused_as_scim(response)
        return
    created = response.json()
    assert created["displayName"] == "Acme/" + names.name_stored(name.strip().strip("/"))
    found = scim.get("Groups", filter=f"displayName eq {json.dumps(created['displayName'])}").json()
    assert [group["id"] for group in found["Resources"]] == [created["id"]]
    scim.delete(f"Groups/{created['id']}")
