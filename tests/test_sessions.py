"""A copy of the database logs nobody in: sessions are stored under a hash of the cookie's key."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from alignsite.sessions import stored_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_a_session_row_cannot_be_turned_back_into_a_working_cookie(client):
    # given: Ada logged in
    UserFactory(username="ada@example.com", is_staff=True, is_superuser=True)
    assert client.post(reverse("login"), {"username": "ada@example.com", "password": PASSWORD}).status_code == 302
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    (row,) = Session.objects.all()
    # then: the row is stored under a hash of the cookie, not the cookie
    assert row.session_key == stored_key(cookie) != cookie
    assert client.get(reverse("feedback:home")).status_code == 200
    # and a thief who sets the row's key as their cookie is not logged in
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = row.session_key
    assert thief.get(reverse("feedback:home")).status_code == 302
    # and logging out removes the row
    client.post(reverse("logout"))
    assert not Session.objects.exists()


def test_a_new_login_gets_a_new_row_and_the_old_one_is_gone(client):
    UserFactory(username="ada@example.com")
    client.post(reverse("login"), {"username": "ada@example.com", "password": PASSWORD})
    first = Session.objects.get().session_key
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "ada@example.com", "password": PASSWORD})
    assert list(Session.objects.values_list("session_key", flat=True)) != [first]
    assert Session.objects.count() == 1
