"""In Chromium (issue #23): a respondent comments and keeps their link; the cycle closes; a manager acknowledges
and replies; the author answers through the link; an admin hides a message; a manager of another team gets a 404
at every step."""

import re

import pytest

from conversations.models import Message, Thread
from feedback.models import ReportAccess
from surveys import services
from surveys.models import Comment, Invitation
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_reports import PASSWORD
from tests.conversations.conftest import answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in(chromium, live_server, email):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/reports/")
    return page


def bob_gets_404_everywhere(bob, live_server, comment_id, message_id=None):
    """Bob manages B: every page and action of A's comment answers him 404, and changes nothing."""
    base = f"{live_server.url}/conversations/comment/{comment_id}/"
    assert bob.goto(base).status == 404
    bob.goto(f"{live_server.url}/reports/")
    token = bob.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    before = Message.objects.count()
    posts = {"reply/": {"text": "Who wrote this?"}, "acknowledge/": {"acknowledgement": "thanks"}, "close/": {}}
    if message_id:
        posts[f"messages/{message_id}/hide/"] = {"note": "x"}
    for path, form in posts.items():
        response = bob.request.post(
            base + path, form={"csrfmiddlewaretoken": token, **form}, headers={"Origin": live_server.url}
        )
        assert response.status == 404, path
    assert bob.goto(f"{live_server.url}/conversations/mine/").status == 404  # no key, no author's page
    assert Message.objects.count() == before


def test_a_conversation_from_comment_to_moderation_in_chromium(
    chromium, page, live_server, org, accessibility_violations
):
    a, b = org["teams"]["a"], org["teams"]["b"]
    from tests.factories import CycleFactory

    cycle = CycleFactory(teams=[org["teams"]["org"]], threshold=3, name="December pulse")
    services.cycle_open(cycle_id=cycle.id)
    first, *others = Invitation.objects.filter(cycle=cycle, team=a).exclude(person__email__in=["alice@example.com"])
    # given: a respondent of A answers in the browser, with a comment
    page.goto(f"{live_server.url}/s/{services.invitation_link_issue(invitation_id=first.id)}/")
    groups = page.get_by_role("group")
    for index in range(groups.count()):
        group = groups.nth(index)
        (group.get_by_label("Agree", exact=True) if group.get_by_label("Agree", exact=True).count() else
         group.get_by_label("8", exact=True)).check()  # fmt: skip
    page.get_by_label("Is there anything else").fill("Too many priorities, and they change every week.")
    page.get_by_role("button", name="Send my answers").click()
    # then: the thank-you page shows the private link once, and its own address no longer holds the key
    link = page.locator("#conversation-link")
    link.wait_for()
    href = link.get_attribute("href")
    assert re.fullmatch(re.escape(live_server.url) + r"/conversations/#[\w-]{43}", href)
    assert "#" not in page.url and "cannot tell anyone it is yours" in page.inner_text("#conversation")
    page.screenshot(path=str(ARTIFACTS / "conversation-thanks.png"), full_page=True)
    assert accessibility_violations(page) == []
    for invitation in others[:4]:
        answer(cycle, invitation)
    for invitation in Invitation.objects.filter(cycle=cycle, team=b)[:5]:
        answer(cycle, invitation)
    page.reload()
    assert page.locator("#conversation").is_hidden()  # shown once
    # the author's link opens nothing while the cycle is open
    page.goto(href)
    assert "opens no conversation" in page.inner_text("main")
    # when: the cycle closes
    services.cycle_close(cycle_id=cycle.id)
    comment = Comment.objects.get(cycle=cycle)
    bob = logged_in(chromium, live_server, "bob@example.com")
    bob_gets_404_everywhere(bob, live_server, comment.id)
    # the author opens their link: the page posts the key and shows their comment
    page.goto(href)
    page.wait_for_url("**/conversations/mine/")
    assert "Too many priorities" in page.inner_text("main") and "No messages yet" in page.inner_text("main")
    # Alice, A's manager, finds the comment in her report, acknowledges it and replies
    alice = logged_in(chromium, live_server, "alice@example.com")
    alice.goto(f"{live_server.url}/reports/teams/{a.id}/")
    alice.get_by_role("link", name="Reply or acknowledge").click()
    alice.get_by_role("button", name="We're looking into it").click()
    alice.get_by_label("Reply to the author").fill("Which changes hurt most?")
    alice.get_by_role("button", name="Send reply").click()
    assert "Which changes hurt most?" in alice.inner_text("main")
    assert accessibility_violations(alice) == []
    bob_gets_404_everywhere(bob, live_server, comment.id)
    # the author sees both, as new since their last visit, and answers
    page.reload()
    main = page.inner_text("main")
    assert "Which changes hurt most?" in main and "We're looking into it" in main and "(Manager)" in main
    assert "2 new messages since your last visit" in main
    assert accessibility_violations(page) == []
    page.get_by_label("Answer, as the author").fill("The ones in the middle of a sprint.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/conversations/mine/")
    assert "0 new messages" in page.inner_text("main")  # the browser remembers what it showed
    alice.reload()
    assert "The ones in the middle of a sprint." in alice.inner_text("main") and "The author" in alice.inner_text(
        "main"
    )
    authored = Message.objects.get(side="author")
    bob_gets_404_everywhere(bob, live_server, comment.id, authored.id)
    # an admin hides the author's message with a note
    ada = logged_in(chromium, live_server, "ada@example.com")
    ada.goto(f"{live_server.url}/conversations/comment/{comment.id}/")
    ada.get_by_label("Hide this message").last.fill("Names a colleague")
    ada.get_by_role("button", name="Hide message").last.click()
    assert "Hidden by an admin: Names a colleague" in ada.inner_text("main")
    assert ReportAccess.objects.filter(report="conversation:hide", user=org["users"]["ada"]).count() == 1
    page.reload()
    assert "Hidden by an admin: Names a colleague" in page.inner_text("main")
    assert "middle of a sprint" not in page.inner_text("main")
    bob_gets_404_everywhere(bob, live_server, comment.id, authored.id)
    # the results page counts it: "you said, we heard" (once published)
    services.cycle_publish(cycle_id=cycle.id)
    alice.goto(f"{live_server.url}/reports/teams/{a.id}/")
    assert "You said, we heard: 1 of 1 comment got a reply" in alice.inner_text("main")
    assert Thread.objects.get().state == Thread.State.OPEN
    for context_page in (bob, alice, ada):
        context_page.context.close()


def test_a_reply_or_an_action_pressed_twice_on_a_slow_network_is_written_once(chromium, live_server, commented):
    from feedback.models import Action
    from surveys import services as survey_services
    from tests.browser.test_conversation_link import held_posts, press_twice

    survey_services.cycle_publish(cycle_id=commented["cycle"].id)
    comment = commented["comments"]["A"]
    alice = logged_in(chromium, live_server, "alice@example.com")
    for path, fill, button in [
        (f"/conversations/comment/{comment.id}/", ("#reply", "Which changes hurt most?"), "form.stacked button"),
        (f"/reports/teams/{commented['teams']['a'].id}/", ("textarea[name=text]", "Fewer priorities"), None),
    ]:
        alice.goto(live_server.url + path)
        alice.locator(fill[0]).first.fill(fill[1])
        form = alice.locator(fill[0]).first.locator("xpath=ancestor::form")
        action = form.get_attribute("action")
        held = held_posts(alice, action)
        form.evaluate("f => f.querySelector('button[type=submit], button:not([type])').id = 'press-me'")
        press_twice(alice, button or "#press-me")
        assert len(held) == 1, path
        with alice.expect_navigation():
            held[0].continue_()
    assert Message.objects.filter(text="Which changes hurt most?").count() == 1
    assert Action.objects.filter(text="Fewer priorities").count() == 1
