"""A reminder tells no one who has answered: not by a refused address, not by where it goes, not by how long
its batch takes."""

import logging
import time

import pytest
from django.core import mail

from surveys import selectors, services
from surveys.models import Cycle, Invitation, Person, Question, ReminderRound
from surveys.tokens import invitation_token
from tests.factories import CycleFactory, PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db


def open_cycle(emails: list[str]) -> Cycle:
    team = TeamFactory()
    for email in emails:
        PersonFactory(email=email, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    services.invitations_send_batch(cycle_id=cycle.id, batch_size=100)
    return cycle


def answer(cycle: Cycle, email: str) -> None:
    invitation = Invitation.objects.get(cycle=cycle, person__email=email)
    answers = {
        q.id: (8 if q.kind == Question.Kind.ENPS else 4)
        for q in selectors.cycle_questions(cycle=cycle)
        if q.kind != Question.Kind.COMMENT
    }
    services.response_submit(token=invitation_token(invitation.id), answers=answers, comments={})


def test_a_refused_address_is_passed_over_silently_and_the_round_goes_on(settings, caplog):
    # given: the mail server refuses bounce@ — at the invitation too, which is logged with the address
    settings.EMAIL_BACKEND = "tests.surveys.failing_email.RefusingBackend"
    with caplog.at_level(logging.WARNING):
        cycle = open_cycle(["ana@example.com", "bounce@example.com", "cy@example.com"])
    assert "refused the invitation to bounce@example.com" in caplog.text
    assert Invitation.objects.filter(cycle=cycle, sent_at__isnull=True).count() == 0  # no endless retry
    mail.outbox.clear()
    caplog.clear()
    # when: the reminder runs
    with caplog.at_level(logging.DEBUG):
        handled, remaining = services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10)
    # then: everyone else is reminded, the round is done, and nothing names the refused non-responder
    assert (handled, remaining) == (3, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "cy@example.com"]
    assert "bounce" not in caplog.text
    assert Cycle.objects.get(id=cycle.id).reminders_done == [2]


def test_a_reminder_goes_to_the_address_the_invitation_went_to(settings):
    # An admin who changed someone's address to their own would otherwise get a reminder exactly when that
    # person had not answered — and their working link.
    cycle = open_cycle(["pat@example.com"])
    Person.objects.filter(email="pat@example.com").update(email="admin+pat@example.com")
    mail.outbox.clear()
    services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10)
    assert [m.to for m in mail.outbox] == [["pat@example.com"]]


@pytest.mark.parametrize("floor", [0.03, 0.0])
def test_a_batch_takes_as_long_whoever_has_answered(settings, monkeypatch, floor):
    # given: a mail server that takes 20 ms per email, a fresh worker process (no send seen yet), and each step
    # lasting at least the floor — or, with no floor, twice the slowest invitation email of the cycle
    settings.EMAIL_BACKEND = "tests.surveys.failing_email.SlowBackend"
    settings.ALIGN_REMINDER_STEP_SECONDS = floor
    from surveys.services import invitations

    monkeypatch.setattr(invitations, "_slowest_send", [0.0])

    def batch_seconds(cycle_name: str, answering: int) -> float:
        emails = [f"{cycle_name}-{i}@example.com" for i in range(6)]
        cycle = open_cycle(emails)
        # the invitations measured the mail server (20 ms an email, and the rest of the step): pin it, so the
        # two cycles compare alike
        assert Cycle.objects.get(id=cycle.id).send_seconds >= 0.02
        Cycle.objects.filter(id=cycle.id).update(send_seconds=0.03)
        for email in emails[:answering]:
            answer(cycle, email)
        invitations._slowest_send[0] = 0.0  # each batch as a fresh process's first
        started = time.monotonic()
        services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10)
        return time.monotonic() - started

    # the least of three batches each way, alternating: a loaded machine only ever adds time to a batch
    pairs = [(batch_seconds(f"none{i}", answering=0), batch_seconds(f"all{i}", answering=6)) for i in range(3)]
    nobody, everyone = min(p[0] for p in pairs), min(p[1] for p in pairs)
    # when nobody answered 6 emails go out, when everyone did none: yet the batches take the same time
    assert nobody == pytest.approx(everyone, abs=0.03)
    assert ReminderRound.objects.count() == 6


def test_someone_deactivated_after_opening_stays_invited_but_gets_no_survey_email():
    # given: a cycle opened for three people, its invitations not yet sent, and Bea leaving meanwhile
    team = TeamFactory()
    for email in ["ana@example.com", "bea@example.com", "cy@example.com"]:
        PersonFactory(email=email, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    Person.objects.filter(email="bea@example.com").update(is_active=False)
    # when: invitations, a reminder and the results email go out
    services.invitations_send_batch(cycle_id=cycle.id, batch_size=10)
    services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10)
    services.cycle_close(cycle_id=cycle.id)
    services.cycle_publish(cycle_id=cycle.id)
    from feedback.services import results_published_notify

    results_published_notify(cycle_id=cycle.id)
    # then: nothing reaches Bea, whose invitation still counts in the frozen audience
    assert all(message.to != ["bea@example.com"] for message in mail.outbox)
    assert {message.to[0] for message in mail.outbox} == {"ana@example.com", "cy@example.com"}
    assert Invitation.objects.filter(cycle=cycle).count() == 3


def test_a_message_the_server_refuses_at_data_is_passed_over_silently(settings, caplog):
    # given: invitations went out; by the reminder, one mailbox is full (552 at DATA)
    cycle = open_cycle(["ana@example.com", "full@example.com", "cy@example.com"])
    mail.outbox.clear()
    settings.EMAIL_BACKEND = "tests.surveys.failing_email.FullMailboxBackend"
    # when
    with caplog.at_level(logging.DEBUG):
        handled, remaining = services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10)
    # then: the round finishes, the others are reminded, and nothing names the full mailbox
    assert (handled, remaining) == (3, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "cy@example.com"]
    assert "full@" not in caplog.text
    assert ReminderRound.objects.get(cycle=cycle).reached == Invitation.objects.filter(cycle=cycle).latest("id").id
