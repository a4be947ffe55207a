"""The API's authentication scheme is read as RFC 9110 §11.1 says: "a case-insensitive token". `Authorization:
bearer <token>` was answered 401 "Authentication credentials were not provided." (issue #20, round 8)."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEFINITIONS = reverse("api-metric-definitions")


@pytest.fixture
def secret():
    _, secret = services.api_token_create(name="CI exporter", created_by=None)
    return secret


def get(authorization: str):
    return Client(HTTP_AUTHORIZATION=authorization).get(DEFINITIONS)


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_the_report_s_lower_case_bearer_is_let_in(secret, scheme):
    response = get(f"{scheme} {secret}")
    assert response.status_code == 200, response.content
    assert "deployment-frequency" in {definition["key"] for definition in response.json()["results"]}


def test_a_wrong_token_under_lower_case_bearer_is_refused_as_unknown(secret):
    response = get("bearer made-up")
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown or revoked token."


@pytest.mark.parametrize("scheme", ["Token", "Basic", "JWT", "Bearer:"])
def test_another_scheme_is_refused_saying_the_scheme_is_not_bearer(secret, scheme):
    response = get(f"{scheme} {secret}")
    assert response.status_code == 401
    assert response.json()["detail"] == (
        f"The Authorization header's scheme is “{scheme}”, not Bearer: send `Authorization: Bearer <token>`."
    )
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_admin_s_session_still_opens_the_api_whatever_scheme_a_proxy_adds(client):
    # given: an admin logged in, behind a proxy that adds its own Basic credentials
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    # when
    response = client.get(DEFINITIONS, HTTP_AUTHORIZATION="Basic YWxpY2U6c2VjcmV0")
    # then
    assert response.status_code == 200, response.content


def test_no_header_is_still_answered_as_not_provided():
    response = Client().get(DEFINITIONS)
    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."


case_mixes = st.lists(st.booleans(), min_size=6, max_size=6).map(
    lambda upper: "".join(c.upper() if up else c.lower() for c, up in zip("bearer", upper, strict=True))
)
blanks = st.text(alphabet=" \t", min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scheme=case_mixes, gap=blanks, lead=st.text(alphabet=" \t", max_size=2))
def test_bearer_in_any_case_with_any_spaces_or_tabs_before_the_token_is_let_in(secret, scheme, gap, lead):
    assert get(f"{lead}{scheme}{gap}{secret}").status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scheme=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12).filter(
        lambda word: word.casefold() != "bearer"
    )
)
def test_any_other_scheme_is_refused_naming_it(secret, scheme):
    response = get(f"{scheme} {secret}")
    assert response.status_code == 401
    assert f"scheme is “{scheme}”, not Bearer" in response.json()["detail"]
