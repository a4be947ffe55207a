"""Every value SCIM writes into a column with a maximum length is checked before it is written, and refused with a
400 naming the attribute and its limit (attack round 9: a 101-character group name part was a 500, DataError
varchar(100); an externalId over 200 was cut silently; a long address without a name was refused as "the name")."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import services
from surveys.models import Person, Team
from tests.factories import PersonFactory, TeamFactory

from .conftest import GROUP, scim_error, user_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return TeamFactory(name="Acme")


def test_a_group_name_part_over_100_characters_is_a_400_naming_the_limit_on_post_patch_and_put(scim, acme):
    # given
    platform = scim.post("Groups", {"schemas": [GROUP], "displayName": "Acme/Platform"}).json()["id"]
    long_path = "Acme/" + "x" * 101
    # when
    answers = [
        scim.post("Groups", {"schemas": [GROUP], "displayName": long_path}),
        scim.patch(f"Groups/{platform}", {"op": "replace", "path": "displayName", "value": long_path}),
        scim.put(f"Groups/{platform}", {"schemas": [GROUP], "displayName": long_path}),
    ]
    # then
    for response in answers:
        body = scim_error(response, 400, "invalidValue")
        assert "displayName" in body["detail"] and "at most 100 characters" in body["detail"]
    assert list(Team.objects.filter(parent=acme).values_list("name", flat=True)) == ["Platform"]
    ok = scim.post("Groups", {"schemas": [GROUP], "displayName": "Acme/" + "y" * 100})
    assert ok.status_code == 201


def test_the_teams_page_service_refuses_a_name_over_100_characters_too(acme):
    with pytest.raises(ValidationError) as error:
        services.team_save(name="z" * 101, parent=acme)
    assert "at most 100 characters" in str(error.value)


def test_an_external_id_over_200_characters_is_refused_not_cut(scim, acme):
    user = scim_error(scim.post("Users", user_body("ext@example.com", externalId="e" * 201)), 400, "invalidValue")
    group = scim.post("Groups", {"schemas": [GROUP], "displayName": "Acme/Ext", "externalId": "g" * 201})
    assert "externalId is at most 200 characters" in user["detail"]
    assert "externalId is at most 200" in scim_error(group, 400, "invalidValue")["detail"]
    assert not Person.objects.filter(email="ext@example.com").exists()
    assert scim.post("Users", user_body("ext@example.com", externalId="e" * 200)).status_code == 201


def test_a_long_address_without_a_name_is_named_by_the_part_before_the_at(scim):
    # given: a valid address of 247 characters, longer than a name (200)
    address = "l" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 50 + ".com"
    # when
    response = scim.post("Users", {"schemas": [], "userName": address})
    # then
    assert response.status_code == 201, response.content
    assert response.json()["displayName"] == "l" * 64


def test_a_long_user_principal_name_without_a_name_is_named_by_the_address(scim):
    emails = [{"value": "upn@example.com", "primary": True}]
    response = scim.post("Users", {"schemas": [], "userName": "u" * 250, "emails": emails})
    assert response.status_code == 201, response.content
    assert response.json()["displayName"] == "upn@example.com"
    too_long = scim.post("Users", {"schemas": [], "userName": "v" * 255, "emails": emails})
    assert "userName is at most 254 characters" in scim_error(too_long, 400, "invalidValue")["detail"]


def test_a_name_over_200_characters_is_refused_naming_the_attribute_it_came_in(scim):
    display = scim_error(scim.post("Users", user_body("n@example.com", name="x" * 201)), 400, "invalidValue")
    formatted = scim.post("Users", {"schemas": [], "userName": "n@example.com", "name": {"formatted": "y" * 201}})
    assert display["detail"].startswith("displayName is at most 200 characters")
    assert scim_error(formatted, 400, "invalidValue")["detail"].startswith("name.formatted is at most 200")


FIELDS = {
    # (resource, attribute written, column limit)
    "group name": ("Groups", "displayName", 100),
    "group externalId": ("Groups", "externalId", 200),
    "user displayName": ("Users", "displayName", 200),
    "user externalId": ("Users", "externalId", 200),
    "userName": ("Users", "userName", 254),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted(FIELDS)), excess=st.integers(-3, 3), method=st.sampled_from(["POST", "PUT"]))
def test_every_limited_attribute_is_stored_whole_up_to_its_limit_and_refused_with_it_beyond(
    scim, field, excess, method
):
    # given
    Person.objects.all().delete()
    Team.objects.exclude(parent=None).delete()
    Team.objects.get_or_create(name="Acme", parent=None)
    kind, attribute, limit = FIELDS[field]
    value = "v" * (limit + excess)
    if kind == "Groups":
        body = {"schemas": [GROUP], "displayName": "Acme/Made", attribute: value}
        if attribute == "displayName":
            body[attribute] = "Acme/" + value
    else:
        body = {
            **user_body("made@example.com", emails=[{"value": "made@example.com", "primary": True}]),
            attribute: value,
        }
    # when
    if method == "POST":
        response = scim.post(kind, body)
    else:
        target = PersonFactory(email="made@example.com").pk if kind == "Users" else TeamFactory(name="Was").pk
        if kind == "Groups":
            Team.objects.filter(pk=target).update(parent=Team.objects.get(name="Acme", parent=None))
        response = scim.put(f"{kind}/{target}", body)
    # then: whole up to the limit, refused with the attribute and the limit beyond it
    if excess <= 0:
        assert response.status_code in (200, 201), response.content
        shown = response.json()[attribute]
        assert shown == (("Acme/" + value) if field == "group name" else value)
    else:
        detail = scim_error(response, 400, "invalidValue")["detail"]
        assert attribute in detail and f"at most {limit} characters" in detail
