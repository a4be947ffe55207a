"""Asking for a password reset: the request looks the same for every address; the worker sends the link.

Alice has a login, Bob's login is inactive, Charlie has none, and Dora was given a login but never chose a
password (Align creates logins with an unusable password).
"""

import re
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys import emails, services, tasks
from tests.factories import PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://\S+/accounts/reset/\S+/")


@pytest.fixture
def logins():
    UserFactory(username="alice@example.com")
    UserFactory(username="bob@example.com", is_active=False)
    dora = UserFactory(username="dora@example.com")
    dora.set_unusable_password()
    dora.save()


def reset_request(client, capture_on_commit, email):
    """Post the reset form for `email`; return the response, the SQL it ran (address masked) and the tasks."""
    calls = []
    task = tasks.password_reset_email_send_task
    with (
        mock.patch.object(task, "delay", lambda *a, **kw: calls.append(("delay", a, kw))),
        mock.patch.object(task, "apply_async", lambda *a, **kw: calls.append(("apply_async", a, kw))),
        CaptureQueriesContext(connection) as queries,
        capture_on_commit(execute=True),
    ):
        response = client.post(reverse("password_reset"), {"email": email})
    sql = [query["sql"].replace(email, "<email>") for query in queries.captured_queries]
    shape = [(method, [type(arg) for arg in args], sorted(kwargs)) for method, args, kwargs in calls]
    return response, sql, calls, shape


def test_every_address_makes_the_same_queries_and_queues_the_same_task(
    client, logins, django_capture_on_commit_callbacks
):
    # given Alice's active login, Bob's inactive one, Charlie without any and Dora without a password
    addresses = ["alice@example.com", "bob@example.com", "charlie@example.com", "dora@example.com"]

    # when each asks for a reset
    seen = {email: reset_request(client, django_capture_on_commit_callbacks, email) for email in addresses}

    # then each gets the same redirect, runs the same SQL and queues one task with just the address
    for email, (response, sql, calls, shape) in seen.items():
        assert response.status_code == 302 and response.url == reverse("password_reset_done")
        assert sql == seen["alice@example.com"][1]
        assert not any("auth_user" in statement for statement in sql)
        assert shape == [("delay", [str], [])]
        assert calls == [("delay", (email,), {})]
    assert mail.outbox == []


def test_only_the_active_login_gets_one_email_whose_link_opens_the_set_password_form(
    client, logins, mailoutbox, django_capture_on_commit_callbacks
):
    # when every address asks for a reset, the task running eagerly
    for email in ["Alice@Example.com", "bob@example.com", "charlie@example.com"]:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("password_reset"), {"email": email})

    # then only Alice, at her stored address, is emailed
    (message,) = mailoutbox
    assert message.to == ["alice@example.com"]
    link = LINK.search(message.body).group(0)
    visitor = type(client)()
    form_page = visitor.get(urlsplit(link).path, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    assert 'name="new_password1"' in form_page.content.decode()
    password = "a long and unusual passphrase 42"
    done = visitor.post(form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    assert visitor.login(username="alice@example.com", password=password)


def test_a_login_that_never_chose_a_password_can_ask_for_a_new_link(
    client, logins, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "dora@example.com"})

    (message,) = mailoutbox
    form_page = client.get(urlsplit(LINK.search(message.body).group(0)).path, follow=True)
    assert form_page.context["validlink"]


def test_the_link_points_at_site_url_whatever_host_the_request_named(
    client, logins, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://align.example.org"
    settings.ALLOWED_HOSTS = ["attacker.example"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "alice@example.com"}, HTTP_HOST="attacker.example")

    (message,) = mailoutbox
    assert LINK.search(message.body).group(0).startswith("https://align.example.org/accounts/reset/")
    assert "attacker.example" not in message.body + message.subject


def test_an_invalid_address_is_refused_without_queueing_anything(client, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.password_reset_email_send_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("password_reset"), {"email": "not an address"})
    assert response.status_code == 200 and response.context["form"].errors
    delay.assert_not_called()


def test_a_mail_server_failure_is_raised_so_the_task_retries_it(logins, settings):
    # Django's own form logs and swallows the failure; the task must see it to retry
    settings.EMAIL_BACKEND = "tests.surveys.failing_email.FailingBackend"
    with pytest.raises(ConnectionError):
        emails.password_reset_email_send(email="alice@example.com")
    assert ConnectionError in tasks.password_reset_email_send_task.autoretry_for


def test_granting_a_login_sends_its_email_from_a_task_after_commit(django_capture_on_commit_callbacks):
    bo = PersonFactory(email="bo@example.com", team=TeamFactory())
    with mock.patch.object(tasks.login_email_send_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.person_login_grant(person_id=bo.id)
        delay.assert_not_called()
        assert mail.outbox == []
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(get_user_model().objects.get(username="bo@example.com").pk)


def test_an_opened_link_leaves_its_token_on_the_device_not_in_the_database(logins, client):
    # given: Alice's emailed link
    emails.password_reset_email_send(email="alice@example.com")
    link = urlsplit(LINK.search(mail.outbox[-1].body).group(0)).path
    token = link.rstrip("/").split("/")[-1]
    # when: she opens it (and a link scanner or a slow afternoon leaves it unused)
    response = client.get(link)
    form_path = response["Location"]
    # then: no session row, nor any other row, holds the token: a database reader cannot use it
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - names from the catalogue
            assert token not in repr(cursor.fetchall()), table
    from django.contrib.sessions.models import Session

    assert not any("_password_reset_token" in s.get_decoded() for s in Session.objects.all())
    # the cookie holding it is signed, HttpOnly and scoped to this link's path
    cookie = response.cookies["align_password_reset"]
    assert cookie["httponly"] and cookie["path"] == link[: link.rindex(token)]
    # and the form works only with the cookie: a stranger with the form's address gets the invalid-link page
    assert "new_password1" not in get_client_without_cookies().get(form_path).content.decode()
    page = client.post(form_path, {"new_password1": "a fresh long pass 42", "new_password2": "a fresh long pass 42"})
    assert page.status_code == 302
    assert get_user_model().objects.get(username="alice@example.com").check_password("a fresh long pass 42")
    assert client.get(link).status_code == 200  # spent: the invalid-link page, no redirect


def get_client_without_cookies():
    from django.test import Client

    return Client()
