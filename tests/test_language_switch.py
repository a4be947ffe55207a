"""The respondent's language switcher: plain links that set the language cookie and go back, keeping the survey's
one-time link usable, storing nothing, and never sending anyone off the site."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys import services
from surveys.models import AnsweredMarker, Response
from tests.factories import CycleFactory, PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    """A working survey link of an open cycle of Platform."""
    platform = TeamFactory(name="Platform")
    PersonFactory.create_batch(3, team=platform)
    cycle = CycleFactory(teams=[platform])
    services.cycle_open(cycle_id=cycle.id)
    services.invitations_send_batch(cycle_id=cycle.id, batch_size=100)
    invitation = cycle.invitations.order_by("id").first()
    return services.invitation_link_issue(invitation_id=invitation.id)


def switch(client, code: str, back: str):
    return client.get(reverse("language"), {"language": code, "next": back})


def test_switching_on_the_survey_page_shows_it_in_the_language_and_keeps_the_link_usable(client, token):
    # given a respondent on the survey page, in English
    client.get(reverse("surveys:invitation", kwargs={"token": token}))
    page = client.get(reverse("surveys:answer")).content.decode()
    assert '<html lang="en-gb">' in page and "Send my answers" in page
    assert 'href="/language/?language=de&amp;next=%2Fsurvey%2F" lang="de" hreflang="de">Deutsch</a>' in page

    # when they choose Deutsch, writing nothing on the way
    with CaptureQueriesContext(connection) as queries:
        moved = switch(client, "de", reverse("surveys:answer"))

    # then they are back on the same page, in German, and the link has not been used
    assert moved.status_code == 302 and moved["Location"] == reverse("surveys:answer")
    assert moved.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de" and queries.captured_queries == []
    again = client.get(reverse("surveys:answer"))
    german = again.content.decode()
    assert again.status_code == 200 and '<html lang="de">' in german
    assert "Meine Antworten senden" in german and 'aria-current="true">Deutsch' in german
    assert not Response.objects.exists() and not AnsweredMarker.objects.exists()


@pytest.mark.parametrize("code", ["xx", "", "de-at", "EN-GB"])
def test_a_language_not_offered_sets_no_cookie(client, code):
    moved = switch(client, code, "/survey/")
    assert moved.status_code == 302 and settings.LANGUAGE_COOKIE_NAME not in moved.cookies


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_the_switcher_never_sends_anyone_off_the_site(client, back):
    moved = switch(client, "fr", back)
    assert moved.status_code == 302 and moved["Location"] == "/"


def test_the_language_cookie_is_a_preference_kept_on_the_device_only(client):
    cookie = switch(client, "es", "/").cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE


def test_each_language_is_named_in_itself_whatever_the_pages_language(client, token):
    client.get(reverse("surveys:invitation", kwargs={"token": token}))
    switch(client, "de", reverse("surveys:answer"))
    page = client.get(reverse("surveys:answer")).content.decode()
    for code, name in [("en-gb", "British English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]:
        assert f'lang="{code}" hreflang="{code}"' in page and f">{name}</a>" in page
    assert "Englisch" not in page


def test_choosing_a_language_on_a_page_reached_by_a_links_language_holds(client):
    # given a page whose address carries a survey link's language (a used link's message page)
    back = "/s/abc/?lang=de&x=1"
    # when the reader chooses French there
    moved = switch(client, "fr", back)
    # then they go back without the link's language, so the French cookie holds
    assert moved["Location"] == "/s/abc/?x=1" and moved.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_the_question_markup_is_cached_in_the_process_never_where_a_reader_could_time_it(client, token, monkeypatch):
    # given the shared cache watched for anything written
    from django.core.cache import caches

    written = []
    shared = caches["default"]
    for method in ("set", "add", "set_many"):
        original = getattr(shared, method)
        monkeypatch.setattr(shared, method, lambda *a, _o=original, **k: written.append(a[0]) or _o(*a, **k))
    # when the survey page is shown in German, the first time for its questions
    client.get(reverse("surveys:invitation", kwargs={"token": token}) + "?lang=de")
    page = client.get(reverse("surveys:answer"))
    # then its markup went to the process's own cache only
    assert page.status_code == 200 and '<html lang="de">' in page.content.decode()
    assert not [key for key in written if "survey-numbered-questions" in str(key)]
    assert caches["survey-markup"]._cache and all(
        "survey-numbered-questions" in k for k in caches["survey-markup"]._cache
    )


def test_the_password_reset_form_names_its_field_in_the_readers_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    page = client.get(reverse("password_reset")).content.decode()
    assert "E-Mail-Adresse" in page and ">Email:<" not in page
