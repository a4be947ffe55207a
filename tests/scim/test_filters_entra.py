"""Filters identity providers send: Entra ID's documented emails[type eq "work"].value eq "…" finds the person,
and a comparison Align cannot make is 400 invalidFilter, never an empty result (attack round 9: the first was
refused with 400; `members eq "1"` on Groups answered 0 results)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PersonFactory, TeamFactory

from .conftest import scim_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(db):
    return PersonFactory(email="sam@example.com", team=TeamFactory(name="Ops"))


def test_entras_work_email_filter_finds_the_person(scim, sam):
    PersonFactory(email="other@example.com")
    # when
    found = scim.get("Users", filter='emails[type eq "work"].value eq "SAM@example.com"').json()
    # then
    assert [user["id"] for user in found["Resources"]] == [str(sam.pk)]
    assert scim.get("Users", filter='emails[type eq "home"].value eq "sam@example.com"').json()["totalResults"] == 0
    primary = scim.get("Users", filter='emails[primary eq true and value eq "sam@example.com"]').json()
    assert primary["totalResults"] == 1


def test_comparing_a_groups_members_as_a_whole_is_an_invalid_filter_not_an_empty_result(scim, sam):
    for text in ('members eq "1"', f'id eq "{sam.team_id}" and members eq "{sam.pk}"', 'meta eq "x"'):
        body = scim_error(scim.get("Groups", filter=text), 400, "invalidFilter")
        assert "members.value" in body["detail"]
    found = scim.get("Groups", filter=f'members[value eq "{sam.pk}"]').json()
    assert [group["id"] for group in found["Resources"]] == [str(sam.team_id)]
    assert scim.get("Groups", filter=f'members.value eq "{sam.pk}"').json()["totalResults"] == 1
    assert scim.get("Groups", filter="members pr").json()["totalResults"] == 1


GROUP_ATTRIBUTES = ["id", "displayName", "externalId", "members.value", "members", "members.display", "meta", "name"]
SUPPORTED = {"id", "displayname", "externalid", "members.value"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    attribute=st.sampled_from(GROUP_ATTRIBUTES),
    op=st.sampled_from(["eq", "ne", "co", "sw"]),
    value=st.sampled_from(["1", "Ops", "x"]),
    bracketed=st.booleans(),
)
def test_a_group_filter_is_answered_or_refused_never_silently_empty(scim, sam, attribute, op, value, bracketed):
    # given
    if bracketed and attribute.startswith("members."):
        text = f'members[{attribute.split(".")[1]} {op} "{value}"]'
    else:
        text = f'{attribute} {op} "{value}"'
    # when
    response = scim.get("Groups", filter=text)
    # then
    if attribute.lower() in SUPPORTED:
        assert response.status_code == 200, response.content
    else:
        scim_error(response, 400, "invalidFilter")
