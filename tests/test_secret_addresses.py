"""Every page whose address holds a secret is sent with `Cache-Control: no-store` and `Referrer-Policy: no-referrer`
(attack finding L4: the members' results page, /reports/results/<key>/, had neither).

The test walks the URLconf: every route with an argument named as a secret (alignsite.secret_addresses.
SECRET_ARGUMENTS) must have a way to fill it below, with a working secret and a wrong one, so a new route with a
secret in its address cannot escape the check. Each is requested as its visitor would, and every answer — the
redirect a working link gives, the page a wrong one gives, a refused method — must carry both headers.
"""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from alignsite.secret_addresses import SECRET_ARGUMENTS
from feedback.selectors import team_results_key
from surveys import services
from surveys.models import Invitation
from tests.factories import CycleFactory, PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def routes(patterns=None, prefix: str = ""):
    """Yield (route, argument names) for every URL pattern of the URLconf, includes followed."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            names = set(getattr(pattern.pattern, "converters", {})) or set(pattern.pattern.regex.groupindex)
            yield route, names


def secret_routes() -> set[str]:
    return {route for route, names in routes() if names & SECRET_ARGUMENTS}


def fill(route: str, **values: str) -> str:
    path = route
    for name, value in values.items():
        path = path.replace(f"<str:{name}>", value).replace(f"<{name}>", value)
    assert "<" not in path, f"{route}: an argument left unfilled"
    return "/" + path


@pytest.fixture
def secrets():
    """A working and a wrong value for each secret argument, by route."""
    platform = TeamFactory(name="Platform")
    PersonFactory.create_batch(6, team=platform)
    cycle = CycleFactory(teams=[platform])
    services.cycle_open(cycle_id=cycle.id)
    services.invitations_send_batch(cycle_id=cycle.id, batch_size=100)
    invitation = Invitation.objects.filter(cycle=cycle).order_by("id").first()
    token = services.invitation_link_issue(invitation_id=invitation.id)
    user = UserFactory(username="maria@example.com", email="maria@example.com")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reset = {"uidb64": uid, "token": default_token_generator.make_token(user)}
    return {
        "s/<str:token>/": [{"token": token}, {"token": "x" * 43}],
        "reports/results/<str:key>/": [{"key": team_results_key(team_id=platform.pk)}, {"key": "wrong"}],
        "accounts/reset/<uidb64>/<token>/": [reset, {**reset, "token": "1-wrong"}, {"uidb64": "x", "token": "y"}],
    }


def test_every_route_with_a_secret_in_its_address_is_checked_here(secrets):
    # A new route with a secret argument fails here until it is added to `secrets` (and sends the headers).
    shadowed = {"reset/<uidb64>/<token>/"}  # django.contrib.auth.urls' own, behind Align's accounts/reset/…
    unchecked = {route.removeprefix("accounts/") for route in secret_routes()} - {
        route.removeprefix("accounts/") for route in secrets
    }
    assert unchecked <= shadowed, unchecked
    assert set(secrets) <= secret_routes()


@pytest.mark.parametrize("method", ["get", "head", "post"])
def test_every_answer_of_a_secret_address_is_not_stored_and_names_no_referrer(secrets, method):
    for route, cases in secrets.items():
        for values in cases:
            answer = getattr(Client(), method)(fill(route, **values))
            where = f"{method.upper()} {route} {values} → {answer.status_code}"
            assert "no-store" in answer.get("Cache-Control", ""), where
            assert answer.get("Referrer-Policy") == "no-referrer", where


def test_working_links_answer_as_before_with_the_headers(secrets):
    # given: the working values
    survey, results, reset = (cases[0] for cases in secrets.values())
    # then: the survey link and the reset link move to an address without the secret, the results page shows
    assert Client().get(fill("s/<str:token>/", **survey)).status_code == 302
    assert Client().get(fill("reports/results/<str:key>/", **results)).status_code == 200
    moved = Client().get(fill("accounts/reset/<uidb64>/<token>/", **reset))
    assert moved.status_code == 302 and moved["Location"].endswith("/set-password/")
    # the form page behind it holds no token and posts a form: it keeps the site's same-origin policy
    # (no-referrer would make browsers send `Origin: null`, which CSRF protection refuses), still not stored
    browser = Client()
    browser.get(fill("accounts/reset/<uidb64>/<token>/", **reset))
    form = browser.get(moved["Location"])
    assert form.status_code == 200 and "no-store" in form["Cache-Control"]
    assert form["Referrer-Policy"] == "same-origin"


def test_the_page_showing_a_new_api_token_once_is_not_stored(client):
    admin = UserFactory(username="ada@example.com", is_superuser=True, is_staff=True)
    client.force_login(admin)
    shown = client.post("/manage/api-tokens/", {"name": "CI", "scope": "ingest"})
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
