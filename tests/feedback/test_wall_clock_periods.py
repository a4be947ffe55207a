"""Weeks, cycle windows and the digest's week are read on a wall clock: the organisation's TIME_ZONE for weeks,
each cycle's own zone for its window, never UTC dates."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_celery_beat.models import CrontabSchedule

from feedback import tasks
from feedback.models import MetricDefinition, MetricValue
from feedback.selectors.metrics import metric_values_by_cycle
from feedback.services import deployment_record, dora_recompute
from surveys.models import Cycle
from tests.factories import CycleFactory, TeamFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def in_berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"


@pytest.fixture
def after_spring_2027(time_machine):
    """Move the clock past the weeks these tests record: no figure is computed for a week not begun."""
    time_machine.move_to(datetime(2027, 6, 1, tzinfo=UTC), tick=False)


def frequency(team, start: date, end: date) -> float | None:
    row = MetricValue.objects.filter(
        team=team, metric__key="deployment-frequency", period_start=start, period_end=end
    ).first()
    return row and row.value


def test_a_deployment_at_monday_0030_in_berlin_counts_in_that_mondays_week(in_berlin, after_spring_2027):
    # given: Payments deploys at 00:30 on Monday 29 March 2027, Berlin time (Sunday 22:30 in UTC)
    payments = TeamFactory(name="Payments")
    deployment_record(team=payments, external_id="d1", finished_at=berlin(2027, 3, 29, 0, 30))

    # when
    dora_recompute(team_id=payments.id)

    # then: it is a deployment of the week of Monday 29 March, not of the week before
    assert frequency(payments, date(2027, 3, 29), date(2027, 4, 4)) == 1.0
    assert frequency(payments, date(2027, 3, 22), date(2027, 3, 28)) in (None, 0.0)


def test_the_week_the_clocks_change_is_one_week_so_three_deployments_are_three_a_week(in_berlin, after_spring_2027):
    # The week of 22 March 2027 is 167 hours long in Berlin; three deployments in it are 3 a week, not 3.018.
    payments = TeamFactory(name="Payments")
    for number, moment in enumerate([berlin(2027, 3, 22, 0, 10), berlin(2027, 3, 25, 12), berlin(2027, 3, 28, 23, 50)]):
        deployment_record(team=payments, external_id=f"d{number}", finished_at=moment)
    dora_recompute(team_id=payments.id)
    assert frequency(payments, date(2027, 3, 22), date(2027, 3, 28)) == 3.0


def test_a_cycle_window_is_filed_under_its_local_dates_and_found_again_for_analysis(in_berlin, after_spring_2027):
    # given: a Berlin cycle open from Monday 00:30 to the next Monday 00:30, with two deployments in it
    payments = TeamFactory(name="Payments")
    cycle = CycleFactory(
        opens_at=berlin(2027, 3, 29, 0, 30),
        closes_at=berlin(2027, 4, 5, 0, 30),
        time_zone="Europe/Berlin",
        state=Cycle.State.CLOSED,
    )
    deployment_record(team=payments, external_id="d1", finished_at=berlin(2027, 3, 29, 0, 45))
    deployment_record(team=payments, external_id="d2", finished_at=berlin(2027, 4, 2, 17))

    # when
    dora_recompute(team_id=payments.id)

    # then: the window is Monday 29 March to Monday 5 April (in UTC dates it would start on Sunday the 28th)
    assert frequency(payments, date(2027, 3, 29), date(2027, 4, 5)) == 2.0
    assert frequency(payments, date(2027, 3, 28), date(2027, 4, 4)) is None
    metric = MetricDefinition.objects.get(key="deployment-frequency")
    cycles = [Cycle.objects.get(id=cycle.id)]  # as stored: in UTC
    assert metric_values_by_cycle(cycles=cycles, team_ids=[payments.id])[metric.id] == {(payments.id, 0): 2.0}


def test_a_sunday_value_belongs_to_the_cycle_open_that_sunday_in_the_cycles_zone():
    # given: two Berlin cycles opening Mondays 00:30 (Sundays 23:30 / 22:30 in UTC) and a daily metric value
    # for Sunday 28 March, which is inside the first cycle's period on Berlin's calendar
    payments = TeamFactory(name="Payments")
    for monday in (22, 29):
        CycleFactory(opens_at=berlin(2027, 3, monday, 0, 30), time_zone="Europe/Berlin", state=Cycle.State.CLOSED)
    tickets = MetricDefinition.objects.create(key="tickets-closed", name="Tickets closed")
    MetricValue.objects.create(
        metric=tickets, team=payments, period_start=date(2027, 3, 28), period_end=date(2027, 3, 28), value=4
    )

    # when
    values = metric_values_by_cycle(cycles=list(Cycle.objects.order_by("opens_at")), metric_ids=[tickets.id])

    # then
    assert values[tickets.id] == {(payments.id, 0): 4}


def test_the_digest_week_is_the_organisations_week(in_berlin, monkeypatch, django_user_model):
    django_user_model.objects.create_superuser("ada", "ada@example.com", "x")
    queued = []
    monkeypatch.setattr(tasks.digest_send_task, "delay", lambda user_id, week: queued.append(week))
    with time_machine.travel(berlin(2027, 3, 29, 0, 30), tick=False):  # Sunday 22:30 in UTC
        tasks.digests_send_task()
    assert queued == ["2027-03-29"]


@pytest.mark.parametrize(
    ("last_run", "expected"),
    [
        (berlin(2027, 3, 22, 7, 0), berlin(2027, 3, 29, 7, 0)),  # after spring forward: 05:00 UTC, not 06:00
        (berlin(2027, 10, 25, 7, 0), berlin(2027, 11, 1, 7, 0)),  # after fall back: 06:00 UTC, not 05:00
    ],
)
def test_beat_sends_the_digest_at_seven_local_time_on_both_sides_of_a_change_of_the_clocks(last_run, expected):
    # django_celery_beat keeps ALIGN_DIGEST_CRON (default "0 7 * * 1") as a crontab in CELERY_TIMEZONE and
    # checks it on that clock.
    crontab = CrontabSchedule(minute="0", hour="7", day_of_week="1", timezone=BERLIN).schedule
    moment, fired = expected - timedelta(hours=3), None
    while fired is None and moment < expected + timedelta(hours=3):
        with time_machine.travel(moment, tick=False):
            due, _ = crontab.is_due(last_run)
        fired = moment if due else None
        moment += timedelta(minutes=5)
    assert fired == expected.astimezone(UTC)
