"""The thin slice on real PostgreSQL, Redis and a Celery worker + beat process (not eager mode)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from feedback.models import GroupScore
from surveys import selectors
from surveys.forms import field_name
from surveys.models import Cycle, Question, Response
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of

from .conftest import invitation_paths, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def answers_form(cycle) -> dict[str, str]:
    return {
        field_name(q): ("8" if q.kind == Question.Kind.ENPS else "4")
        for q in selectors.cycle_questions(cycle=cycle)
        if q.kind != Question.Kind.COMMENT
    }


def test_beat_opens_the_cycle_the_worker_invites_people_answer_and_the_manager_sees_scores(
    service_worker, mail_dir, client
):
    # given: Platform with five people and Maria, its manager (six invitees); a cycle opening now
    platform = TeamFactory(name="Platform")
    PersonFactory.create_batch(5, team=platform)
    maria, _ = manager_of(platform, email="maria@example.com")
    now = timezone.now()
    cycle = CycleFactory(teams=[platform], opens_at=now, closes_at=now + timedelta(seconds=25))

    # when: beat opens it and the worker emails everyone
    links = wait_for(
        lambda: (found := invitation_paths(mail_dir)) and len(found) == 6 and found,
        timeout=30,
        what="six invitation emails",
    )
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.OPEN

    # and every invitee answers through their link
    for path in links.values():
        respondent = Client()
        assert respondent.get(path).status_code == 302
        assert respondent.post(reverse("surveys:answer"), answers_form(cycle)).status_code == 302
        assert respondent.post(reverse("surveys:answer"), answers_form(cycle)).status_code == 400
    assert Response.objects.filter(cycle=cycle).count() == 6

    # then: beat closes it on schedule and the worker aggregates
    wait_for(
        lambda: GroupScore.objects.filter(cycle=cycle, team=platform).count() == 2,
        timeout=60,
        what="the cycle to close and be aggregated",
    )
    safety = GroupScore.objects.get(cycle=cycle, team=platform, dimension__key="psychological-safety")
    assert safety.respondents == 6
    # 4 ("agree") on every item: positive items score 4, the three reversed ones 2.
    assert safety.mean == pytest.approx((4 * 4 + 3 * 2) / 7)

    client.force_login(maria)
    page = client.get(reverse("feedback:team_report", args=[platform.id])).content.decode()
    assert "<td>6</td>" in page and "3.14" in page
    # Nothing in the worker's log carries a token.
    for path in links.values():
        assert path.split("/")[2] not in service_worker.log()
