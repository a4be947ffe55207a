import re

import pytest
from django.conf import settings

from surveys.models import Answer, Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_answers_the_survey_in_chromium_and_the_token_leaves_the_address_bar(page, link):
    page.goto(link)
    assert "/s/" not in page.url and page.url.endswith("/survey/")
    assert page.get_by_role("heading", name="Your answers are anonymous").is_visible()
    groups = page.get_by_role("group")
    assert groups.count() == 8
    for index in range(7):
        groups.nth(index).get_by_label("Agree", exact=True).check()
    groups.nth(7).get_by_label("9", exact=True).check()
    page.get_by_label("Is there anything else").fill("Retros feel safe.")
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_role("heading", name="Thank you").is_visible()
    assert Response.objects.count() == 1 and Answer.objects.count() == 8


@pytest.mark.parametrize("width", [320, 390])
def test_a_missing_answer_is_announced_on_screen_with_the_focus_and_the_rest_are_kept(page, link, width):
    # at 320 px the summary was 944 px down, under the anonymity box: the page looked as if nothing happened
    page.set_viewport_size({"width": width, "height": 640})
    page.goto(link)
    groups = page.get_by_role("group")
    for index in range(1, 7):
        groups.nth(index).get_by_label("Disagree", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    alert = page.get_by_role("alert")
    assert "Please check 2 answers" in alert.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    box = alert.bounding_box()
    assert box["y"] >= 0 and box["y"] + 40 <= 640  # its heading is on the first screen
    assert page.get_by_role("group").nth(1).get_by_label("Disagree", exact=True).is_checked()
    assert not Response.objects.exists()


def test_the_survey_can_be_completed_with_the_keyboard_alone(page, link):
    page.goto(link)
    page.keyboard.press("Tab")  # skip link
    for _ in settings.LANGUAGES:
        page.keyboard.press("Tab")  # the language switcher's links
    for _ in range(8):
        page.keyboard.press("Tab")  # into the next radio group (its first option)
        page.keyboard.press("ArrowDown")  # move to, and select, the second option
        page.keyboard.press("ArrowUp")  # back to the first: selected
    page.keyboard.press("Tab")  # the comment box
    page.keyboard.type("Typed with the keyboard.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the submit button
    page.wait_for_url(re.compile(r"/survey/thanks/"))
    assert Response.objects.count() == 1
