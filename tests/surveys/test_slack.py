"""Slack delivery: invitations and reminders as direct messages, through slack_sdk, against a local fake of the
Web API (tests/fakes/slack.py) that checks every request as Slack documents it."""

import re

import pytest
from django.core import mail
from django.test import Client

from surveys import selectors, services, slack
from surveys.models import Cycle, CycleSchedule, Delivery, Invitation, Person, Question
from surveys.tokens import invitation_token, token_hash
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of, pulse_template
from tests.fakes.slack import TOKEN, FakeSlackServer

pytestmark = pytest.mark.django_db
LINK = re.compile(r"/s/([\w-]+)/")


@pytest.fixture
def admin_client(client):
    """Ada, an admin by role, logged in."""
    user, _ = manager_of(TeamFactory(name="Ops"), email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return client


@pytest.fixture
def fake_slack(settings):
    """A fake Slack on a free local port, with Align's Slack app connected to it; no request may break its
    documented shape."""
    with FakeSlackServer() as workspace:
        settings.SLACK_BOT_TOKEN = TOKEN
        settings.SLACK_SIGNING_SECRET = "signing-secret-reserved"
        settings.SLACK_API_URL = workspace.url
        settings.SLACK_RATE_LIMIT_RETRIES = 2
        yield workspace
        assert workspace.violations == []


def open_cycle(emails: list[str], *, delivery: str, send: bool = True) -> Cycle:
    team = TeamFactory()
    for email in emails:
        PersonFactory(email=email, team=team)
    cycle = CycleFactory(teams=[team], delivery=delivery)
    services.cycle_open(cycle_id=cycle.id)
    if send:
        services.invitations_send_batch(cycle_id=cycle.id, batch_size=100)
    return cycle


def answer(cycle: Cycle, token: str) -> None:
    answers = {
        q.id: (8 if q.kind == Question.Kind.ENPS else 4)
        for q in selectors.cycle_questions(cycle=cycle)
        if q.kind != Question.Kind.COMMENT
    }
    services.response_submit(token=token, answers=answers, comments={})


def test_people_slack_knows_get_a_direct_message_and_the_rest_an_email(fake_slack):
    # given: ana and ben are in the Slack workspace, cy is not
    fake_slack.user_add("ana@example.com")
    fake_slack.user_add("ben@example.com")
    # when: a cycle delivered by Slack (email to whoever Slack does not know) sends its invitations
    cycle = open_cycle(["ana@example.com", "ben@example.com", "cy@example.com"], delivery=Delivery.SLACK)
    # then: one direct message each to ana and ben, carrying their own link; cy is emailed; nobody gets both
    posted = fake_slack.posted()
    assert sorted(posted) == ["ana@example.com", "ben@example.com"]
    assert all(len(texts) == 1 for texts in posted.values())
    assert [m.to for m in mail.outbox] == [["cy@example.com"]]
    for address, (text,) in posted.items():
        invitation = Invitation.objects.get(cycle=cycle, person__email=address)
        assert LINK.search(text).group(1) == invitation_token(invitation.id)
        assert invitation.slack_channel == fake_slack.channel_of(address)
        assert invitation.sent_at is not None
    assert Invitation.objects.get(cycle=cycle, person__email="cy@example.com").slack_channel == ""
    assert slack.cycle_reach(cycle_id=cycle.id) == {"posted": 2, "unreachable": 1}
    # each direct message took exactly: find the person, open the channel, post
    assert [call.method for call in fake_slack.calls if call.method != "users.lookupByEmail"] == [
        "conversations.open", "chat.postMessage", "conversations.open", "chat.postMessage"
    ]  # fmt: skip
    assert sorted(c.arguments["email"] for c in fake_slack.calls if c.method == "users.lookupByEmail") == [
        "ana@example.com", "ben@example.com", "cy@example.com"
    ]  # fmt: skip


def test_a_slack_delivered_link_follows_the_one_time_link_rules(fake_slack):
    fake_slack.user_add("ana@example.com")
    cycle = open_cycle(["ana@example.com"], delivery=Delivery.SLACK_ONLY)
    (text,) = fake_slack.posted()["ana@example.com"]
    path = LINK.search(text).group(0)
    browser = Client()
    # the first visit swaps the token for a session and leaves the link
    response = browser.get(path)
    assert response.status_code == 302 and "/s/" not in response["Location"]
    answer(cycle, LINK.search(text).group(1))
    # answered: the same link no longer opens the survey, it says the answers were received
    again = Client().get(path)
    assert again.status_code == 200 and b"Your answers were received" in again.content
    # closed: the cycle forgot every token, so the link is unknown
    services.cycle_close(cycle_id=cycle.id)
    assert Client().get(path).status_code == 404
    assert not mail.outbox


def test_both_sends_a_direct_message_and_an_email_and_slack_only_emails_nobody(fake_slack):
    fake_slack.user_add("ana@example.com")
    open_cycle(["ana@example.com", "cy@example.com"], delivery=Delivery.BOTH)
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "cy@example.com"]
    assert list(fake_slack.posted()) == ["ana@example.com"]
    mail.outbox.clear()
    cycle = open_cycle(["ana2@example.com", "cy2@example.com"], delivery=Delivery.SLACK_ONLY)
    assert not mail.outbox
    assert slack.cycle_reach(cycle_id=cycle.id) == {"posted": 0, "unreachable": 2}


def test_a_rate_limited_call_waits_its_retry_after_and_posts_once(fake_slack):
    # given: Slack answers the first post 429 with Retry-After: 1
    fake_slack.user_add("ana@example.com")
    fake_slack.rate_limits["chat.postMessage"] = [1]
    # when
    open_cycle(["ana@example.com"], delivery=Delivery.SLACK)
    # then: the post was tried again no sooner than Retry-After said, and delivered once
    posts = [call for call in fake_slack.calls if call.method == "chat.postMessage"]
    assert len(posts) == 2
    assert posts[1].at - posts[0].at >= 1.0
    assert len(fake_slack.posted()["ana@example.com"]) == 1
    assert not mail.outbox


def test_a_rate_limit_outlasting_the_retries_fails_the_send_and_a_retry_sends_it_once(fake_slack):
    fake_slack.user_add("ana@example.com")
    fake_slack.rate_limits["users.lookupByEmail"] = [0, 0, 0]  # one more than SLACK_RATE_LIMIT_RETRIES
    cycle = open_cycle(["ana@example.com"], delivery=Delivery.SLACK, send=False)
    invitation = Invitation.objects.get(cycle=cycle)
    with pytest.raises(slack.SlackUnavailable):
        services.invitation_send(invitation_id=invitation.id)
    invitation.refresh_from_db()
    assert (invitation.slack_channel, invitation.sent_at) == (None, None)  # nothing kept: the retry sends
    assert services.invitation_send(invitation_id=invitation.id)
    assert len(fake_slack.posted()["ana@example.com"]) == 1
    assert not mail.outbox  # a Slack outage is not "Slack does not know them"


def test_slack_being_down_fails_the_send_without_emailing_instead(fake_slack):
    fake_slack.user_add("ana@example.com")
    fake_slack.down = True
    cycle = open_cycle(["ana@example.com"], delivery=Delivery.SLACK, send=False)
    with pytest.raises(slack.SlackUnavailable):
        services.invitations_send_batch(cycle_id=cycle.id, batch_size=10)
    assert not mail.outbox
    fake_slack.down = False
    assert services.invitations_send_batch(cycle_id=cycle.id, batch_size=10) == (1, 0)
    assert len(fake_slack.posted()["ana@example.com"]) == 1


def test_an_email_that_fails_after_the_direct_message_does_not_post_it_twice(fake_slack, settings):
    fake_slack.user_add("ana@example.com")
    cycle = open_cycle(["ana@example.com"], delivery=Delivery.BOTH, send=False)
    invitation = Invitation.objects.get(cycle=cycle)
    settings.EMAIL_BACKEND = "tests.surveys.failing_email.FailingBackend"
    with pytest.raises(ConnectionError):
        services.invitation_send(invitation_id=invitation.id)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.invitation_send(invitation_id=invitation.id)
    assert not services.invitation_send(invitation_id=invitation.id)  # sent: nothing more
    assert len(fake_slack.posted()["ana@example.com"]) == 1
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_reminders_go_on_slack_to_the_channel_of_the_invitation_and_only_to_those_who_have_not_answered(fake_slack):
    # given: three people on Slack, one of whom answers; dee is not on Slack and gets email
    for address in ["ana@example.com", "ben@example.com", "cy@example.com"]:
        fake_slack.user_add(address)
    cycle = open_cycle(["ana@example.com", "ben@example.com", "cy@example.com", "dee@example.com"],
                       delivery=Delivery.SLACK)  # fmt: skip
    ben = Invitation.objects.get(cycle=cycle, person__email="ben@example.com")
    answer(cycle, invitation_token(ben.id))
    fake_slack.calls.clear()
    mail.outbox.clear()
    # when: the reminder runs
    assert services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10) == (4, 0)
    # then: ana and cy get a reminder on Slack, dee by email; nobody is looked up again
    assert sorted(fake_slack.posted()) == ["ana@example.com", "cy@example.com"]
    assert [m.to for m in mail.outbox] == [["dee@example.com"]]
    assert [call.method for call in fake_slack.calls] == ["auth.test", "chat.postMessage", "chat.postMessage"]
    (text,) = fake_slack.posted()["ana@example.com"]
    assert "reminder" in text.lower()
    assert LINK.search(text).group(1) == invitation_token(
        Invitation.objects.get(cycle=cycle, person__email="ana@example.com").id
    )


def test_a_reminder_slack_refuses_is_passed_over_without_a_word(fake_slack, caplog):
    fake_slack.user_add("ana@example.com")
    fake_slack.user_add("gone@example.com")
    cycle = open_cycle(["ana@example.com", "gone@example.com"], delivery=Delivery.SLACK)
    del fake_slack.users["gone@example.com"]  # left the workspace: their channel is not found any more
    fake_slack.calls.clear()
    with caplog.at_level("DEBUG"):
        assert services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10) == (2, 0)
    posts = sorted(call.arguments["channel"] for call in fake_slack.calls if call.method == "chat.postMessage")
    assert posts == ["D00000001", "D00000002"]  # both tried; Slack answered channel_not_found for gone's
    assert list(fake_slack.posted()) == ["ana@example.com"]
    assert Cycle.objects.get(id=cycle.id).reminders_done == [2]
    assert "gone" not in caplog.text and "D00000002" not in caplog.text and "D00000001" not in caplog.text
    assert not mail.outbox  # a refused direct message is not a reason to email: that would say who had not answered


def test_slack_unreachable_fails_a_reminder_batch_before_it_handles_anyone(fake_slack):
    fake_slack.user_add("ana@example.com")
    cycle = open_cycle(["ana@example.com"], delivery=Delivery.SLACK)
    fake_slack.down = True
    with pytest.raises(slack.SlackUnavailable):
        services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10)
    assert cycle.reminder_rounds.get().reached == 0


def test_a_slack_invitation_stores_only_the_hash_of_its_link(fake_slack):
    fake_slack.user_add("ana@example.com")
    cycle = open_cycle(["ana@example.com"], delivery=Delivery.SLACK)
    invitation = Invitation.objects.get(cycle=cycle)
    token = invitation_token(invitation.id)
    assert list(invitation.tokens.values_list("token_hash", flat=True)) == [token_hash(token)]


def schedule_fields(**changes) -> dict:
    fields = {
        "name": "Platform pulse",
        "template": pulse_template().id,
        "cadence": CycleSchedule.Cadence.MONTHLY,
        "first_opens_at": "2030-01-07T09:00",
        "time_zone": "UTC",
        "open_days": 5,
        "reminder_days": "2",
        "threshold": 5,
        "active": "on",
        "delivery": Delivery.SLACK,
    }
    return fields | changes


def test_an_admin_chooses_slack_delivery_on_the_schedule_and_its_cycles_keep_it(admin_client, fake_slack):
    response = admin_client.post("/manage/schedules/new/", schedule_fields())
    assert response.status_code == 302
    schedule = CycleSchedule.objects.get()
    assert schedule.delivery == Delivery.SLACK
    assert schedule.cycles.get().delivery == Delivery.SLACK
    page = admin_client.get(f"/manage/schedules/{schedule.id}/")
    assert 'value="slack" selected' in page.content.decode()


def test_slack_delivery_is_refused_while_no_slack_app_is_connected(admin_client, settings):
    settings.SLACK_BOT_TOKEN = ""
    response = admin_client.post("/manage/schedules/new/", schedule_fields())
    assert response.status_code == 400
    assert "No Slack app is connected" in response.content.decode()
    assert not CycleSchedule.objects.exists()


def test_the_cycle_page_counts_the_people_slack_did_not_know(admin_client, fake_slack):
    fake_slack.user_add("ana@example.com")
    cycle = open_cycle(["ana@example.com", "cy@example.com", "dee@example.com"], delivery=Delivery.SLACK)
    page = admin_client.get(f"/manage/cycles/{cycle.id}/")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.content.decode())
    assert "1 invited by direct message" in text
    assert "2 people not reachable on Slack" in text and "emailed instead" in text
