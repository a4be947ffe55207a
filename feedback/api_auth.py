"""How machines authenticate to the API: `Authorization: Bearer <token>` with an ingestion token."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from surveys.access import is_admin

from .models import ApiToken
from .services.api_tokens import api_token_authenticate

SCHEME = "Bearer"


def authorization_words(request) -> list[str]:
    """Return the Authorization header's words: the scheme, then its credentials. Split on any run of spaces or
    tabs, as RFC 9110 §11.4 allows between them (`Bearer<TAB>abc` is `Bearer abc`)."""
    return authentication.get_authorization_header(request).decode("latin-1").split()


def bearer(words: list[str]) -> bool:
    """Return whether an Authorization header's words use the Bearer scheme. RFC 9110 §11.1: "It uses a
    case-insensitive token to identify the authentication scheme", so `bearer` and `BEARER` are Bearer."""
    return bool(words) and words[0].casefold() == SCHEME.casefold()


def scheme_problem(request) -> str | None:
    """Return why a request's Authorization header cannot carry an API token, or None: a scheme other than Bearer
    (`Token abc`, `Basic …`) is named, instead of DRF's "credentials were not provided"."""
    words = authorization_words(request)
    if not words or bearer(words):
        return None
    return f"The Authorization header's scheme is “{words[0][:40]}”, not Bearer: send `Authorization: Bearer <token>`."


class IngestTokenAuthentication(authentication.BaseAuthentication):
    keyword = SCHEME

    def authenticate(self, request):
        header = authorization_words(request)
        if not bearer(header):
            return None  # another scheme: a logged-in admin's session may still let the request in
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
        if request.user is not None and is_admin(request.user):
            return True
        # Nobody authenticated and the header names another scheme: say so rather than "not provided".
        problem = scheme_problem(request)
        if problem and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(problem)
        return False


class IngestTokenScheme(OpenApiAuthenticationExtension):
    target_class = "feedback.api_auth.IngestTokenAuthentication"
    name = "ingestToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An ingestion token created by an admin."}
