"""Single sign-on through the company's OpenID Connect provider (mozilla-django-oidc), matched to people by
verified email.

The library runs the authorization code flow (with PKCE and a nonce) and checks the ID token's signature
against the provider's keys; this module decides who may come in:

1. The provider's userinfo must name the same subject as the ID token (OpenID Connect Core §5.3.2) and say
   the address is verified (`email_verified` true): an unverified address proves nothing about its owner.
2. The address must be an active person's, compared as Align compares addresses (`addresses.key`).
3. The person must be a manager, leader or admin, or already have a login an admin gave them: people who
   only answer surveys never need one (their links work without logging in).
4. Their login is the one an admin gave them, or a new one named by their address, with no usable password;
   a login of someone else (or of nobody) that holds the address is never handed over.

Each refusal is shown on the login page in words, and logged by its reason and the person's id, never the
address. A password lockout does not stop single sign-on: the provider checks the credential, so someone
guessing a password cannot lock its owner out.
"""

import logging
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import LogoutView
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import addresses
from .models import Person
from .services.people import login_create, login_follow

logger = logging.getLogger(__name__)

# Set in the session at a single sign-on, so logging out can end the provider's session too.
SSO_SESSION_KEY = "align_sso"
LOGIN_ROLES = {Person.Role.ADMIN, Person.Role.LEADER, Person.Role.MANAGER}


def sso_enabled() -> bool:
    """Return whether single sign-on is configured (OIDC_RP_CLIENT_ID set)."""
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


class SSORefused(Exception):
    """A sign-in the provider vouched for that Align does not let in: `reason` for the log, the message (to
    the person) for the login page."""

    def __init__(self, reason: str, message: str, *, person_id: int | None = None):
        super().__init__(message)
        self.reason, self.person_id = reason, person_id


def sso_person(*, claims: dict) -> Person:
    """Return the active person the provider's claims name, or raise SSORefused saying why not."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SSORefused(
            "no-email", "Your sign-in provider did not give Align your email address, so Align cannot tell who you are."
        )
    if claims.get("email_verified") is not True:
        raise SSORefused(
            "unverified",
            f"Your sign-in provider has not verified the address {email}, so Align cannot log you in with it. "
            "Verify it with your provider, or ask an Align admin.",
        )
    wanted = addresses.key(email)
    candidates = Person.objects.filter(email__iexact=addresses.stored(email))
    person = next((person for person in candidates if addresses.key(person.email) == wanted), None)
    if person is None:
        raise SSORefused("unknown", f"Align has no one with the address {email}. Ask an Align admin to add you.")
    if not person.is_active:
        raise SSORefused(
            "deactivated",
            f"The Align account for {email} has been deactivated. Ask an Align admin.",
            person_id=person.id,
        )
    if person.role not in LOGIN_ROLES and person.user_id is None:
        raise SSORefused(
            "no-login",
            "Align gives logins to managers, leaders and admins. Your survey links work without logging in.",
            person_id=person.id,
        )
    return person


@transaction.atomic
def sso_login_user(*, claims: dict):
    """Return the login of the person the claims name, creating it (unusable password) on their first sign-in.

    A login that already holds the person's address but is not theirs — another person's, or one of nobody's
    (made with createsuperuser, or left by a deleted person) — is never handed over: an admin links it to the
    person in the Django admin if it is theirs. A login that is theirs is brought in step with their address
    (`login_follow`), so password login, the lockout and single sign-on name the same login.
    """
    person = Person.objects.select_for_update().get(id=sso_person(claims=claims).id)
    try:
        if person.user is None:
            user = login_create(person=person)
        else:
            user = person.user
            login_follow(person=person)
    except ValidationError:
        raise SSORefused(
            "login-taken",
            f"The login named {person.email} belongs to someone else. Ask an Align admin.",
            person_id=person.id,
        ) from None
    if not user.is_active:
        raise SSORefused(
            "login-inactive",
            f"The Align login for {person.email} has been deactivated. Ask an Align admin.",
            person_id=person.id,
        )
    return user


class AlignOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, letting in only people as this module's rules say."""

    def get_payload_data(self, token, key):
        """Return the ID token's claims, checked as OpenID Connect Core §3.1.3.7 asks: the signature with the
        configured algorithm only, and (which the library leaves out) the issuer, this client as audience, an
        expiry still ahead. Unsigned tokens are never accepted."""
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                options={"require": ["iss", "aud", "exp", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo names another subject than the ID token")
        try:
            user = sso_login_user(claims=claims)
        except SSORefused as refusal:
            logger.info("single sign-on refused (%s), person %s", refusal.reason, refusal.person_id)
            messages.error(self.request, str(refusal))
            return None
        logger.info("single sign-on: user %s logged in", user.pk)
        return user

    def get_user(self, user_id):
        # The library's get_user skips Django's is_active check; ModelBackend's makes it.
        return ModelBackend.get_user(self, user_id)


class SSOStartView(OIDCAuthenticationRequestView):
    """Send the visitor to the provider to sign in; 404 while single sign-on is not configured."""

    def dispatch(self, request, *args, **kwargs):
        if not sso_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the visitor back; a refusal lands on the login page with its reason."""

    def dispatch(self, request, *args, **kwargs):
        if not sso_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def login_success(self):
        # Logging in someone else than the session's user empties the session (Django's rule), ID token too:
        # what logging out needs is carried over.
        id_token = self.request.session.get("oidc_id_token")
        response = super().login_success()
        self.request.session[SSO_SESSION_KEY] = True
        if id_token:
            self.request.session["oidc_id_token"] = id_token
        return response

    def login_failure(self):
        if not messages.get_messages(self.request):
            messages.error(self.request, "Single sign-on did not complete. Please try again.")
        return HttpResponseRedirect(reverse("login"))


class AlignLogoutView(LogoutView):
    """Django's logout; after a single sign-on, when the provider has an end-session endpoint
    (OIDC_OP_LOGOUT_ENDPOINT, OpenID Connect RP-Initiated Logout 1.0), it also sends the browser there to end
    the provider's session, and the provider sends it back to the login page."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        signed_on = bool(request.session.get(SSO_SESSION_KEY))
        response = super().post(request, *args, **kwargs)
        if not (signed_on and settings.OIDC_OP_LOGOUT_ENDPOINT):
            return response
        query = {
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
        if id_token:
            query["id_token_hint"] = id_token
        return HttpResponseRedirect(f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(query)}")
