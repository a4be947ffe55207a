"""The survey in another language, in Chromium: chosen from the switcher on the page, read in that language by the
page and its script, and free of WCAG 2.2 A/AA violations (axe-core) in every state, as the English one is."""

import re

import pytest

from surveys.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The language's name in the switcher, its submit button, and the progress line after one answer.
LANGUAGES = {
    "de": ("Deutsch", "Meine Antworten senden", re.compile(r"^1 von \d+ beantwortet$")),
    "fr": ("Français", "Envoyer mes réponses", re.compile(r"^Répondu : 1 sur \d+$")),
    "es": ("Español", "Enviar mis respuestas", re.compile(r"^1 de \d+ respondidas$")),
}


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_respondent_switches_language_and_answers_in_it_without_violations(
    page, link, code, accessibility_violations
):
    name, send, one_answered = LANGUAGES[code]
    # given the survey opened from its link, in English
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "en-gb"

    # when the respondent picks their language from the switcher
    page.get_by_role("navigation", name="Language").get_by_role("link", name=name).click()

    # then the same survey shows in it, switcher included, the link still usable, with no violation
    page.wait_for_selector(f'html[lang="{code}"]')
    assert page.url.endswith("/survey/") and page.get_by_role("button", name=send).is_visible()
    assert page.locator(f'nav.languages a[aria-current="true"][lang="{code}"]').inner_text() == name
    assert accessibility_violations(page) == []
    # and the progress line counts in it
    page.get_by_role("group").first.get_by_role("radio").first.check()
    assert one_answered.match(page.locator("#survey-progress-text").inner_text())

    # when sent with answers missing, the errors are in the language and still accessible
    page.get_by_role("button", name=send).click()
    assert page.get_by_role("alert").is_visible() and page.locator("html").get_attribute("lang") == code
    assert accessibility_violations(page) == []

    # and once everything is answered, the thank-you page is in the language too
    for group in page.get_by_role("group").all():
        group.get_by_role("radio").first.check()
    page.get_by_role("button", name=send).click()
    page.wait_for_url(re.compile(r"/survey/thanks/"))
    assert page.locator("html").get_attribute("lang") == code and Response.objects.count() == 1
    assert accessibility_violations(page) == []
