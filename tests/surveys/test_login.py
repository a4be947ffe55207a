"""Logging in: a login is locked after repeated failures, even for the right password, and only that login."""

import pytest
from django.core.cache import cache
from django.urls import reverse

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
