"""The API's read of a team's comments and conversations (issue #23): the report's comments, its scope and rules,
for logins only, audited."""

import csv
import io

import pytest
from django.urls import reverse

from conversations import selectors, services
from feedback.models import ReportAccess
from feedback.services.api_tokens import api_token_create

pytestmark = pytest.mark.django_db


def comments_url(team) -> str:
    return reverse("conversations:api_team_comments", args=[team.id])


def test_a_manager_reads_their_teams_comments_with_each_conversation_as_the_csv_carries_them(client, commented):
    a, alice, ada = commented["teams"]["a"], commented["users"]["alice"], commented["users"]["ada"]
    comment = commented["comments"]["A"]
    services.message_acknowledge(comment=comment, user=alice, acknowledgement="looking")
    thread = selectors.author_threads(key=commented["keys"]["A"])[0]
    answer = services.message_from_author(thread=thread, text="The mid-sprint changes")
    services.message_reply(comment=comment, user=alice, text="Which ones?")
    services.message_hide(message=answer, user=ada, note="Names a colleague")
    client.force_login(alice)
    # when
    body = client.get(comments_url(a)).json()
    # then: A's one comment, its conversation in order, the hidden message's words left out for its note
    assert body["team"] == "A"
    [shown] = body["comments"]
    assert (shown["id"], shown["cycle_id"], shown["text"]) == (str(comment.id), commented["cycle"].id, comment.text)
    assert shown["conversation"] == "open"
    day, signed = thread.messages.first().day.isoformat(), f"{alice.person.name} (Manager)"
    assert shown["messages"] == [
        {"side": "staff", "signature": signed, "day": day, "kind": "ack", "text": "We're looking into it",
         "hidden": False, "hidden_note": ""},
        {"side": "author", "signature": "", "day": day, "kind": "text", "text": "", "hidden": True,
         "hidden_note": "Names a colleague"},
        {"side": "staff", "signature": signed, "day": day, "kind": "text", "text": "Which ones?",
         "hidden": False, "hidden_note": ""},
    ]  # fmt: skip
    assert ReportAccess.objects.filter(user=alice, report="team_report:comments", format="api").count() == 1
    # and the CSV export carries the same comments, in the same order
    export = client.get(reverse("conversations:comments_export", args=[a.id])).content.decode()
    exported = dict.fromkeys(row["comment"] for row in csv.DictReader(io.StringIO(export)))  # a row per message
    assert list(exported) == [c["text"] for c in body["comments"]]


def test_an_admin_reads_every_shown_comment_below_and_a_closed_conversation_says_so(client, commented):
    org, ada = commented["teams"]["org"], commented["users"]["ada"]
    thread = selectors.author_threads(key=commented["keys"]["B"])[0]
    services.message_from_author(thread=thread, text="Still true")
    services.thread_close(thread=thread, side="author")
    client.force_login(ada)
    comments = {c["text"]: c for c in client.get(comments_url(org)).json()["comments"]}
    assert set(comments) == {"Too many priorities in A", "Too many priorities in B"}
    states = {text: comment["conversation"] for text, comment in comments.items()}
    assert states == {"Too many priorities in A": "none", "Too many priorities in B": "closed"}


def test_nothing_is_read_outside_the_scope_below_the_threshold_without_a_login_or_with_a_token(
    client, commented, settings
):
    a = commented["teams"]["a"]
    client.force_login(commented["users"]["bob"])  # manages B, A's cousin
    assert client.get(comments_url(a)).status_code == 404
    client.force_login(commented["users"]["charlie"])  # a member of A with a login
    assert client.get(comments_url(a)).status_code == 404
    client.logout()
    assert client.get(comments_url(a)).status_code == 403
    _, secret = api_token_create(name="ci", created_by=commented["users"]["ada"])
    response = client.get(comments_url(a), headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403  # machines never read people's words
    # under the comment threshold the report shows no comment, and neither does the API
    settings.ALIGN_COMMENT_THRESHOLD = 50
    client.force_login(commented["users"]["alice"])
    assert client.get(comments_url(a)).json() == {"team": "A", "comments": []}
    assert not ReportAccess.objects.exclude(user=commented["users"]["alice"]).filter(format="api").exists()
