"""The respondent's one-time conversation link in Chromium: found without JavaScript, not lost to a second press of
"Send my answers" on a slow network, and first on the thank-you page with a button that copies it."""

import json
import re

import pytest

from feedback.models import ApiToken
from surveys.models import Person, Response
from tests.browser.test_reports import log_in
from tests.factories import TeamFactory, manager_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEY = r"[\w-]{43}"


def fill_in(page, link, comment="Too many priorities, and they change every week."):
    page.goto(link)
    for group in page.get_by_role("group").all():
        group.get_by_role("radio").first.check()
    page.get_by_label("Is there anything else").fill(comment)


def held_posts(page, path: str) -> list:
    """Hold every POST to `path` until the test lets it go, as a slow network would; return the held routes."""
    held = []
    page.route(
        re.compile(re.escape(path) + "$"),
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    return held


def press_twice(page, selector: str) -> None:
    """Press a submit button, and again 300 ms later while the first post is on its way.

    The second press comes from the page itself: while a form's navigation is pending the test cannot drive the
    page. What the button said just after it is kept in sessionStorage, which the next page of the tab reads.
    """
    page.evaluate(
        """selector => {
            const button = document.querySelector(selector);
            button.addEventListener("click", () => setTimeout(() => {
                button.click();
                const shown = [button.textContent, button.getAttribute("aria-disabled")];
                sessionStorage.setItem("pressed again", JSON.stringify(shown));
            }, 300), {once: true});
        }""",
        selector,
    )
    page.locator(selector).click(no_wait_after=True)
    page.wait_for_timeout(800)


def shown_when_pressed_again(page) -> list:
    return json.loads(page.evaluate("sessionStorage.getItem('pressed again')"))


def test_without_javascript_the_thank_you_page_says_the_link_is_its_address(chromium, link):
    context = chromium.new_context(viewport={"width": 375, "height": 667}, java_script_enabled=False)
    page = context.new_page()
    # given a respondent whose browser runs no script: the survey still posts
    fill_in(page, link)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(re.compile(r"/survey/thanks/"))
    # then their key stays in the address bar, and the page says that this address is the link to copy now
    assert re.search(rf"/survey/thanks/\?results=[^#]+#{KEY}$", page.url)
    assert Response.objects.count() == 1
    text = page.inner_text("main")
    assert "If you wrote a comment: copy this page's address now" in text
    assert "in your browser's address bar, is your private conversation link" in text
    assert "It is shown only once" in text and "works once the survey has closed" in text
    assert page.get_by_role("link", name="conversations page").get_attribute("href") == "/conversations/"
    assert page.locator("#conversation").is_hidden()
    context.close()


def test_pressing_send_twice_on_a_slow_network_sends_once_and_keeps_the_link(page, link):
    fill_in(page, link)
    held = held_posts(page, "/survey/")
    # when the respondent presses the button, nothing comes back, and they press it again
    press_twice(page, "form button[type=submit]")
    # then only one submission left the page
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_url(re.compile(r"/survey/thanks/"))
    # and one response is stored, the thank-you page shows the private link, and the button had said it was sending
    assert Response.objects.count() == 1
    assert re.fullmatch(rf".*/conversations/#{KEY}", page.locator("#conversation-link").inner_text())
    assert shown_when_pressed_again(page) == ["Sending…", "true"]
    assert len(held) == 1


def test_a_form_sent_once_still_sends_the_button_that_was_pressed(page, live_server):
    # given a form of two named submit buttons, served from the site so that its policy allows the script
    page.route(
        f"{live_server.url}/a-form/",
        lambda route: route.fulfill(
            content_type="text/html",
            body='<!doctype html><html lang="en"><meta charset="utf-8"><title>Form</title>'
            '<form method="post" action="/sent/" data-submit-once><button name="choice" value="keep">Keep</button>'
            '<button name="choice" value="drop">Drop</button></form>'
            '<script src="/static/align/submit_once.js"></script></html>',
        ),
    )
    held = held_posts(page, "/sent/")
    page.goto(f"{live_server.url}/a-form/")
    # when the second button is pressed twice while the post is on its way
    press_twice(page, "button[value=drop]")
    # then one post went, carrying the pressed button's name and value, and the button said it was sending
    assert [route.request.post_data for route in held] == ["choice=drop"]
    held[0].fulfill(content_type="text/html", body='<!doctype html><html lang="en"><title>Sent</title></html>')
    page.wait_for_url("**/sent/")
    assert shown_when_pressed_again(page) == ["Sending…", "true"]


def test_creating_an_api_token_twice_on_a_slow_network_makes_one_token_whose_secret_is_shown(page, live_server):
    manager_of(TeamFactory(name="Platform"), email="ada@example.com", role=Person.Role.ADMIN)
    log_in(page, live_server, "ada@example.com")
    page.goto(f"{live_server.url}/manage/api-tokens/")
    page.get_by_label("Name").fill("Deploy pipeline")
    held = held_posts(page, "/manage/api-tokens/")
    press_twice(page, "form.stacked button[type=submit]")
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_load_state()
    page.get_by_text("Copy this token now").wait_for()
    token = ApiToken.objects.get()
    assert page.locator("main .promise code").inner_text().startswith(token.prefix)


def test_the_link_comes_first_on_a_phone_and_the_keyboard_copies_it(page, link, live_server, accessibility_violations):
    page.set_viewport_size({"width": 375, "height": 667})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    fill_in(page, link)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(re.compile(r"/survey/thanks/"))
    # then the link is on the first screen, before anything else the page says but its title
    link_shown = page.locator("#conversation-link")
    href = link_shown.get_attribute("href")
    box = link_shown.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 667
    headings = page.locator("main h1, main h2").all_inner_texts()
    assert headings[:2] == ["Thank you", "Your private conversation link"]
    section = page.inner_text("#conversation")
    assert "works once the survey has closed" in section and "shown only once" in section
    # when the respondent copies it with the keyboard
    copy = page.get_by_role("button", name="Copy link")
    copy.focus()
    page.keyboard.press("Enter")
    status = page.locator("#conversation-copied")
    status.filter(has_text="Link copied").wait_for()
    # then the clipboard holds the link, the copy is announced, and no WCAG 2.2 A/AA rule is broken
    assert page.evaluate("navigator.clipboard.readText()") == href
    assert status.get_attribute("role") == "status"
    assert accessibility_violations(page) == []
