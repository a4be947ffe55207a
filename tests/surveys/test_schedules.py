"""Schedules drive cycles: planned ahead, opened on time, reminders only to non-responders, closed at the deadline."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from surveys import selectors, services
from surveys.models import Cycle, CycleSchedule, Invitation, InvitationToken, Question
from tests.factories import PersonFactory, TeamFactory, pulse_template

pytestmark = pytest.mark.django_db

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def tick(django_capture_on_commit_callbacks, time_machine, at):
    time_machine.move_to(at)
    with django_capture_on_commit_callbacks(execute=True):
        return services.cycles_advance()


def make_schedule(**overrides):
    fields = {
        "name": "Platform pulse",
        "cadence": CycleSchedule.Cadence.WEEKLY,
        "first_opens_at": MONDAY_9,
        "time_zone": "UTC",
        "open_days": 4,
        "reminder_days": [2],
        "threshold": 5,
        "active": True,
    }
    fields.update(overrides)
    teams = fields.pop("teams", [])
    return services.schedule_save(teams=teams, template=pulse_template(), **fields)


@pytest.mark.parametrize(
    ("cadence", "longest"), [("weekly", 7), ("fortnightly", 14), ("monthly", 28), ("quarterly", 89), ("once", 90)]
)
def test_a_schedule_stays_open_at_most_until_its_next_cycle_opens(cadence, longest):
    # a weekly survey open 14 days kept two cycles open at once: two live invitations per person
    make_schedule(name="fits", cadence=cadence, open_days=longest, reminder_days=[1])
    if longest < 90:
        with pytest.raises(ValidationError, match=f"at most {longest} days") as refused:
            make_schedule(name="overlaps", cadence=cadence, open_days=longest + 1, reminder_days=[1])
        assert list(refused.value.message_dict) == ["open_days"]
    assert list(CycleSchedule.objects.values_list("name", flat=True)) == ["fits"]


def answer(path_or_token, cycle):
    token = path_or_token.rstrip("/").split("/")[-1]
    answers = {
        q.id: (8 if q.kind == Question.Kind.ENPS else 4)
        for q in selectors.cycle_questions(cycle=cycle)
        if q.kind != Question.Kind.COMMENT
    }
    services.response_submit(token=token, answers=answers, comments={})


def test_a_schedule_keeps_its_next_cycle_waiting(time_machine):
    time_machine.move_to(MONDAY_9 - timedelta(days=3))
    schedule = make_schedule()
    (waiting,) = Cycle.objects.filter(schedule=schedule)
    assert (waiting.state, waiting.opens_at, waiting.closes_at) == ("scheduled", MONDAY_9, MONDAY_9 + timedelta(days=4))
    assert waiting.reminder_days == [2] and waiting.threshold == 5
    assert services.schedule_plan(schedule_id=schedule.id) == waiting  # idempotent


def test_the_whole_weekly_flow_opens_reminds_only_non_responders_closes_and_plans_the_next(
    time_machine, django_capture_on_commit_callbacks
):
    # given: Platform with six people and a weekly schedule
    time_machine.move_to(MONDAY_9 - timedelta(days=1))
    platform = TeamFactory(name="Platform")
    PersonFactory.create_batch(6, team=platform)
    schedule = make_schedule(teams=[platform])
    cycle = Cycle.objects.get(schedule=schedule)

    # when it is due: it opens and everybody is invited once
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(minutes=1))
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(minutes=2))
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.OPEN
    invitations = {m.to[0]: re.search(r"/s/[\w-]+/", m.body).group(0) for m in mail.outbox}
    assert len(invitations) == 6 and len(mail.outbox) == 6

    # and four answer
    answered = sorted(invitations)[:4]
    for email in answered:
        answer(invitations[email], cycle)
    mail.outbox.clear()

    # then the day-2 reminder reaches only the two who have not answered, once, with a link of its own
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(days=2, minutes=1))
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(days=2, minutes=2))
    reminded = sorted(m.to[0] for m in mail.outbox)
    assert reminded == sorted(set(invitations) - set(answered))
    assert all("A reminder" in m.body for m in mail.outbox)
    assert Cycle.objects.get(id=cycle.id).reminders_done == [2]
    # the reminder carries the invitation's own link again: a reminder writes nothing per person
    email = reminded[0]
    reminder_path = next(re.search(r"/s/[\w-]+/", m.body).group(0) for m in mail.outbox if m.to == [email])
    assert reminder_path == invitations[email]
    assert selectors.invitation_redeemable(token=invitations[email].split("/")[2])
    answer(reminder_path, cycle)
    with pytest.raises(selectors.InvitationUsed):
        selectors.invitation_redeemable(token=invitations[email].split("/")[2])

    # and at the deadline it closes, its unused links die, and next week's cycle is waiting
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(days=4, minutes=1))
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.CLOSED
    assert not InvitationToken.objects.filter(invitation__cycle=cycle).exists()
    upcoming = Cycle.objects.get(schedule=schedule, state=Cycle.State.SCHEDULED)
    assert upcoming.opens_at == MONDAY_9 + timedelta(weeks=1)


def test_a_reminder_job_run_twice_or_concurrently_with_itself_reminds_each_person_once(
    time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(MONDAY_9)
    team = TeamFactory()
    PersonFactory.create_batch(3, team=team)
    schedule = make_schedule(teams=[team])
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(minutes=1))
    cycle = Cycle.objects.get(schedule=schedule)
    mail.outbox.clear()
    time_machine.move_to(MONDAY_9 + timedelta(days=2, hours=1))
    first = services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=2)
    second = services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10)
    third = services.reminders_send_batch(cycle_id=cycle.id, day=2, batch_size=10)
    assert (first, second, third) == ((2, 1), (1, 0), (0, 0))
    assert len(mail.outbox) == 3


def test_a_cycle_whose_whole_window_was_missed_is_dropped_and_the_next_one_planned(
    time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(MONDAY_9 - timedelta(days=1))
    schedule = make_schedule()
    # the scheduler was down for ten days
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(days=10))
    cycles = list(Cycle.objects.filter(schedule=schedule).values_list("state", "opens_at"))
    assert cycles == [("open", MONDAY_9 + timedelta(weeks=1))]


def test_a_one_off_schedule_makes_one_cycle(time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(MONDAY_9 - timedelta(days=1))
    schedule = make_schedule(cadence=CycleSchedule.Cadence.ONCE)
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(days=1))
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(days=5))
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(days=30))
    assert list(Cycle.objects.filter(schedule=schedule).values_list("state", flat=True)) == ["closed"]


def test_changing_a_schedule_replans_the_waiting_cycle_but_not_opened_ones(
    time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(MONDAY_9 - timedelta(days=1))
    schedule = make_schedule()
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(minutes=1))
    opened = Cycle.objects.get(schedule=schedule, state=Cycle.State.OPEN)
    services.schedule_save(
        schedule_id=schedule.id, teams=[], template=pulse_template(), threshold=7, open_days=4, name="Renamed"
    )
    assert Cycle.objects.get(id=opened.id).threshold == 5
    assert Cycle.objects.get(schedule=schedule, state=Cycle.State.SCHEDULED).threshold == 7


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("threshold", 2),
        ("reminder_days", [5]),
        ("reminder_days", ["soon"]),
        ("time_zone", "Mars/Olympus"),
        ("open_days", 0),
    ],
)
def test_a_bad_schedule_is_refused_with_a_field_error_and_nothing_saved(field, value):
    with pytest.raises(ValidationError) as error:
        make_schedule(**{field: value})
    assert field in error.value.message_dict
    assert not CycleSchedule.objects.exists() and not Cycle.objects.exists()


def test_a_cycle_for_no_teams_invites_everyone(time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(MONDAY_9 - timedelta(days=1))
    PersonFactory.create_batch(2, team=TeamFactory())
    PersonFactory.create_batch(3, team=TeamFactory())
    make_schedule(teams=[])
    tick(django_capture_on_commit_callbacks, time_machine, MONDAY_9 + timedelta(minutes=1))
    assert Invitation.objects.count() == 5


# The schedule's wall clock: Mondays 09:00 Berlin, open 7 days, reminders on days 3 and 6, across 28 March 2027
# (clocks go from 02:00 to 03:00). In fixed 24-hour days it would remind and close at 10:00, an hour into
# the next week's cycle.
BERLIN = ZoneInfo("Europe/Berlin")
BERLIN_MONDAY_9 = datetime(2027, 3, 22, 9, 0, tzinfo=BERLIN)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_the_day_6_reminder_across_spring_forward_goes_at_nine_local_time_not_ten(
    time_machine, django_capture_on_commit_callbacks
):
    # given: a weekly Berlin schedule whose first week spans the change of the clocks, and three people
    time_machine.move_to(BERLIN_MONDAY_9 - timedelta(days=1))
    team = TeamFactory()
    PersonFactory.create_batch(3, team=team)
    schedule = make_schedule(
        teams=[team], first_opens_at=BERLIN_MONDAY_9, time_zone="Europe/Berlin", open_days=7, reminder_days=[3, 6]
    )
    cycle = Cycle.objects.get(schedule=schedule)
    assert cycle.time_zone == "Europe/Berlin"
    assert cycle.closes_at == berlin(2027, 3, 29, 9, 0)  # 167 hours after it opens
    tick(django_capture_on_commit_callbacks, time_machine, berlin(2027, 3, 22, 9, 1))
    tick(django_capture_on_commit_callbacks, time_machine, berlin(2027, 3, 25, 9, 1))
    assert Cycle.objects.get(id=cycle.id).reminders_done == [3]
    mail.outbox.clear()

    # when: the day of the change, a minute before nine local time, then a minute after
    tick(django_capture_on_commit_callbacks, time_machine, berlin(2027, 3, 28, 8, 59))
    assert mail.outbox == [] and Cycle.objects.get(id=cycle.id).reminders_done == [3]
    tick(django_capture_on_commit_callbacks, time_machine, berlin(2027, 3, 28, 9, 1))

    # then: the day-6 reminder went at nine, an hour before 10:00 (= opening + 6 × 24 hours)
    assert len(mail.outbox) == 3 and all("A reminder" in m.body for m in mail.outbox)
    assert Cycle.objects.get(id=cycle.id).reminders_done == [3, 6]


def test_a_week_across_spring_forward_closes_as_the_next_week_opens_at_nine_local_time(
    time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(BERLIN_MONDAY_9 - timedelta(days=1))
    schedule = make_schedule(first_opens_at=BERLIN_MONDAY_9, time_zone="Europe/Berlin", open_days=7, reminder_days=[])
    tick(django_capture_on_commit_callbacks, time_machine, berlin(2027, 3, 22, 9, 1))
    first = Cycle.objects.get(schedule=schedule)

    tick(django_capture_on_commit_callbacks, time_machine, berlin(2027, 3, 29, 9, 0, 30))

    assert Cycle.objects.get(id=first.id).state == Cycle.State.CLOSED
    second = Cycle.objects.filter(schedule=schedule).exclude(id=first.id).get()
    assert second.state == Cycle.State.OPEN
    assert second.opens_at == first.closes_at == berlin(2027, 3, 29, 9, 0)
    assert second.closes_at == berlin(2027, 4, 5, 9, 0)


def test_an_open_cycle_keeps_its_zone_when_its_schedule_moves_to_another(
    time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(BERLIN_MONDAY_9 - timedelta(days=1))
    schedule = make_schedule(first_opens_at=BERLIN_MONDAY_9, time_zone="Europe/Berlin", open_days=7)
    tick(django_capture_on_commit_callbacks, time_machine, berlin(2027, 3, 22, 9, 1))
    services.schedule_save(
        schedule_id=schedule.id, teams=[], template=pulse_template(), time_zone="America/New_York", open_days=7
    )
    assert Cycle.objects.get(schedule=schedule, state=Cycle.State.OPEN).time_zone == "Europe/Berlin"
    assert Cycle.objects.get(schedule=schedule, state=Cycle.State.SCHEDULED).time_zone == "America/New_York"


def test_a_cycle_made_by_hand_is_counted_on_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Australia/Sydney"
    cycle = Cycle.objects.create(
        name="By hand", template=pulse_template(), opens_at=MONDAY_9, closes_at=MONDAY_9 + timedelta(days=7)
    )
    assert cycle.time_zone == "Australia/Sydney"


def test_a_cycle_opened_early_is_not_planned_again_for_its_own_week(time_machine, django_capture_on_commit_callbacks):
    # given: a weekly schedule whose Monday cycle waits, opened by hand on the Friday before
    time_machine.move_to(MONDAY_9 - timedelta(days=3))
    team = TeamFactory()
    PersonFactory.create_batch(3, team=team)
    schedule = make_schedule(teams=[team])
    waiting = Cycle.objects.get(schedule=schedule)
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open_now(cycle_id=waiting.id)
    # when: the schedule plans its next cycle
    upcoming = services.schedule_plan(schedule_id=schedule.id)
    # then: it is the following Monday's, and everyone was invited once
    assert upcoming.opens_at == MONDAY_9 + timedelta(weeks=1)
    assert Invitation.objects.filter(cycle__schedule=schedule).count() == 3


# A first opening the clocks skip: that cycle opens late, every later one at the time typed.


@pytest.mark.parametrize(
    ("first", "zone_name", "first_shows"),
    [
        (datetime(2026, 9, 6, 0, 0), "America/Santiago", datetime(2026, 9, 6, 1, 0)),
        (datetime(2026, 3, 29, 2, 30), "Europe/Berlin", datetime(2026, 3, 29, 3, 30)),
        (datetime(2026, 10, 4, 2, 15), "Australia/Lord_Howe", datetime(2026, 10, 4, 2, 45)),
        (datetime(2026, 9, 27, 2, 50), "Pacific/Chatham", datetime(2026, 9, 27, 3, 50)),
    ],
)
def test_a_schedule_whose_first_opening_the_clocks_skip_opens_later_cycles_at_the_time_typed(
    time_machine, django_capture_on_commit_callbacks, first, zone_name, first_shows
):
    # given: a weekly schedule typed at a wall time missing on its first day
    zone = ZoneInfo(zone_name)
    time_machine.move_to(datetime(2026, 1, 1, tzinfo=UTC))
    schedule = make_schedule(first_opens_at=first, time_zone=zone_name, open_days=7, reminder_days=[])
    assert schedule.first_opens_wall == first

    # when: three weeks of cycles open and close
    openings = []
    for _ in range(3):
        cycle = services.schedule_plan(schedule_id=schedule.id)
        openings.append(cycle.opens_at.astimezone(zone).replace(tzinfo=None))
        tick(django_capture_on_commit_callbacks, time_machine, cycle.opens_at + timedelta(seconds=30))

    # then: only the first is late, by as much as the clocks jumped
    assert openings == [first_shows, first + timedelta(weeks=1), first + timedelta(weeks=2)]


def test_a_schedule_given_a_moment_plans_the_wall_time_it_shows_in_the_zone():
    schedule = make_schedule(first_opens_at=datetime(2027, 3, 22, 8, 0, tzinfo=UTC), time_zone="Europe/Berlin")
    assert schedule.first_opens_wall == datetime(2027, 3, 22, 9, 0)
    assert schedule.first_opens_at == berlin(2027, 3, 22, 9, 0)


def test_a_schedule_moved_to_another_zone_keeps_its_wall_time(time_machine):
    time_machine.move_to(datetime(2027, 3, 1, tzinfo=UTC))
    schedule = make_schedule(first_opens_at=datetime(2027, 3, 28, 2, 30), time_zone="Europe/Berlin")
    moved = services.schedule_save(schedule_id=schedule.id, teams=[], template=pulse_template(), time_zone="Asia/Tokyo")
    assert moved.first_opens_wall == datetime(2027, 3, 28, 2, 30)
    assert moved.first_opens_at == datetime(2027, 3, 28, 2, 30, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_a_first_opening_changed_without_its_wall_time_is_read_from_the_moment():
    # given: the Django admin (or a script) changes the moment only
    schedule = make_schedule(first_opens_at=datetime(2026, 3, 29, 2, 30), time_zone="Europe/Berlin")
    CycleSchedule.objects.filter(id=schedule.id).update(first_opens_at=berlin(2026, 4, 6, 10, 0))
    # then: the moment wins, and the stale wall time is not used
    assert CycleSchedule.objects.get(id=schedule.id).first_opens_wall == datetime(2026, 4, 6, 10, 0)


def test_a_schedule_in_an_unknown_zone_is_refused_on_its_zone():
    with pytest.raises(ValidationError) as refused:
        make_schedule(time_zone="Mars/Olympus_Mons")
    assert "time_zone" in refused.value.message_dict
