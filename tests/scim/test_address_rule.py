"""Which address Align invites a User at: the primary emails value, else a work one, else the userName when it is
an address; the userName stays the User's identifier (attack round 9: for the userName jdoe@corp.onmicrosoft.com
and the primary email john.doe@example.org, Align invited the user principal name)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.models import Person

from .conftest import user_body

pytestmark = pytest.mark.django_db

UPN, MAIL = "jdoe@corp.onmicrosoft.com", "john.doe@example.org"


@pytest.mark.parametrize(
    "emails",
    [
        [{"value": MAIL, "primary": True}],
        [{"value": "home@example.net", "type": "home"}, {"value": MAIL, "primary": True, "type": "work"}],
        [{"value": MAIL, "primary": True}, {"value": "home@example.net", "type": "home"}],
        [{"value": "home@example.net", "type": "home"}, {"value": MAIL, "type": "work"}],
    ],
)
def test_the_primary_or_work_email_wins_over_an_address_shaped_user_name_in_either_order(scim, emails):
    # when
    response = scim.post("Users", user_body(UPN, emails=emails))
    # then
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=int(response.json()["id"]))
    assert (person.email, person.user_name) == (MAIL, UPN)
    assert response.json()["userName"] == UPN
    assert scim.get("Users", filter=f'userName eq "{UPN}"').json()["totalResults"] == 1


def test_without_a_primary_or_work_email_an_address_shaped_user_name_is_the_address(scim):
    response = scim.post("Users", user_body(UPN, emails=[{"value": "home@example.net", "type": "home"}]))
    person = Person.objects.get(pk=int(response.json()["id"]))
    assert (person.email, person.user_name) == (UPN, "")


def test_a_patch_of_the_user_name_alone_moves_the_address_when_the_user_name_was_the_address(scim):
    bob = scim.post("Users", user_body("bob@example.com")).json()["id"]
    # when
    response = scim.patch(f"Users/{bob}", {"op": "replace", "path": "userName", "value": "robert@example.com"})
    # then
    assert response.status_code == 200, response.content
    assert Person.objects.get(pk=int(bob)).email == "robert@example.com"


EMAIL = st.sampled_from([None, "work", "home"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(st.tuples(EMAIL, st.booleans()), max_size=3),
    address_user_name=st.booleans(),
)
def test_the_invited_address_follows_the_rule_for_any_emails(scim, kinds, address_user_name):
    # given
    Person.objects.all().delete()
    emails = [
        {"value": f"e{i}@example.org", **({"type": kind} if kind else {}), **({"primary": True} if primary else {})}
        for i, (kind, primary) in enumerate(kinds)
    ]
    user_name = UPN if address_user_name else "jdoe"
    # when
    response = scim.post("Users", user_body(user_name, emails=emails))
    # then
    expected = next((e["value"] for e in emails if e.get("primary")), None)
    expected = expected or next((e["value"] for e in emails if e.get("type") == "work"), None)
    expected = expected or (UPN if address_user_name else None) or (emails[0]["value"] if emails else None)
    if expected is None:
        assert response.status_code == 400
        return
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=int(response.json()["id"]))
    assert person.email == expected
    assert response.json()["userName"] == user_name
