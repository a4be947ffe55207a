"""The weekly leadership digest: who gets it, what it may say, and that it goes once a week."""

from datetime import date

import pytest

from feedback.services import digest_recipients, digest_send
from surveys.models import Person, Team
from tests.factories import PersonFactory, UserFactory, manager_of, organisation_with_aggregates

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 23)


@pytest.fixture
def acme():
    return organisation_with_aggregates(departments=2, teams_per_department=4, cycles=3)


def test_leaders_and_admins_get_the_digest_and_managers_and_members_do_not(acme):
    lee, _ = manager_of(Team.objects.get(name="Department 0"), email="lee@example.com", role=Person.Role.LEADER)
    ada, _ = manager_of(acme, email="ada@example.com", role=Person.Role.ADMIN)
    manager_of(Team.objects.get(name="Team 0.1"), email="maria@example.com", role=Person.Role.MANAGER)
    member = UserFactory(username="charlie@example.com")
    PersonFactory(email="charlie@example.com", team=acme, user=member)
    assert digest_recipients() == [lee, ada]


def test_a_leaders_digest_covers_their_subtree_only_and_never_a_suppressed_group(acme, mailoutbox):
    lee, _ = manager_of(Team.objects.get(name="Department 0"), email="lee@example.com", role=Person.Role.LEADER)
    assert digest_send(user=lee, week_start=MONDAY)
    body = mailoutbox[0].body
    assert "== Department 0: Pulse 2 ==" in body and "Department 1" not in body and "Acme" not in body
    assert "Team 0.0" not in body  # 3 respondents: never named with a figure
    assert "not causes" in body


def test_the_digest_goes_once_a_week_even_when_the_job_runs_twice(acme, mailoutbox):
    ada, _ = manager_of(acme, email="ada@example.com", role=Person.Role.ADMIN)
    assert digest_send(user=ada, week_start=MONDAY)
    assert not digest_send(user=ada, week_start=MONDAY)
    assert digest_send(user=ada, week_start=date(2026, 11, 30))
    assert len(mailoutbox) == 2


def test_a_failing_mail_server_leaves_the_digest_to_be_sent_by_the_retry(acme, mailoutbox, settings):
    ada, _ = manager_of(acme, email="ada@example.com", role=Person.Role.ADMIN)
    backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "tests.surveys.failing_email.FailingBackend"
    with pytest.raises(ConnectionError):
        digest_send(user=ada, week_start=MONDAY)
    settings.EMAIL_BACKEND = backend
    assert digest_send(user=ada, week_start=MONDAY)
    assert len(mailoutbox) == 1
