"""CSRF is enforced: every URL, posted to without a token by a logged-in admin or a visitor, changes nothing."""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from feedback.models import Action
from surveys.models import Cycle

from .test_access_matrix import MATRIX

pytestmark = pytest.mark.django_db
# Signed by GitHub with a shared secret (HMAC) instead of a browser's token; without the secret it is 503.
# SCIM takes only a bearer token, never a session cookie, so a browser cannot be made to post to it: 401.
EXEMPT = {"webhook-github": 503, "scim:users": 401, "scim:groups": 401}


def snapshot() -> dict:
    """How many rows every model of the app has, and every cycle's state."""
    counts = {
        m._meta.label: m.objects.count()
        for app in ("surveys", "feedback")
        for m in apps.get_app_config(app).get_models()
    }
    return counts | {"states": list(Cycle.objects.order_by("id").values_list("state", flat=True))}


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_a_post_without_a_csrf_token_is_refused_everywhere(world, role):
    client = Client(enforce_csrf_checks=True)
    if role == "admin":
        client.force_login(world["users"]["admin"])
    before = snapshot()
    refused = {}
    for name in MATRIX:
        url = reverse(name, kwargs=world["kwargs"].get(name))
        response = client.post(url, {"text": "An action", "username": "ada@example.com", "password": "x"})
        refused[name] = response.status_code
    expected = {name: EXEMPT.get(name, 403) for name in MATRIX}
    if role == "anonymous":  # the API checks CSRF for sessions; with none, it is unauthenticated
        expected |= {name: 401 for name in MATRIX if name.startswith("api-") and name not in ("api-schema", "api-docs")}
    # a URL that takes no POST at all answers 405 before CSRF matters
    assert {n: s for n, s in refused.items() if s != expected[n] and not (s == 405 and n not in EXEMPT)} == {}
    assert snapshot() == before


def test_the_same_post_with_the_token_goes_through(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["admin"])
    client.get(reverse("feedback:home"))  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    url = reverse("feedback:action_add", kwargs=world["kwargs"]["feedback:action_add"])
    response = client.post(url, {"text": "Blameless retros", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Action.objects.filter(text="Blameless retros").exists()
