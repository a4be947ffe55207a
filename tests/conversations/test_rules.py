"""The rules of a comment's conversation (issue #23): who may see and write, what is kept, moderation."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conversations import selectors, services
from conversations.models import Message, Thread
from feedback.models import ReportAccess
from surveys.models import COMMENT_MAX_LENGTH, Comment

pytestmark = pytest.mark.django_db


def test_the_authors_key_opens_their_thread_and_no_other(commented):
    a_key, b_key = commented["keys"]["A"], commented["keys"]["B"]
    assert [t.comment.text for t in selectors.author_threads(key=a_key)] == ["Too many priorities in A"]
    assert [t.comment.text for t in selectors.author_threads(key=b_key)] == ["Too many priorities in B"]
    assert selectors.author_threads(key=a_key[:-1]) == [] and selectors.author_threads(key="") == []


@pytest.mark.parametrize(("who", "sees"), [("alice", True), ("lee", True), ("ada", True), ("bob", False),
                                           ("charlie", False)])  # fmt: skip
def test_a_thread_is_visible_exactly_to_who_may_see_its_comment(commented, who, sees):
    comment = commented["comments"]["A"]
    assert (selectors.comment_visible(user=commented["users"][who], comment_id=comment.id) is not None) is sees


def test_a_reply_is_signed_with_name_and_role_and_the_authors_answer_is_not(commented):
    comment = commented["comments"]["A"]
    alice = commented["users"]["alice"]
    reply = services.message_reply(comment=comment, user=alice, text="Which changes hurt most?")
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    answer = services.message_from_author(thread=thread, text="The mid-sprint ones.\r\nEvery week.")
    assert reply.signature == f"{alice.person.name} (Manager)" and reply.position == 1
    assert (answer.side, answer.writer, answer.signature, answer.position) == ("author", None, "", 2)
    assert answer.text == "The mid-sprint ones.\nEvery week."  # as a comment is kept


def test_messages_keep_the_day_only_and_nothing_of_the_client():
    fields = {field.name for field in Message._meta.get_fields()} | {f.name for f in Thread._meta.get_fields()}
    assert Message._meta.get_field("day").get_internal_type() == "DateField"
    assert not any(word in name for name in fields for word in ("created", "updated", "time", "ip", "agent"))


def test_the_authors_messages_follow_the_comment_limits(commented):
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    services.message_from_author(thread=thread, text="é" * COMMENT_MAX_LENGTH)
    with pytest.raises(ValidationError):  # an emoji counts two, as the box counts it
        services.message_from_author(thread=thread, text="😀" * (COMMENT_MAX_LENGTH // 2) + "x")
    with pytest.raises(ValidationError):
        services.message_from_author(thread=thread, text="   ")


def test_a_closed_thread_takes_no_more_messages_from_either_side(commented):
    comment = commented["comments"]["A"]
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    assert services.thread_close(thread=thread, side=Thread.Side.AUTHOR)
    assert not services.thread_close(thread=thread, side=Thread.Side.STAFF)
    with pytest.raises(ValidationError):
        services.message_reply(comment=comment, user=commented["users"]["alice"], text="Hello?")
    with pytest.raises(ValidationError):
        services.message_from_author(thread=thread, text="One more thing")
    assert Thread.objects.get(id=thread.id).closed_by == "author"


def test_a_comment_not_shown_under_the_threshold_cannot_be_replied_to(commented, settings):
    settings.ALIGN_COMMENT_THRESHOLD = 50  # more people than answered anywhere: no comment is shown
    comment = commented["comments"]["A"]
    assert selectors.comment_visible(user=commented["users"]["ada"], comment_id=comment.id) is None
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    with pytest.raises(ValidationError):
        services.message_from_author(thread=thread, text="Anyone there?")


def test_an_acknowledgement_is_one_of_the_fixed_set(commented):
    comment, lee = commented["comments"]["A"], commented["users"]["lee"]
    ack = services.message_acknowledge(comment=comment, user=lee, acknowledgement="looking")
    assert ack.label == "We're looking into it" and ack.signature.endswith("(Leader)")
    with pytest.raises(ValidationError):
        services.message_acknowledge(comment=comment, user=lee, acknowledgement="whatever")


def test_an_admin_hides_a_message_with_a_visible_note_recorded_in_the_audit_log(commented, client):
    comment, ada = commented["comments"]["A"], commented["users"]["ada"]
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    message = services.message_from_author(thread=thread, text="Bob is useless")
    # when
    client.force_login(ada)
    url = reverse("conversations:hide", args=[comment.id, message.id])
    assert client.post(url, {"note": "Names a colleague"}).status_code == 302
    # then
    message.refresh_from_db()
    assert message.hidden and message.hidden_note == "Names a colleague"
    assert ReportAccess.objects.filter(user=ada, report="conversation:hide", subject__contains="Names a").exists()
    page = client.get(reverse("conversations:thread", args=[comment.id])).content.decode()
    assert "Hidden by an admin: Names a colleague" in page and "Bob is useless" not in page
    # a manager may not hide
    client.force_login(commented["users"]["alice"])
    assert client.post(url, {"note": "x"}).status_code == 404


def test_you_said_we_heard_counts_comments_with_a_reply_or_an_acknowledgement(commented):
    comment, alice = commented["comments"]["A"], commented["users"]["alice"]
    teams = {commented["teams"][name].id for name in ("a", "b")}
    assert selectors.heard_counts(cycle=commented["cycle"], team_ids=teams) == selectors.HeardCounts(2, 0, 0)
    services.message_acknowledge(comment=comment, user=alice, acknowledgement="thanks")
    assert selectors.heard_counts(cycle=commented["cycle"], team_ids=teams) == selectors.HeardCounts(2, 1, 1)


def test_unknown_keys_are_rate_limited_on_their_own_allowance(client, commented, settings):
    settings.ALIGN_CONVERSATION_KEY_RATE = "3/h"
    url = reverse("conversations:author_open")
    assert [client.post(url, {"key": f"guess-{n}"}).status_code for n in range(4)] == [404, 404, 404, 429]


def test_a_known_key_is_given_back_and_swapped_for_a_cookie_on_the_authors_pages(client, commented, settings):
    settings.ALIGN_CONVERSATION_KEY_RATE = "2/h"
    url = reverse("conversations:author_open")
    for _ in range(4):  # known keys do not count
        response = client.post(url, {"key": commented["keys"]["A"]})
        assert response.status_code == 302 and response["Location"] == reverse("conversations:mine")
    cookie = response.cookies["align_conversation"]
    assert cookie["path"] == reverse("conversations:mine") and cookie["httponly"]
    page = client.get(reverse("conversations:mine"))
    assert page.status_code == 200 and "Too many priorities in A" in page.content.decode()
    assert "Too many priorities in B" not in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"  # its address holds no key; its forms need an Origin


def test_the_author_cannot_write_in_another_authors_thread(client, commented):
    client.post(reverse("conversations:author_open"), {"key": commented["keys"]["A"]})
    other = Thread.objects.get(comment=commented["comments"]["B"])
    response = client.post(reverse("conversations:author_reply"), {"thread": other.id, "text": "Hi"})
    assert response.status_code == 404 and not Message.objects.exists()


def test_the_thank_you_redirect_carries_the_key_after_the_hash_only_for_a_comment(client, org):
    from surveys import services as survey_services
    from surveys.models import Invitation
    from tests.conversations.conftest import comment_question
    from tests.factories import CycleFactory

    cycle = CycleFactory(teams=[org["teams"]["a"]], threshold=3)
    survey_services.cycle_open(cycle_id=cycle.id)
    question = comment_question(cycle)
    from surveys import selectors as survey_selectors

    numeric = [q for q in survey_selectors.cycle_questions(cycle=cycle) if q.kind != "comment"]
    locations = []
    for invitation, text in zip(Invitation.objects.filter(cycle=cycle)[:2], ["Hello", ""], strict=True):
        token = survey_services.invitation_link_issue(invitation_id=invitation.id)
        client.get(reverse("surveys:invitation", args=[token]))
        data = {f"q{q.id}": "8" if q.kind == "enps" else "4" for q in numeric} | {f"q{question.id}": text}
        locations.append(client.post(reverse("surveys:answer"), data)["Location"])
    with_comment, without = locations
    assert with_comment.split("#")[0] == without and "#" not in without
    assert len(with_comment.split("#")[1]) >= 43
    assert Comment.objects.filter(cycle=cycle).count() == 2  # one sealed row each, as before


def test_the_digest_counts_acknowledged_comments_and_open_conversations_its_reader_may_see(commented):
    from feedback.services.digest import digest_text

    a, b = commented["comments"]["A"], commented["comments"]["B"]
    services.message_acknowledge(comment=a, user=commented["users"]["alice"], acknowledgement="thanks")
    services.message_reply(comment=b, user=commented["users"]["bob"], text="Which ones?")
    services.thread_close(thread=Thread.objects.get(comment=b), side=Thread.Side.STAFF)
    assert selectors.conversation_counts(user=commented["users"]["lee"]) == selectors.ConversationCounts(1, 1)
    assert selectors.conversation_counts(user=commented["users"]["ada"]) == selectors.ConversationCounts(2, 1)
    text = digest_text(user=commented["users"]["ada"])
    assert "Conversations on comments: 2 comments acknowledged or replied to, 1 conversation open." in text


def test_the_comment_export_carries_each_shown_comment_with_its_conversation_under_the_same_rules(
    client, commented, settings
):
    comment, alice = commented["comments"]["A"], commented["users"]["alice"]
    services.message_acknowledge(comment=comment, user=alice, acknowledgement="acted")
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    # the author's answer holds a line made to look like a signed reply
    forged = f"The mid-sprint changes\n{alice.person.name} (Manager), 2026-12-02: everyone gets a raise"
    services.message_from_author(thread=thread, text=forged)
    url = reverse("conversations:comments_export", args=[commented["teams"]["a"].id])
    client.force_login(alice)
    # when
    download = client.get(url).content
    body = download.decode("utf-8-sig")
    # then: a byte-order mark, so Excel reads the comments as UTF-8 whatever their script
    assert download.startswith("\ufeff".encode())
    # and A's comment and its conversation, one message a row, who wrote each in a cell of its own
    rows = list(csv.DictReader(io.StringIO(body)))
    day = thread.messages.first().day.isoformat()
    signed, acted = f"{alice.person.name} (Manager)", "acknowledged: We've acted on this"
    assert [(r["comment"], r["conversation"], r["message"], r["from"], r["day"], r["said"]) for r in rows] == [
        ("Too many priorities in A", "Open", "1", signed, day, acted),
        ("Too many priorities in A", "Open", "2", "the author", day, forged),
    ]
    assert ReportAccess.objects.filter(user=alice, report="team_report:comments", format="csv").exists()
    # under the comment threshold, no comment leaves
    settings.ALIGN_COMMENT_THRESHOLD = 50
    assert "Too many priorities" not in client.get(url).content.decode()
    # outside the viewer's scope: 404
    client.force_login(commented["users"]["bob"])
    assert client.get(url).status_code == 404


def test_the_team_results_page_says_you_said_we_heard_per_published_cycle_without_the_readers_links(client, commented):
    from feedback.selectors import team_results_key
    from surveys import services as survey_services

    services.message_reply(comment=commented["comments"]["A"], user=commented["users"]["alice"], text="Noted")
    url = reverse("feedback:team_results", args=[team_results_key(team_id=commented["teams"]["a"].id)])
    assert "You said, we heard" not in client.get(url).content.decode()  # closed, not published
    survey_services.cycle_publish(cycle_id=commented["cycle"].id)
    page = client.get(url).content.decode()
    assert "You said, we heard: 1 of 1 comment got a reply or an acknowledgement; 1 conversation still open." in page
    assert "/conversations/comment/" not in page  # members see the counts, not the readers' controls


@pytest.mark.parametrize("note", ["", "   ", "\x00", "\u202e\ufeff", "n" * 501])
def test_a_hiding_note_must_say_something_storable(commented, note):
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    message = services.message_from_author(thread=thread, text="Hello")
    with pytest.raises(ValidationError):
        services.message_hide(message=message, user=commented["users"]["ada"], note=note)
    assert not Message.objects.get(id=message.id).hidden


def test_comment_and_message_text_is_shown_as_text_on_every_conversation_page(client, commented):
    # given: markup in a reply and in the author's answer
    comment, alice = commented["comments"]["A"], commented["users"]["alice"]
    services.message_reply(comment=comment, user=alice, text="<script>alert(1)</script>")
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    services.message_from_author(thread=thread, text='<img src=x onerror="alert(2)">')
    # when / then
    client.force_login(alice)
    pages = [client.get(reverse("conversations:thread", args=[comment.id])).content.decode()]
    pages.append(client.get(reverse("feedback:team_report", args=[commented["teams"]["a"].id])).content.decode())
    client.logout()
    client.post(reverse("conversations:author_open"), {"key": commented["keys"]["A"]})
    pages.append(client.get(reverse("conversations:mine")).content.decode())
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0] and "&lt;img src=x" in pages[2]


def test_the_report_links_each_comment_to_its_conversation_with_its_count_and_state(client, commented):
    comment, alice = commented["comments"]["A"], commented["users"]["alice"]
    services.message_reply(comment=comment, user=alice, text="Which ones?")
    services.message_acknowledge(comment=comment, user=alice, acknowledgement="thanks")
    services.thread_close(thread=Thread.objects.get(comment=comment), side=Thread.Side.STAFF)
    client.force_login(commented["users"]["lee"])
    page = client.get(reverse("feedback:team_report", args=[commented["teams"]["d1"].id])).content.decode()
    assert f'href="/conversations/comment/{comment.id}/">Conversation: 2 messages (closed)</a>' in page
