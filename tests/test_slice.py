"""The thin slice end to end on the embedded default, tasks run eagerly: admin → beat → invite → answer → report."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from feedback.models import GroupScore
from surveys.models import Cycle, Person, Response, Team
from surveys.tasks import cycles_tick_task
from tests.factories import UserFactory, pulse_template

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def admin_add(client, model: str, data: dict) -> None:
    response = client.post(reverse(f"admin:surveys_{model}_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]


def test_an_admin_sets_up_a_cycle_that_opens_invites_collects_closes_and_reports(
    time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(OPENS - timedelta(days=2))
    # given: an admin creates Platform, six people (Maria manages it) and a cycle from the built-in template
    admin = Client()
    admin.force_login(UserFactory(username="admin@example.com", is_staff=True, is_superuser=True))
    admin_add(admin, "team", {"name": "Platform"})
    platform = Team.objects.get(name="Platform")
    maria_user = UserFactory(username="maria@example.com")
    for i in range(6):
        admin_add(admin, "person", {"email": f"p{i}@example.com", "name": f"Person {i}", "team": platform.id,
                                    "role": "member", "is_active": "on"})  # fmt: skip
    Person.objects.filter(email="p0@example.com").update(user=maria_user, role=Person.Role.MANAGER)
    Person.objects.get(email="p0@example.com").managed_teams.set([platform])
    template = pulse_template()
    admin_add(admin, "cycle", {
        "name": "December pulse", "template": template.id, "teams": [platform.id], "threshold": 5,
        "opens_at_0": "2026-12-01", "opens_at_1": "09:00:00", "closes_at_0": "2026-12-08", "closes_at_1": "09:00:00",
        "delivery": "email",
    })  # fmt: skip
    cycle = Cycle.objects.get(name="December pulse")
    assert cycle.state == Cycle.State.SCHEDULED

    # when: beat ticks before the opening time, nothing happens; after it, the cycle opens and invites go out
    with django_capture_on_commit_callbacks(execute=True):
        cycles_tick_task.delay()
    assert mail.outbox == []
    time_machine.move_to(OPENS + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        cycles_tick_task.delay()
    assert len(mail.outbox) == 6

    # and everyone answers through their one-time link (agree = 4 everywhere, eNPS 9)
    for message in mail.outbox:
        path = re.search(r"https?://[^/]+(/s/[\w-]+/)", message.body).group(1)
        respondent = Client()
        assert respondent.get(path).status_code == 302
        page = respondent.get(reverse("surveys:answer")).content.decode()
        data = {name: ("9" if "10" in re.findall(rf'name="{name}" value="(\d+)"', page) else "4")
                for name in sorted(set(re.findall(r'name="(q\d+)" value="', page)))}  # fmt: skip
        assert respondent.post(reverse("surveys:answer"), data).status_code == 302
        assert respondent.post(reverse("surveys:answer"), data).status_code == 400  # a second submit is refused
    assert Response.objects.filter(cycle=cycle).count() == 6

    # then: after the deadline the tick closes the cycle and aggregation runs
    time_machine.move_to(CLOSES + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        cycles_tick_task.delay()
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.CLOSED
    safety = GroupScore.objects.get(cycle=cycle, team=platform, dimension__key="psychological-safety")
    assert (safety.respondents, round(safety.mean, 2)) == (6, 3.14)
    assert GroupScore.objects.get(cycle=cycle, team=platform, dimension__key="enps").enps == 100.0

    # and Maria logs in with her password and sees her team's report
    maria = Client()
    login = maria.post(reverse("login"), {"username": "maria@example.com", "password": "correct horse battery staple"})
    assert login.status_code == 302
    report = maria.get(reverse("feedback:team_report", args=[platform.id])).content.decode()
    assert "December pulse" in report and "3.14" in report and "eNPS 100" in report and "<td>6</td>" in report
