"""Exactly one response per invitation when many submits race, on PostgreSQL's real row locks."""

import threading

import pytest
from django.db import connection

from surveys import selectors, services
from surveys.models import Answer, AnsweredMarker, Invitation, Question, Response
from tests.factories import CycleFactory, PersonFactory, TeamFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_twenty_simultaneous_submits_through_two_links_of_one_invitation_store_exactly_one_response():
    # given
    team = TeamFactory()
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    invitation = Invitation.objects.filter(cycle=cycle).first()
    tokens = [services.invitation_link_issue(invitation_id=invitation.id) for _ in range(2)]  # invite + reminder
    answers = {
        q.id: (7 if q.kind == Question.Kind.ENPS else 4)
        for q in selectors.cycle_questions(cycle=cycle)
        if q.kind != Question.Kind.COMMENT
    }
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def submit(token):
        try:
            barrier.wait()
            services.response_submit(token=token, answers=answers, comments={})
            outcomes.append("stored")
        except (selectors.InvitationUsed, selectors.InvitationUnknown):
            outcomes.append("refused")
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=submit, args=(tokens[i % 2],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert connection.vendor == "postgresql"
    assert sorted(outcomes) == ["refused"] * 19 + ["stored"]
    assert Response.objects.filter(cycle=cycle).count() == 1
    assert Answer.objects.count() == len(answers)
    assert AnsweredMarker.objects.count() == 1
