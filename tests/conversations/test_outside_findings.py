"""What an outside tester found in conversations (issue #23), each as its kind: a link opened too early or pasted
whole, a cookie that gave the key away, an expired opening, writes where nothing may be written, refusals that
were redirects, a thread without end, invisible text, a note cut short, and a digest that cost queries per thread."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alignsite.log_redaction import RedactTokensFilter
from conversations import selectors, services
from conversations.models import Message, Thread
from feedback.models import ReportAccess
from surveys import services as survey_services
from surveys.models import Comment, Invitation
from tests.conversations.conftest import answer, comment_question
from tests.factories import CycleFactory

pytestmark = pytest.mark.django_db
OPEN = reverse("conversations:author_open")
MINE = reverse("conversations:mine")


def test_a_link_opened_before_the_survey_closes_is_given_back_to_keep(client, org):
    # given a respondent who commented in a cycle still open, and opens their link at once
    a = org["teams"]["a"]
    cycle = CycleFactory(teams=[org["teams"]["org"]], threshold=3)
    survey_services.cycle_open(cycle_id=cycle.id)
    question = comment_question(cycle)
    key = answer(cycle, Invitation.objects.filter(cycle=cycle, team=a).first(), {question.id: "Too many meetings"})
    # when
    response = client.post(OPEN, {"key": key})
    # then: no conversation yet, said so, and the link is on the page to keep
    page = response.content.decode()
    assert response.status_code == 404 and "Conversations start when the survey closes" in page
    assert f'href="http://testserver/conversations/#{key}"' in page
    # and a made-up key is not echoed back as a link
    assert "http://testserver/conversations/#" not in client.post(OPEN, {"key": "<b>not a key</b>"}).content.decode()


@pytest.mark.parametrize("pasted", ["{key}", "  {key}  ", "http://testserver/conversations/#{key}", "#{key}"])
def test_the_whole_link_or_the_key_alone_opens_the_conversation(client, commented, pasted):
    response = client.post(OPEN, {"key": pasted.format(key=commented["keys"]["A"])})
    assert response.status_code == 302 and response["Location"] == MINE


def test_the_cookie_names_the_threads_for_two_hours_and_never_holds_the_key(client, commented):
    key = commented["keys"]["A"]
    cookie = client.post(OPEN, {"key": key}).cookies["align_conversation"]
    thread = selectors.author_threads(key=key)[0]
    assert key not in cookie.value and str(thread.id) in cookie.value
    assert cookie["max-age"] == 7200 and cookie["path"] == MINE


def test_without_an_opening_the_authors_page_says_to_open_the_link_again_and_keeps_an_unsent_answer(client, commented):
    page = client.get(MINE)
    assert page.status_code == 404 and "open the link again" in page.content.decode()
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    response = client.post(reverse("conversations:author_reply"), {"thread": thread.id, "text": "My long answer"})
    assert response.status_code == 404 and "Your answer was not sent" in response.content.decode()
    assert "My long answer</textarea>" in response.content.decode() and not Message.objects.exists()


def test_nothing_is_written_to_a_thread_whose_comment_no_report_shows_closing_included(client, commented, settings):
    client.post(OPEN, {"key": commented["keys"]["A"]})
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    settings.ALIGN_COMMENT_THRESHOLD = 50  # now no report shows A's comment
    response = client.post(reverse("conversations:author_close"), {"thread": thread.id})
    assert response.status_code == 400 and "not shown" in response.content.decode()
    assert Thread.objects.get(id=thread.id).state == Thread.State.OPEN
    with pytest.raises(ValidationError):
        services.thread_close(thread=thread, side=Thread.Side.STAFF)


@pytest.mark.parametrize(
    ("path", "form", "problem"),
    [
        ("reply/", {"text": "   "}, "Write a message first."),
        ("reply/", {"text": "\u200b\ufeff"}, "Write a message first."),  # nothing visible
        ("reply/", {"text": "x" * 2001}, "characters or fewer"),
        ("acknowledge/", {"acknowledgement": "love it"}, "Choose one of the acknowledgements offered."),
    ],
)
def test_a_readers_refused_message_gets_a_400_on_the_thread_with_the_reply_kept(client, commented, path, form, problem):
    comment = commented["comments"]["A"]
    client.force_login(commented["users"]["alice"])
    response = client.post(reverse("conversations:thread", args=[comment.id]) + path, form)
    assert response.status_code == 400 and problem in response.content.decode()
    assert not Message.objects.exists()
    if form.get("text", "").strip() and path == "reply/":
        assert form["text"] + "</textarea>" in response.content.decode()


def test_control_characters_are_dropped_from_a_message_as_from_a_comment(commented):
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    message = services.message_from_author(thread=thread, text="a\x01\x02\x1b[31mred\x7f\r\nnext")
    assert message.text == "a[31mred\nnext"


def test_a_thread_holds_at_most_its_limit_of_messages(commented):
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    for n in range(services.THREAD_MAX_MESSAGES):
        services.message_from_author(thread=thread, text=f"Message {n}")
    with pytest.raises(ValidationError, match="reached its 100 messages"):
        services.message_from_author(thread=thread, text="One more")
    assert thread.messages.count() == services.THREAD_MAX_MESSAGES


def test_a_hiding_note_is_counted_as_its_box_counts_and_the_audit_line_says_where_it_was_cut(commented):
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    ada = commented["users"]["ada"]
    first, second = (services.message_from_author(thread=thread, text=t) for t in ("One", "Two"))
    with pytest.raises(ValidationError):
        services.message_hide(message=first, user=ada, note="😀" * 251)  # 502 UTF-16 units: the box stops at 500
    hidden = services.message_hide(message=first, user=ada, note="😀" * 250)
    assert hidden.hidden_note == "😀" * 250
    services.message_hide(message=second, user=ada, note="n" * 500)
    subjects = list(ReportAccess.objects.filter(report="conversation:hide").values_list("subject", flat=True))
    assert all(len(s) <= 200 and s.endswith("…") for s in subjects)


def test_the_digests_conversation_counts_take_the_same_queries_however_many_threads(
    commented, django_assert_max_num_queries
):
    ada = commented["users"]["ada"]
    comment = commented["comments"]["A"]
    services.message_reply(comment=comment, user=ada, text="Thanks")
    with django_assert_max_num_queries(12) as one:
        selectors.conversation_counts(user=ada)
    for other in Comment.objects.exclude(id=comment.id):
        services.message_reply(comment=other, user=ada, text="Thanks")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert selectors.conversation_counts(user=ada) == selectors.ConversationCounts(2, 2)


def record(name: str, level: int, path: str, message: str = "") -> logging.LogRecord:
    """A log record as Django's request logger (with its request) or runserver's (the request line) writes it."""
    if name == "django.server":
        return logging.LogRecord(name, level, __file__, 1, f'"{path}" 200 0', None, None)
    made = logging.LogRecord(name, level, __file__, 1, message or f"Not Found: {path}", None, None)
    made.request = type("Request", (), {"path": path})()
    return made


@pytest.mark.parametrize(
    ("name", "level", "path", "kept"),
    [
        ("django.request", logging.WARNING, "/conversations/open/", False),
        ("django.request", logging.WARNING, "/conversations/mine/reply/", False),
        ("django.request", logging.WARNING, "/survey/", False),
        ("django.request", logging.ERROR, "/conversations/mine/reply/", True),  # a 500 is a bug to see
        ("django.request", logging.WARNING, "/conversations/comment/1/", True),  # a reader's, logged in
        ("django.server", logging.INFO, "POST /conversations/mine/reply/ HTTP/1.1", False),
        ("django.server", logging.INFO, "POST /%73urvey/ HTTP/1.1", False),
        ("django.server", logging.INFO, "GET /reports/ HTTP/1.1", True),
    ],
)
def test_no_log_line_says_when_an_anonymous_person_acted_but_errors_are_kept(name, level, path, kept):
    assert RedactTokensFilter().filter(record(name, level, path)) is kept
