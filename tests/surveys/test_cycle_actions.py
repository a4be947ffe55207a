from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from surveys import services
from surveys.models import Cycle, Invitation
from tests.factories import CycleFactory, PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled():
    team = TeamFactory()
    PersonFactory.create_batch(5, team=team)
    return CycleFactory(teams=[team], opens_at=timezone.now() + timedelta(days=1))


def test_open_now_opens_a_scheduled_cycle_and_invites(scheduled):
    cycle = services.cycle_open_now(cycle_id=scheduled.id)
    assert cycle.state == Cycle.State.OPEN and cycle.opens_at <= timezone.now()
    assert Invitation.objects.filter(cycle=cycle).count() == 5


def test_open_now_refuses_a_cycle_that_is_already_open(scheduled):
    services.cycle_open_now(cycle_id=scheduled.id)
    with pytest.raises(ValidationError, match="Only a scheduled cycle"):
        services.cycle_open_now(cycle_id=scheduled.id)


def test_extend_moves_the_deadline_later_only(scheduled):
    later = scheduled.closes_at + timedelta(days=3)
    assert services.cycle_extend(cycle_id=scheduled.id, closes_at=later).closes_at == later
    with pytest.raises(ValidationError):
        services.cycle_extend(cycle_id=scheduled.id, closes_at=later - timedelta(days=1))


def test_close_now_closes_an_open_cycle_and_publish_then_publishes_it(scheduled):
    services.cycle_open_now(cycle_id=scheduled.id)
    assert services.cycle_close_now(cycle_id=scheduled.id).state == Cycle.State.CLOSED
    assert services.cycle_publish(cycle_id=scheduled.id).state == Cycle.State.PUBLISHED


def test_only_a_closed_cycle_can_be_published(scheduled):
    with pytest.raises(ValidationError):
        services.cycle_publish(cycle_id=scheduled.id)
    assert Cycle.objects.get(id=scheduled.id).state == Cycle.State.SCHEDULED
