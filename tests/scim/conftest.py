import json

import pytest

from feedback import services as feedback_services
from feedback.models import ApiToken
from surveys.models import Person
from tests.factories import TeamFactory, manager_of

MEDIA_TYPE = "application/scim+json"


class Scim:
    """A test client speaking SCIM with a bearer token, as an identity provider does."""

    def __init__(self, client, secret: str | None):
        self.client, self.secret = client, secret

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"} if self.secret else {}

    def get(self, path: str, **params):
        return self.client.get(f"/scim/v2/{path}", params, **self._headers())

    def send(self, method: str, path: str, body, content_type: str = MEDIA_TYPE):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        call = getattr(self.client, method.lower())
        return call(f"/scim/v2/{path}", data=data, content_type=content_type, **self._headers())

    def post(self, path: str, body):
        return self.send("POST", path, body)

    def put(self, path: str, body):
        return self.send("PUT", path, body)

    def patch(self, path: str, *operations):
        return self.send("PATCH", path, {"schemas": [PATCH_OP], "Operations": list(operations)})

    def delete(self, path: str):
        return self.client.delete(f"/scim/v2/{path}", **self._headers())


PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture
def okta_token(db):
    token, secret = feedback_services.api_token_create(name="Okta", created_by=None, scope=ApiToken.Scope.SCIM)
    return token, secret


@pytest.fixture
def scim(client, okta_token):
    return Scim(client, okta_token[1])


@pytest.fixture
def ada(db):
    """Ada is the only admin with a login, in the team Ops."""
    _, person = manager_of(TeamFactory(name="Ops"), email="ada@example.com", role=Person.Role.ADMIN)
    return person


def user_body(user_name: str, name: str = "Bob Builder", **extra) -> dict:
    return {"schemas": [USER], "userName": user_name, "displayName": name, "active": True, **extra}


def scim_error(response, status: int, scim_type: str | None = None) -> dict:
    """Assert a response is a SCIM Error with this status (and scimType); return its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == MEDIA_TYPE
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body["detail"]
    if scim_type is not None:
        assert body.get("scimType") == scim_type
    return body
