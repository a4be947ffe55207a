import pytest

from feedback import services as feedback_services
from feedback.models import ApiToken
from surveys.models import Person
from tests.factories import TeamFactory, manager_of

from .conftest import Scim, scim_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["Users", "Groups", "ServiceProviderConfig", "Schemas", "ResourceTypes"])
def test_a_request_without_a_token_is_a_401_with_a_bearer_challenge(client, path):
    response = Scim(client, None).get(path)
    scim_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_made_up_token_is_a_401(client):
    scim_error(Scim(client, "not-a-token").get("Users"), 401)


def test_the_bearer_scheme_is_read_in_any_case_and_another_scheme_is_named(client, okta_token):
    response = client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"bearer   {okta_token[1]}")
    assert response.status_code == 200
    body = scim_error(client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Basic {okta_token[1]}"), 401)
    assert "“Basic”, not Bearer" in body["detail"]


def test_a_revoked_scim_token_is_a_401(client, okta_token):
    token, secret = okta_token
    feedback_services.api_token_revoke(token_id=token.id)
    scim_error(Scim(client, secret).get("Users"), 401)


def test_an_ingestion_token_is_a_403_on_scim(client):
    _, secret = feedback_services.api_token_create(name="CI", created_by=None)
    scim_error(Scim(client, secret).get("Users"), 403)


def test_a_scim_token_does_not_open_the_metrics_api(client, okta_token):
    response = client.get("/api/v1/metric-definitions/", HTTP_AUTHORIZATION=f"Bearer {okta_token[1]}")
    assert response.status_code == 403


def test_a_method_scim_does_not_have_is_a_405_scim_error(scim):
    response = scim.delete("Users")
    scim_error(response, 405)
    assert response["Allow"] == "GET, POST"


def test_discovery_documents_describe_users_groups_and_filtering(scim):
    config = scim.get("ServiceProviderConfig").json()
    assert config["filter"]["supported"] is True
    assert config["patch"]["supported"] is True
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim.get("ResourceTypes").json()
    assert {t["endpoint"] for t in types["Resources"]} == {"/Users", "/Groups"}
    schemas = scim.get("Schemas").json()
    assert {s["id"] for s in schemas["Resources"]} == {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    }
    assert scim.get("Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()["name"] == "User"
    scim_error(scim.get("Schemas/urn:nope"), 404)


def test_the_manage_page_issues_a_scim_token_and_shows_the_base_url(client, settings):
    # given
    user, _ = manager_of(TeamFactory(name="Ops"), email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    settings.SITE_URL = "https://align.example.com"
    # when
    response = client.post("/manage/api-tokens/", {"name": "Entra ID", "scope": "scim"})
    # then
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Entra ID")
    assert token.scope == ApiToken.Scope.SCIM
    page = response.content.decode()
    assert "https://align.example.com/scim/v2" in page
    secret = response.context["secret"]
    assert secret in page
    assert Scim(client, secret).get("Users").status_code == 200
