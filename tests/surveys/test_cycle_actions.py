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


@pytest.fixture
def consecutive():
    """A weekly schedule's first cycle (open 5 days), open, and its next one waiting."""
    from surveys.models import CycleSchedule, SurveyTemplate

    team = TeamFactory()
    PersonFactory.create_batch(5, team=team)
    schedule = CycleSchedule.objects.create(
        name="Weekly",
        template=SurveyTemplate.objects.first(),
        first_opens_at=timezone.now() - timedelta(days=1),
        cadence="weekly",
        open_days=5,
    )
    schedule.teams.set([team])
    services.schedules_plan()
    first = Cycle.objects.get(schedule=schedule)
    services.cycle_open(cycle_id=first.id)
    services.schedules_plan()
    following = Cycle.objects.get(schedule=schedule, state=Cycle.State.SCHEDULED)
    return first, following


def test_an_open_cycle_cannot_be_extended_past_its_schedules_next_opening(consecutive):
    # (an outside tester extended a cycle three weeks on; both it and the next were then open for everyone)
    first, following = consecutive
    assert following.opens_at > first.closes_at  # open 5 days of 7
    with pytest.raises(ValidationError, match=r"opens .*choose a time no later"):
        services.cycle_extend(cycle_id=first.id, closes_at=following.opens_at + timedelta(minutes=1))
    assert Cycle.objects.get(id=first.id).closes_at == first.closes_at
    # up to the next opening is fine
    assert services.cycle_extend(cycle_id=first.id, closes_at=following.opens_at).closes_at == following.opens_at


def test_the_next_cycle_of_a_schedule_cannot_open_now_while_the_one_before_is_open(consecutive):
    first, following = consecutive
    with pytest.raises(ValidationError, match="still open: close it first"):
        services.cycle_open_now(cycle_id=following.id)
    assert Cycle.objects.get(id=following.id).state == Cycle.State.SCHEDULED
    assert not Invitation.objects.filter(cycle=following).exists()
    services.cycle_close_now(cycle_id=first.id)
    assert services.cycle_open_now(cycle_id=following.id).state == Cycle.State.OPEN
