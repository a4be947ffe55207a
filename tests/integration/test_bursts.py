"""Bursts of simultaneous attempts against the limits, counted in Redis as in production."""

import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from surveys import services
from surveys.models import Invitation
from tests.factories import CycleFactory, PersonFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
BURST = 20


@pytest.fixture
def redis_cache(settings):
    """The production cache backend on this run's Redis, in a database of its own (clearing one flushes it)."""
    location = urlsplit(os.environ["REDIS_URL"])._replace(path="/15").geturl()
    settings.CACHES = settings.CACHES | {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    }
    cache.clear()
    yield
    cache.clear()


def burst(request, count: int) -> list[int]:
    """Send `count` requests at once from threads (each with its own connection); return sorted statuses."""

    def send(number: int) -> int:
        try:
            return request(number).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return sorted(pool.map(send, range(count)))


def test_twenty_simultaneous_guesses_get_five_tried_and_the_login_locked(settings, redis_cache):
    UserFactory(username="alice@example.com")
    guess = {"username": "alice@example.com"}
    statuses = burst(lambda n: Client().post(reverse("login"), guess | {"password": f"guess {n}"}), BURST)
    assert statuses == [200] * settings.ALIGN_LOGIN_FAILURES + [429] * (BURST - settings.ALIGN_LOGIN_FAILURES)
    right = guess | {"password": "correct horse battery staple"}
    assert Client().post(reverse("login"), right).status_code == 429


def test_a_burst_of_link_guesses_gets_exactly_the_limit_tried_and_real_links_cost_nothing(settings, redis_cache):
    settings.ALIGN_TOKEN_GUESS_RATE = "5/h"
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    links = [services.invitation_link_issue(invitation_id=i.id) for i in Invitation.objects.filter(cycle=cycle)]

    # five people open their real links at once from one office address: all work, and each is given back
    assert burst(lambda n: Client().get(f"/s/{links[n]}/"), 5) == [302] * 5
    # so twenty guesses at once still get exactly five looked up (404), the rest refused unlooked (429)
    statuses = burst(lambda n: Client().get(f"/s/guess-{n:02d}-{'x' * 30}/"), BURST)
    assert statuses == [404] * 5 + [429] * (BURST - 5)
    # and from then on even a real link is refused from that address
    assert Client().get(f"/s/{links[0]}/").status_code == 429
