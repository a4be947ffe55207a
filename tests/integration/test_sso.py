"""Single sign-on against a real OpenID Connect provider: django-oauth-toolkit in its own process
(tests/oidc_provider), with an RS256 key made for the run. The browser is a requests.Session that follows
redirects and fills in forms, through Align's live server and the provider's login page, as a person would.

If the provider cannot start, these tests fail (never skip).
"""

import json
import os
import re
import secrets
import subprocess
import sys
from html import unescape

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model

from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory
from tests.integration.conftest import ROOT, free_port, wait_for

PASSWORD = "provider-password-123"
CLIENT_ID = "align-test-client"
PROVIDER_USERS = [
    # alice manages Platform; bob's provider has not verified his address; carol left (deactivated in Align);
    # dave is not in Align at all; erin only answers surveys; ada is an admin.
    {"username": "alice", "email": "Alice@Example.com", "email_verified": True},
    {"username": "bob", "email": "bob@example.com", "email_verified": False},
    {"username": "carol", "email": "carol@example.com", "email_verified": True},
    {"username": "dave", "email": "dave@example.com", "email_verified": True},
    {"username": "erin", "email": "erin@example.com", "email_verified": True},
    {"username": "ada", "email": "ada@example.com", "email_verified": True},
]

pytestmark = pytest.mark.django_db(transaction=True)


class LoopbackCookieJar(requests.cookies.RequestsCookieJar):
    """Keep Secure cookies for plain-HTTP loopback addresses, as browsers do (loopback is a secure context):
    Align's session and CSRF cookies are Secure outside DEBUG."""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


def browser() -> requests.Session:
    session = requests.Session()
    session.cookies = LoopbackCookieJar()
    return session


def form_fields(html: str) -> dict[str, str]:
    """Return the hidden inputs of a page's forms (CSRF token, next)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


@pytest.fixture(scope="module")
def provider(tmp_path_factory, live_server):
    """The provider process, serving on a free port; its discovery document says where everything is."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}/o"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    secret = secrets.token_urlsafe(32)
    folder = tmp_path_factory.mktemp("oidc_provider")
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}},
        "PYTHONUNBUFFERED": "1",
        "TEST_OP_ISSUER": issuer,
        "TEST_OP_RSA_KEY": pem.decode(),
        "TEST_OP_DATABASE": str(folder / "provider.sqlite3"),
        "TEST_OP_USERS": json.dumps([{**user, "password": PASSWORD} for user in PROVIDER_USERS]),
        "TEST_OP_CLIENT": json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": secret,
                "redirect_uri": f"{live_server.url}/oidc/callback/",
                "post_logout_redirect_uri": f"{live_server.url}/accounts/login/",
            }
        ),
    }
    log = folder / "provider.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )

    def discovery():
        if process.poll() is not None:
            pytest.fail(f"the OIDC provider exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            return requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).json()
        except requests.RequestException:
            return None

    try:
        config = wait_for(discovery, timeout=60, what="the OIDC provider to serve its discovery document")
        yield {"issuer": issuer, "secret": secret, "config": config, "url": f"http://127.0.0.1:{port}"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print("---- provider log (tail) ----\n" + log.read_text()[-4000:])


@pytest.fixture
def sso(settings, provider):
    """Align configured for the provider, as the OIDC_* environment variables configure it."""
    config = provider["config"]
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = provider["secret"]
    settings.OIDC_OP_ISSUER = config["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = config["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = config["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = config["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = config["jwks_uri"]
    settings.OIDC_OP_LOGOUT_ENDPOINT = config["end_session_endpoint"]
    settings.OIDC_STORE_ID_TOKEN = True
    settings.ALIGN_SSO_PROVIDER_NAME = "Test provider"
    settings.AUTHENTICATION_BACKENDS = ["surveys.logins.AddressModelBackend", "surveys.sso.AlignOIDCBackend"]
    return settings


@pytest.fixture
def people():
    """Align's side: Platform and its manager alice, carol (deactivated), erin (a member), ada (an admin)."""
    platform = TeamFactory(name="Platform")
    PersonFactory(email="alice@example.com", name="Alice", team=platform, role=Person.Role.MANAGER)
    Person.objects.get(email="alice@example.com").managed_teams.set([platform])
    PersonFactory(email="bob@example.com", name="Bob", team=platform, role=Person.Role.MANAGER)
    PersonFactory(email="carol@example.com", name="Carol", team=platform, role=Person.Role.MANAGER, is_active=False)
    PersonFactory(email="erin@example.com", name="Erin", team=platform)
    PersonFactory(email="ada@example.com", name="Ada", team=platform, role=Person.Role.ADMIN)
    return platform


def sign_in(session: requests.Session, live_server, username: str, *, start: str = "/accounts/login/"):
    """Press "Sign in with Test provider" on Align's login page and sign in on the provider's page; return the
    response Align ends on."""
    login_page = session.get(f"{live_server.url}{start}")
    assert "Sign in with Test provider" in login_page.text
    form = re.search(r'<form method="get" action="([^"]+)">(.*?)</form>', login_page.text, re.DOTALL)
    provider_page = session.get(f"{live_server.url}{form.group(1)}", params=form_fields(form.group(2)))
    assert "Test provider" in provider_page.text and provider_page.url.startswith("http://127.0.0.1:")
    fields = form_fields(provider_page.text) | {"username": username, "password": PASSWORD}
    return session.post(provider_page.url, data=fields, headers={"Referer": provider_page.url})


def test_a_manager_with_a_verified_address_lands_on_their_teams_as_after_a_password_login(live_server, sso, people):
    # given alice, who manages Platform and has no Align login yet
    session = browser()

    # when she signs in through the provider (which spells her address in capitals)
    landed = sign_in(session, live_server, "alice")

    # then she is where a manager's password login lands, her team listed, with a login made for her
    assert landed.status_code == 200
    assert landed.url == f"{live_server.url}/reports/"
    assert "Platform" in landed.text and "Log out" in landed.text
    user = Person.objects.get(email="alice@example.com").user
    assert user.username == "alice@example.com" and not user.has_usable_password()
    # and a second sign-in uses the same login
    assert sign_in(browser(), live_server, "alice").url == f"{live_server.url}/reports/"
    assert get_user_model().objects.filter(username__iexact="alice@example.com").count() == 1


def test_an_admin_signs_in_to_the_admin_pages_they_asked_for(live_server, sso, people):
    session = browser()
    landed = sign_in(session, live_server, "ada", start="/accounts/login/?next=/manage/")
    assert landed.status_code == 200
    assert landed.url == f"{live_server.url}/manage/"


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("dave", "Align has no one with the address dave@example.com. Ask an Align admin to add you."),
        ("bob", "Your sign-in provider has not verified the address bob@example.com"),
        ("carol", "The Align account for carol@example.com has been deactivated."),
        ("erin", "Align gives logins to managers, leaders and admins. Your survey links work without logging in."),
    ],
    ids=["unknown address", "unverified address", "deactivated person", "member without a login"],
)
def test_a_sign_in_align_cannot_accept_ends_on_the_login_page_saying_why(live_server, sso, people, username, message):
    session = browser()
    landed = sign_in(session, live_server, username)
    assert landed.url == f"{live_server.url}/accounts/login/"
    assert message in unescape(landed.text)
    assert session.get(f"{live_server.url}/reports/", allow_redirects=False).status_code == 302  # not logged in
    assert not get_user_model().objects.filter(username__iexact=f"{username}@example.com").exists()


def test_an_active_manager_whose_login_was_deactivated_is_refused(live_server, sso, people):
    alice = Person.objects.get(email="alice@example.com")
    alice.user = get_user_model().objects.create_user("alice@example.com", email="alice@example.com", is_active=False)
    alice.save()
    landed = sign_in(browser(), live_server, "alice")
    assert landed.url == f"{live_server.url}/accounts/login/"
    assert "The Align login for alice@example.com has been deactivated." in unescape(landed.text)


def test_logging_out_ends_the_align_session_and_the_providers(live_server, sso, people, provider):
    # given alice signed in through the provider
    session = browser()
    home = sign_in(session, live_server, "alice")
    assert session.get(f"{provider['url']}/whoami/").text == "alice"

    # when she presses "Log out"
    csrf = form_fields(home.text)["csrfmiddlewaretoken"]
    landed = session.post(f"{live_server.url}/accounts/logout/", data={"csrfmiddlewaretoken": csrf})

    # then the provider ended its session (end_session_endpoint) and sent her back to Align's login page
    assert landed.url == f"{live_server.url}/accounts/login/"
    assert session.get(f"{provider['url']}/whoami/").text == "anonymous"
    assert session.get(f"{live_server.url}/reports/", allow_redirects=False).status_code == 302


def test_without_password_login_only_single_sign_on_is_offered_and_passwords_are_refused(live_server, sso, people):
    # given password login turned off, and alice holding a password
    sso.ALIGN_PASSWORD_LOGIN = False
    sso.AUTHENTICATION_BACKENDS = ["surveys.sso.AlignOIDCBackend"]
    user = get_user_model().objects.create_user("alice@example.com", password="correct horse battery staple")
    Person.objects.filter(email="alice@example.com").update(user=user)
    session = browser()

    # then the login page has no password form, and a password POSTed to it is refused
    page = session.get(f"{live_server.url}/accounts/login/")
    assert 'type="password"' not in page.text and "Sign in with Test provider" in page.text
    posted = session.post(
        f"{live_server.url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": session.cookies.get("csrftoken"),
            "username": "alice@example.com",
            "password": "correct horse battery staple",
        },
    )
    assert posted.status_code == 403
    assert session.get(f"{live_server.url}/reports/", allow_redirects=False).status_code == 302
    # nor do the Django admin's login or the password reset take one
    admin_login = session.get(f"{live_server.url}/admin/login/?next=/admin/", allow_redirects=False)
    assert admin_login.status_code == 302 and admin_login.headers["Location"].startswith("/accounts/login/")
    assert session.get(f"{live_server.url}/accounts/password_reset/").status_code == 404

    # and single sign-on still works
    assert sign_in(session, live_server, "alice").url == f"{live_server.url}/reports/"
