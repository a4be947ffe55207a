"""The times Align accepts (surveys.time_limits): one window, refused at every form that takes a time, and the
schedules' cadence never raising for any first opening a row may hold.

Generated times cluster near the window's limits and near year 1 and 9999, in zones on both sides of UTC
(Kiritimati +14:00, Tokyo, Kathmandu +05:45, Lord Howe's 30-minute change, St John's -03:30, Pago Pago -11:00).
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.services.delivery import HISTORY, REACH
from surveys import cadence, time_limits
from surveys.admin_forms import ExtendForm, ScheduleForm, parse_days
from surveys.models import Cycle, CycleSchedule
from tests.factories import CycleFactory, TeamFactory, UserFactory, pulse_template

ZONES = [
    "UTC",
    "Pacific/Kiritimati",  # UTC+14, the easternmost
    "Asia/Tokyo",
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # clocks move 30 minutes
    "Europe/Berlin",
    "America/St_Johns",  # -03:30
    "America/New_York",
    "Pacific/Pago_Pago",  # UTC-11
]
EAST_OF_UTC = ["Pacific/Kiritimati", "Asia/Tokyo", "Asia/Kathmandu", "Australia/Lord_Howe"]
# The window's limits and those of Python's datetime: generated times fall near one of them.
ANCHORS = [
    datetime(1, 1, 1),
    datetime(1970, 1, 1),
    datetime(2026, 1, 4, 9, 0),
    datetime(2200, 1, 1),
    datetime(9999, 12, 31, 23, 59),
]
LONGEST_WINDOW = timedelta(days=90)  # the longest a cycle is open (ScheduleForm.open_days)


@st.composite
def walls_near_limits(draw) -> datetime:
    """A naive wall-clock time within a few days of a limit, or anywhere from year 1 to 9999."""
    if draw(st.booleans()):
        return draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)))
    anchor = draw(st.sampled_from(ANCHORS))
    minutes = draw(st.integers(-4 * 24 * 60, 4 * 24 * 60))
    try:
        return anchor + timedelta(minutes=minutes)
    except OverflowError:
        return anchor


def moment_of(wall: datetime, zone: str) -> datetime | None:
    """The moment a wall time happens in a zone, or None where it lies beyond what a datetime holds."""
    try:
        return cadence.on_wall_clock(wall, zone)
    except OverflowError:
        return None


# The window itself


def test_the_window_is_1970_to_2199_and_its_dates_the_same():
    assert time_limits.accepts(datetime(1970, 1, 1, tzinfo=UTC))
    assert not time_limits.accepts(datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    assert time_limits.accepts(datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    assert not time_limits.accepts(datetime(2200, 1, 1, tzinfo=UTC))
    assert time_limits.accepts_date(date(1970, 1, 1)) and time_limits.accepts_date(date(2199, 12, 31))
    assert not time_limits.accepts_date(date(1969, 12, 31)) and not time_limits.accepts_date(date(2200, 1, 1))


@pytest.mark.parametrize(
    ("moment", "hint"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), "never set (.NET's default DateTime is 0001-01-01T00:00:00)"),
        (datetime(26, 1, 4, 9, 0, tzinfo=UTC), "Type all four, as 2026."),
        (datetime(9999, 12, 31, 23, 0, tzinfo=UTC), "“no end”"),
        (datetime(1800, 1, 6, 9, 0, tzinfo=UTC), ""),
    ],
)
def test_a_refusal_names_the_time_the_window_and_a_likely_cause(moment, hint):
    message = time_limits.time_problem(moment)
    assert message.startswith(f"{moment.isoformat()} is outside the times Align accepts, 1970-01-01 to 2199-12-31")
    assert hint in message


@settings(max_examples=1000, deadline=None)
@given(walls_near_limits(), st.sampled_from(ZONES))
def test_every_window_align_computes_around_an_accepted_time_is_representable(wall, zone):
    # given: any wall time in any zone; then: it is refused, or it and everything computed around it exist
    moment = moment_of(wall, zone)
    problem = cadence.wall_time_problem(wall, zone)
    assert (problem is None) == (moment is not None and time_limits.EARLIEST <= moment < time_limits.END)
    if problem is not None:
        assert f"{wall.isoformat(sep=' ', timespec='minutes')} in {zone} is outside" in problem
        return
    for derived in (moment - HISTORY - REACH, moment + REACH + LONGEST_WINDOW + HISTORY):
        for any_zone in ZONES:
            cadence.week_start(derived, any_zone)
            cadence.day_start(cadence.local_date(derived, any_zone) + timedelta(weeks=1), any_zone)
    cadence.on_wall_clock(wall + LONGEST_WINDOW, zone)


# Cadence: a schedule never makes next_window raise


def brute_force(first, *, cadence_name, zone, open_days, after, now):
    """next_window as it was: every window from the first, one by one, here only over windows it can compute."""
    n = 0
    while True:
        found = cadence.window(first, cadence=cadence_name, n=n, time_zone=zone, open_days=open_days)
        if found is None or found.closes > time_limits.END:
            return None
        if found.opens >= time_limits.EARLIEST and (after is None or found.opens > after) and found.closes > now:
            return found
        n += 1


@settings(max_examples=400, deadline=None)
@given(
    first=st.datetimes(min_value=datetime(1965, 1, 1), max_value=datetime(2031, 12, 31)),
    cadence_name=st.sampled_from(["once", "weekly", "fortnightly", "monthly", "quarterly"]),
    zone=st.sampled_from(ZONES),
    open_days=st.integers(1, 90),
    now=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2032, 1, 1), timezones=st.just(UTC)),
    after_days=st.none() | st.integers(-400, 400),
)
def test_next_window_finds_the_window_the_one_by_one_search_found(
    first, cadence_name, zone, open_days, now, after_days
):
    after = None if after_days is None else now + timedelta(days=after_days)
    found = cadence.next_window(
        first, cadence=cadence_name, time_zone=zone, open_days=open_days, after=after, not_closed_by=now
    )
    assert found == brute_force(first, cadence_name=cadence_name, zone=zone, open_days=open_days, after=after, now=now)


@settings(max_examples=1000, deadline=None)
@given(
    first=walls_near_limits(),
    cadence_name=st.sampled_from(["once", "weekly", "fortnightly", "monthly", "quarterly"]),
    zone=st.sampled_from(ZONES),
    open_days=st.integers(1, 90),
    now=st.sampled_from(ANCHORS[1:4]).map(lambda wall: wall.replace(tzinfo=UTC))
    | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
)
def test_next_window_never_raises_and_plans_only_accepted_windows(first, cadence_name, zone, open_days, now):
    # given: any first opening a stored schedule may hold (year 1, 0026, 1800, 9999), any zone, any "now"
    found = cadence.next_window(
        first, cadence=cadence_name, time_zone=zone, open_days=open_days, after=None, not_closed_by=now
    )
    # then: no exception, and any window it plans lies within the accepted times and is still to close
    if found is not None:
        assert time_limits.EARLIEST <= found.opens < found.closes <= time_limits.END
        assert found.closes > now


def test_a_weekly_schedule_from_1970_plans_next_week_in_2199_without_a_step_limit():
    # the one-by-one search gave up after 10,000 steps (ValueError): 1970 to 2199 is 11,900 weeks
    now = datetime(2199, 6, 1, tzinfo=UTC)
    found = cadence.next_window(
        datetime(1970, 1, 5, 9, 0), cadence="weekly", time_zone="UTC", open_days=7, after=None, not_closed_by=now
    )
    assert found.opens == datetime(2199, 5, 27, 9, 0, tzinfo=UTC)  # a Monday, open until 3 June


def test_no_window_is_planned_past_the_accepted_times():
    # the last weekly window closes before 2200; a cycle extended to 9999 (stored before the check) ends it
    last = cadence.next_window(
        datetime(2199, 12, 2, 9, 0), cadence="weekly", time_zone="UTC", open_days=7, after=None,
        not_closed_by=datetime(2199, 12, 24, tzinfo=UTC),
    )  # fmt: skip
    assert last == cadence.Window(datetime(2199, 12, 23, 9, 0, tzinfo=UTC), datetime(2199, 12, 30, 9, 0, tzinfo=UTC))
    # the next, 30 December to 6 January 2200, would close after the accepted times
    following = cadence.next_window(
        datetime(2199, 12, 2, 9, 0), cadence="weekly", time_zone="UTC", open_days=7, after=last.opens,
        not_closed_by=last.closes,
    )  # fmt: skip
    assert following is None
    assert cadence.next_window(
        datetime(2026, 1, 5, 9, 0), cadence="weekly", time_zone="UTC", open_days=7, after=last.opens,
        not_closed_by=datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
    ) is None  # fmt: skip


def test_next_window_still_refuses_what_is_a_programming_error():
    with pytest.raises(ValueError, match="naive"):
        cadence.next_window(datetime(2026, 1, 5, tzinfo=UTC), cadence="weekly", time_zone="UTC", open_days=7,
                            after=None, not_closed_by=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    with pytest.raises(ValueError, match="unknown cadence"):
        cadence.next_window(datetime(2026, 1, 5), cadence="daily", time_zone="UTC", open_days=7,
                            after=None, not_closed_by=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip


# The schedule form (/manage/schedules/new/) and the Extend form


def schedule_data(**overrides) -> dict:
    data = {
        "name": "Pulse", "template": pulse_template().id, "cadence": "weekly", "first_opens_at": "2027-01-04T09:00",
        "time_zone": "Europe/Berlin", "open_days": 7, "reminder_days": "3", "threshold": 5, "active": "on",
    }  # fmt: skip
    return data | overrides


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first_opens_at", "time_zone", "active", "says"),
    [
        ("0026-01-04T09:00", "Europe/Berlin", "on", "Type all four, as 2026."),  # Chromium, a year typed "26"
        ("1800-01-06T09:00", "UTC", "on", "1800-01-06 09:00 in UTC is outside the times Align accepts"),
        ("1800-01-06T09:00", "UTC", "", "1800-01-06 09:00 in UTC is outside"),  # inactive was saved, to fail later
        ("9999-12-25T09:00", "UTC", "on", "“no end”"),
        ("0001-01-01T00:30", "Asia/Tokyo", "", "0001-01-01 00:30 in Asia/Tokyo is outside"),  # before year 1 in UTC
        ("2199-12-28T09:00", "UTC", "on", "Open for 7 days, the first cycle would close after the times"),
    ],
)
def test_the_schedule_form_refuses_a_first_opening_outside_the_accepted_times(
    client, ada, first_opens_at, time_zone, active, says
):
    data = schedule_data(first_opens_at=first_opens_at, time_zone=time_zone, active=active)
    response = client.post(reverse("surveys:manage_schedule_new"), data)
    # then: the form again, the error on its field, and nothing saved (each was a 500, or a schedule that failed)
    assert response.status_code == 400
    assert says in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert not CycleSchedule.objects.exists()


@pytest.mark.django_db
def test_a_schedule_within_the_accepted_times_is_saved_even_decades_back(client, ada, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, tzinfo=UTC))
    data = schedule_data(first_opens_at="1970-01-05T09:00", time_zone="UTC")
    assert client.post(reverse("surveys:manage_schedule_new"), data).status_code == 302
    waiting = Cycle.objects.get(state=Cycle.State.SCHEDULED)
    assert waiting.opens_at == datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday; open until 09:00 today


@pytest.mark.django_db
def test_reminder_days_written_as_a_superscript_are_refused_not_a_500(client, ada):
    response = client.post(reverse("surveys:manage_schedule_new"), schedule_data(reminder_days="²"))
    assert response.status_code == 400 and "“²” is not a whole number of days" in response.content.decode()
    assert not CycleSchedule.objects.exists()


@pytest.mark.parametrize(
    ("typed", "read"),
    [("2, 5", [2, 5]), ("5;2;2", [2, 5]), ("٣", [3]), ("٣، ٦", [3, 6]), ("３，６", [3, 6]), ("0003", [3]), ("", [])],
)
def test_reminder_days_in_any_decimal_digits_are_read(typed, read):
    assert parse_days(typed) == read


@pytest.mark.parametrize("typed", ["²", "³, 5", "½", "Ⅳ", "0", "-1", "2.5", "1e3", "9" * 5000, "99999"])
def test_reminder_days_that_are_not_a_number_of_days_are_refused(typed):
    with pytest.raises(Exception) as refused:
        parse_days(typed)
    assert type(refused.value).__name__ == "ValidationError"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8))
def test_reminder_days_never_raise_anything_but_a_form_error(typed):
    try:
        parse_days(typed)
    except Exception as error:  # the property: nothing but a form's error
        assert type(error).__name__ == "ValidationError"


@pytest.mark.django_db
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(walls_near_limits(), st.sampled_from(ZONES), st.integers(1, 90))
def test_the_schedule_form_accepts_a_first_cycle_exactly_when_it_lies_within_the_accepted_times(wall, zone, days):
    form = ScheduleForm(
        schedule_data(first_opens_at=wall.strftime("%Y-%m-%dT%H:%M").rjust(16, "0"), time_zone=zone, open_days=days)
    )
    wall = wall.replace(second=0, microsecond=0)
    opens = moment_of(wall, zone)
    closes = moment_of(wall + timedelta(days=days), zone) if wall < datetime(9999, 1, 1) else None
    within = opens is not None and closes is not None
    within = within and opens >= time_limits.EARLIEST and closes < time_limits.END
    assert form.is_valid() == within, form.errors


@settings(max_examples=1000, deadline=None)
@given(walls_near_limits(), st.sampled_from(ZONES))
def test_the_extend_form_accepts_a_closing_time_exactly_when_it_lies_within_the_accepted_times(wall, zone):
    wall = wall.replace(second=0, microsecond=0)
    typed = f"{wall.year:04d}-{wall:%m-%dT%H:%M}"
    form = ExtendForm({"closes_at": typed}, time_zone=zone)
    moment = moment_of(wall, zone)
    within = moment is not None and time_limits.EARLIEST <= moment < time_limits.END
    assert form.is_valid() == within, form.errors
    if within:
        assert form.cleaned_data["closes_at"] == moment


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "zone"),
    [("9999-12-31T23:00", "UTC"), ("9999-12-31T23:00", "Asia/Tokyo"), ("2200-01-01T09:00", "Asia/Tokyo")],
)
def test_extending_a_cycle_to_9999_is_refused_on_the_page(client, ada, typed, zone):
    cycle = CycleFactory(teams=[TeamFactory()])
    Cycle.objects.filter(id=cycle.id).update(time_zone=zone)
    response = client.post(reverse("surveys:manage_cycle_action", args=[cycle.id, "extend"]), {"closes_at": typed})
    assert response.status_code == 400
    assert "is outside the times Align accepts, 1970-01-01 to 2199-12-31 (UTC)" in response.content.decode()
    assert Cycle.objects.get(id=cycle.id).closes_at == cycle.closes_at


@pytest.mark.django_db
def test_extending_a_cycle_to_the_last_accepted_minute_is_allowed(client, ada):
    cycle = CycleFactory(teams=[TeamFactory()])
    Cycle.objects.filter(id=cycle.id).update(time_zone="Asia/Tokyo")
    url = reverse("surveys:manage_cycle_action", args=[cycle.id, "extend"])
    assert client.post(url, {"closes_at": "2200-01-01T08:59"}).status_code == 302  # 23:59 UTC on 31 December 2199
    assert Cycle.objects.get(id=cycle.id).closes_at == datetime(2199, 12, 31, 23, 59, tzinfo=UTC)


# The Django admin


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root@example.com", is_staff=True, is_superuser=True))


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "clock"), [("9999-12-31", "23:00"), ("0001-01-01", "00:30"), ("1800-01-06", "09:00")])
def test_the_django_admin_refuses_a_cycle_closing_or_schedule_opening_outside_the_accepted_times(
    client, root, settings, day, clock
):
    settings.TIME_ZONE = "Asia/Tokyo"  # east of UTC: 0001-01-01 00:30 there is before year 1 in UTC
    team = TeamFactory()
    cycle = CycleFactory(teams=[team])
    cycle_data = {
        "name": cycle.name, "teams": [team.id], "threshold": 5, "template": cycle.template_id,
        "opens_at_0": "2026-01-01", "opens_at_1": "09:00", "closes_at_0": day, "closes_at_1": clock,
        "reminder_days": "[]", "reminders_done": "[]",
    }  # fmt: skip
    response = client.post(reverse("admin:surveys_cycle_change", args=[cycle.id]), cycle_data)
    assert response.status_code == 200 and "is outside the times Align accepts" in response.content.decode()
    assert Cycle.objects.get(id=cycle.id).closes_at == cycle.closes_at
    schedule_fields = {
        "name": "S", "template": pulse_template().id, "cadence": "weekly", "first_opens_at_0": day,
        "first_opens_at_1": clock, "time_zone": "UTC", "open_days": 7, "reminder_days": "[]", "threshold": 5,
    }  # fmt: skip
    response = client.post(reverse("admin:surveys_cycleschedule_add"), schedule_fields)
    assert response.status_code == 200 and "is outside the times Align accepts" in response.content.decode()
    assert not CycleSchedule.objects.exists()
