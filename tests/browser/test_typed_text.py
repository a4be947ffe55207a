"""Text as Chromium sends it and shows it: a full comment box is accepted, and comments in any script and of any
length are shown whole on a phone."""

import pytest

from feedback.services import scores_aggregate
from surveys.models import Comment, Person
from tests.browser.test_reports import log_in, open_drawn
from tests.factories import TeamFactory, manager_of, opened
from tests.feedback.conftest import run_cycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URL = "https://docs.example.com/d/" + "Xk7Qp2Lm9Tz4Rw8Bn3Vc6Hy1Gf5Js0Da" * 8 + "Xk7Qp2Lm9Tz4Rw8Bn"  # 300 characters
ARABIC = "الاجتماعات الأسبوعية مفيدة، لكننا نحتاج إلى وقت أطول للتخطيط والمراجعة مع الفريق كله."


def test_a_full_comment_box_with_line_breaks_emoji_and_arabic_typed_in_chromium_is_accepted(page, link):
    # given: 2000 code units as the box counts them: 40 lines with an emoji (two units) on each, 39 line breaks
    start = "Retros feel safe 😀 مرحبا "  # 25 characters, 26 code units
    typed = "\n".join([start + "x" * 23] * 39 + [start + "x" * 24])
    assert page.evaluate("(text) => text.length", typed) == 2000 and len(typed) == 1960
    page.goto(link)
    groups = page.get_by_role("group")
    for index in range(7):
        groups.nth(index).get_by_label("Agree", exact=True).check()
    groups.nth(7).get_by_label("9", exact=True).check()
    box = page.get_by_label("Is there anything else")
    # when: typed key by key (Enter for each line break), and then more than the box takes
    box.click()
    page.keyboard.type(typed)
    page.keyboard.type(" one more")
    # then: the box held exactly the limit, and the server takes what the box took
    assert box.input_value() == typed
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_role("heading", name="Thank you").is_visible()
    assert opened(Comment.objects.get()) == typed


@pytest.fixture
def platform(live_server):
    """Platform, whose closed cycle's six answers include a 300-character URL, an Arabic comment and one of two
    lines; Maria manages it."""
    team = TeamFactory(name="Platform")
    comments = [URL, ARABIC, "Two lines:\r\nthe second.", "", "", ""]
    cycle = run_cycle([(team, [{"comment": text} if text else {} for text in comments])])
    scores_aggregate(cycle_id=cycle.id)
    manager_of(team, email="maria@example.com", role=Person.Role.MANAGER)  # after the cycle: not invited
    return team


def test_a_long_unbroken_url_and_an_arabic_comment_are_shown_whole_on_a_phone(
    page, live_server, platform, accessibility_violations
):
    log_in(page, live_server, "maria@example.com")
    open_drawn(page, f"{live_server.url}/reports/teams/{platform.id}/", "team-report-long-comments-390px")
    comments = page.locator("ul.comments li")
    # each comment's text, beside the link to its conversation
    shown = {comments.nth(i).locator(".comment-text").inner_text(): comments.nth(i) for i in range(comments.count())}
    assert URL in shown and ARABIC in shown and "Two lines:\nthe second." in shown  # as written
    for text, item in shown.items():
        box = item.evaluate(
            "(li) => ({scroll: li.scrollWidth, client: li.clientWidth, right: li.getBoundingClientRect().right,"
            " viewport: document.documentElement.clientWidth, direction: getComputedStyle(li).direction})"
        )
        assert box["scroll"] <= box["client"], f"{text[:20]}… overflows its box: {box}"
        assert box["right"] <= box["viewport"], f"{text[:20]}… runs off the screen: {box}"
        assert box["direction"] == ("rtl" if text == ARABIC else "ltr")
    assert accessibility_violations(page) == []
