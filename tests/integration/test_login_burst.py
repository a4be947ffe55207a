"""A burst of simultaneous password guesses against one login gets exactly the allowed number tried."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
GUESSES = 20


def test_twenty_simultaneous_guesses_get_five_tried_and_the_login_locked(settings):
    # Threads of one process share the test cache, whose increments are atomic (in production Redis's INCR is).
    cache.clear()
    UserFactory(username="alice@example.com")

    def guess(number: int) -> int:
        try:
            return Client().post(reverse("login"), {"username": "alice@example.com", "password": f"guess {number}"})
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        statuses = sorted(response.status_code for response in pool.map(guess, range(GUESSES)))
    assert statuses == [200] * settings.ALIGN_LOGIN_FAILURES + [429] * (GUESSES - settings.ALIGN_LOGIN_FAILURES)
    right = {"username": "alice@example.com", "password": "correct horse battery staple"}
    assert Client().post(reverse("login"), right).status_code == 429
    cache.clear()
