"""What SCIM says about errors, media type and discovery (RFC 7643 §5–7, RFC 7644 §3.12)."""

import json
from typing import Any

from django.http import HttpResponse

from .. import languages

MEDIA_TYPE = "application/scim+json"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
MAX_RESULTS = 200


class ScimError(Exception):
    """A request SCIM refuses: answered with `status` and an Error body (RFC 7644 §3.12)."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"schemas": [ERROR], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def scim_response(body: dict[str, Any] | None, *, status: int = 200, location: str | None = None) -> HttpResponse:
    """Return a response carrying SCIM JSON (or nothing, for 204)."""
    content = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    response = HttpResponse(content, status=status, content_type=MEDIA_TYPE if body is not None else None)
    if location:
        response["Location"] = location
    response["Cache-Control"] = "no-store"
    return response


def _attribute(name: str, kind: str = "string", **rules: Any) -> dict[str, Any]:
    attribute = {
        "name": name,
        "type": kind,
        "multiValued": False,
        "description": "",
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    }
    attribute.update(rules)
    return attribute


USER_SCHEMA = {
    "id": CORE_USER,
    "name": "User",
    "description": "A person Align can invite, at their primary (else work) email, else at their userName.",
    "attributes": [
        _attribute(
            "userName",
            required=True,
            uniqueness="server",
            description="The person's identifier at the provider. Align invites the primary emails value (else a "
            "work one); without emails, the userName is the address.",
        ),
        # Align shows one name and always has one: given, it is displayName (or name.formatted, or name.givenName
        # and name.familyName joined, as Okta and Entra ID send a changed part); not given, the userName (or the
        # address, or its part before the @, when that is too long). The parts are kept as sent, so a PATCH of one
        # changes only that part.
        _attribute("displayName", required=True, description="The person's name as Align shows it."),
        _attribute(
            "name",
            "complex",
            subAttributes=[_attribute("formatted"), _attribute("givenName"), _attribute("familyName")],
        ),
        _attribute("active", "boolean", required=True),
        # RFC 7643 §4.1.1. Align keeps one language per person, a code of settings.LANGUAGES (surveys.languages).
        _attribute(
            "preferredLanguage",
            canonicalValues=[languages.html_lang(code) for code in languages.codes()],
            description="The languages the person prefers, as Accept-Language writes them (de-CH, de;q=0.9, "
            "en;q=0.8): their survey emails and page are in the most preferred one Align speaks, else in the "
            "organisation's default. Returned as that one language's tag.",
        ),
        _attribute(
            "locale",
            canonicalValues=[languages.html_lang(code) for code in languages.codes()],
            mutability="writeOnly",
            returned="never",
            description="A language tag (de-DE); read for the person's language when preferredLanguage names none "
            "Align speaks. Not kept: the language is returned as preferredLanguage.",
        ),
        _attribute(
            "emails",
            "complex",
            multiValued=True,
            required=True,
            description="The address Align invites the person at: the primary value, else the work one.",
            subAttributes=[
                _attribute("value", required=True),
                _attribute("type", canonicalValues=["work"]),
            ],
        ),
        _attribute(
            "groups",
            "complex",
            multiValued=True,
            mutability="readOnly",
            subAttributes=[
                _attribute("value", mutability="readOnly"),
                _attribute("$ref", "reference", mutability="readOnly", referenceTypes=["Group"]),
                _attribute("display", mutability="readOnly"),
            ],
        ),
    ],
}
GROUP_SCHEMA = {
    "id": CORE_GROUP,
    "name": "Group",
    "description": "A team of Align. displayName is the team's path from the root, such as Acme/Engineering.",
    "attributes": [
        _attribute("displayName", required=True, uniqueness="server"),
        _attribute(
            "members",
            "complex",
            multiValued=True,
            subAttributes=[
                _attribute("value", mutability="immutable"),
                _attribute("$ref", "reference", mutability="immutable", referenceTypes=["User"]),
            ],
        ),
    ],
}


def _meta(base_url: str, kind: str, path: str) -> dict[str, str]:
    return {"resourceType": kind, "location": f"{base_url}/{path}"}


def service_provider_config(base_url: str) -> dict[str, Any]:
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "documentationUri": "https://datatracker.ietf.org/doc/html/rfc7644",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A SCIM token issued by an admin at /manage/api-tokens/.",
                "primary": True,
            }
        ],
        "meta": _meta(base_url, "ServiceProviderConfig", "ServiceProviderConfig"),
    }


def resource_types(base_url: str) -> list[dict[str, Any]]:
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": name,
            "name": name,
            "endpoint": f"/{name}s",
            "description": description,
            "schema": schema,
            "schemaExtensions": [],
            "meta": _meta(base_url, "ResourceType", f"ResourceTypes/{name}"),
        }
        for name, schema, description in (
            ("User", CORE_USER, "People of Align"),
            ("Group", CORE_GROUP, "Teams of Align"),
        )
    ]


def schemas(base_url: str) -> list[dict[str, Any]]:
    return [
        {"schemas": [SCHEMA], **schema, "meta": _meta(base_url, "Schema", f"Schemas/{schema['id']}")}
        for schema in (USER_SCHEMA, GROUP_SCHEMA)
    ]


def list_response(resources: list[dict[str, Any]], *, total: int, start_index: int = 1) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": start_index,
        "Resources": resources,
    }
