"""Logging in: a login is locked after repeated failures, even for the right password, and only that login."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_login_is_locked_after_five_failures_even_for_the_right_password(client):
    UserFactory(username="alice@example.com")
    for _ in range(5):
        assert attempt(client, "alice@example.com", "guess").status_code == 200
    response = attempt(client, "Alice@Example.com ", PASSWORD)
    assert response.status_code == 429 and "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_login_is_not_affected_and_a_success_before_the_limit_works(client):
    UserFactory(username="alice@example.com")
    UserFactory(username="bob@example.com")
    for _ in range(5):
        attempt(client, "alice@example.com", "guess")
    assert attempt(client, "bob@example.com", PASSWORD).status_code == 302
    client.logout()
    cache.clear()  # the window has passed
    for _ in range(4):
        attempt(client, "alice@example.com", "guess")
    assert attempt(client, "alice@example.com", PASSWORD).status_code == 302


def test_a_full_width_spelling_of_a_locked_login_is_locked_too(client):
    # Django's login form folds Unicode compatibility characters (NFKC): "ｋim" logs in as "kim".
    UserFactory(username="kim@example.com")
    for _ in range(5):
        attempt(client, "kim@example.com", "guess")
    response = attempt(client, "ｋim@example.com", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


# Spellings Django's login form turns into the same name: compatibility forms (NFKC), padding, and the case
# changes the count merges on top.
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
MATHEMATICAL_BOLD = {chr(ord("a") + i): chr(0x1D41A + i) for i in range(26)}


@st.composite
def spellings(draw, name: str) -> str:
    out = []
    for char in name:
        form = draw(st.sampled_from(["same", "full width", "bold", "upper"]))
        out.append(
            {"full width": FULL_WIDTH.get(char), "bold": MATHEMATICAL_BOLD.get(char), "upper": char.upper()}.get(form)
            or char
        )
    padding = st.sampled_from(["", " ", "\t", "\u3000"])
    return draw(padding) + "".join(out) + draw(padding)


@settings(max_examples=150, deadline=None)
@given(spelling=spellings("kim@example.com"))
def test_any_two_names_that_log_in_to_one_account_share_one_count(spelling):
    from django.contrib.auth.forms import AuthenticationForm

    from surveys.selectors import login_attempts_name

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):  # fast
        kim = get_user_model().objects.get_or_create(username="kim@example.com")[0]
        kim.set_password(PASSWORD)
        kim.save()
        form = AuthenticationForm(data={"username": spelling, "password": PASSWORD})
        logs_in = form.is_valid()
    if logs_in:
        assert form.get_user() == kim
        assert login_attempts_name(username=spelling) == login_attempts_name(username="kim@example.com")


def test_a_name_holding_a_null_character_is_refused_like_any_wrong_name(client):
    # PostgreSQL's text cannot hold one: looking it up used to answer 500.
    assert attempt(client, "kim\x00@example.com", PASSWORD).status_code == 200


def test_the_cache_keys_of_counts_cannot_be_undone_by_hashing_guesses(client, settings):
    import hashlib

    from alignsite.attempts import attempts_key

    attempt(client, "kim@example.com", "guess")
    keys = [key for key in cache._cache if "align:attempts:login:" in key]
    assert len(keys) == 1
    for guess in ["kim@example.com", "login:kim@example.com"]:
        assert hashlib.sha256(guess.encode()).hexdigest() not in keys[0]
    first = attempts_key("login", "kim@example.com")
    settings.SECRET_KEY = "another-secret-key-0123456789abcdefghijklmnopqrstuvwxyz0123"
    assert attempts_key("login", "kim@example.com") != first
