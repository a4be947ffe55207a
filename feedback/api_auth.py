"""How machines authenticate to the API: `Authorization: Bearer <token>` with an ingestion token."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from surveys.access import is_admin

from .models import ApiToken
from .services.api_tokens import api_token_authenticate


class IngestTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as `Authorization: Bearer <token>`.")
        token = api_token_authenticate(secret=header[1])
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        return (None, token)

    def authenticate_header(self, request):
        return self.keyword


class IngestTokenOrAdmin(permissions.BasePermission):
    """Machines with an ingestion token, or admins logged in to the site (e.g. trying the API in Swagger UI)."""

    message = "An ingestion token (Authorization: Bearer …) or an admin login is required."

    def has_permission(self, request, view):
        if isinstance(request.auth, ApiToken):
            return request.auth.scope == ApiToken.Scope.INGEST
        return request.user is not None and is_admin(request.user)


class IngestTokenScheme(OpenApiAuthenticationExtension):
    target_class = "feedback.api_auth.IngestTokenAuthentication"
    name = "ingestToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An ingestion token created by an admin."}
