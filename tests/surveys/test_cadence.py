from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.cadence import (
    SHORTEST_DAYS,
    STEPS,
    Window,
    day_start,
    local_date,
    next_window,
    occurrence,
    wall_clock_add,
    wall_clock_days,
    week_start,
    window,
)

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # clocks move 30 minutes
    "America/Santiago",  # southern summer; clocks move at midnight
    "Australia/Sydney",
    "Pacific/Chatham",  # clocks move at 02:45
    "Asia/Kolkata",  # no changes at all
    "Asia/Tokyo",  # none since 1951
    "UTC",
]


def test_a_weekly_survey_stays_at_nine_local_time_across_the_daylight_saving_change():
    first = datetime(2026, 10, 19, 9, 0)  # summer time, UTC+2
    before = occurrence(first, cadence="weekly", n=0, time_zone="Europe/Berlin")
    after = occurrence(first, cadence="weekly", n=2, time_zone="Europe/Berlin")  # 2 Nov: winter time, UTC+1
    assert before == datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
    assert after == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert after.astimezone(BERLIN).hour == 9


def test_monthly_on_the_31st_falls_on_the_last_day_of_short_months_and_returns_to_the_31st():
    first = datetime(2026, 1, 31, 9, 0)
    dates = [occurrence(first, cadence="monthly", n=n, time_zone="UTC").date() for n in range(4)]
    assert [d.isoformat() for d in dates] == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]


@pytest.mark.parametrize(("cadence", "days"), [("fortnightly", 14), ("quarterly", 90)])
def test_fortnightly_and_quarterly_steps(cadence, days):
    first = datetime(2026, 1, 1, 9, 0)
    second = occurrence(first, cadence=cadence, n=1, time_zone="UTC")
    assert (second - first.replace(tzinfo=UTC)).days == days


def test_a_one_off_survey_has_exactly_one_opening():
    first = datetime(2026, 1, 1, 9, 0)
    assert occurrence(first, cadence="once", n=0, time_zone="UTC") == first.replace(tzinfo=UTC)
    assert occurrence(first, cadence="once", n=1, time_zone="UTC") is None


def test_openings_whose_whole_window_has_passed_are_skipped():
    first = datetime(2026, 1, 5, 9, 0)
    now = datetime(2026, 1, 21, 12, 0, tzinfo=UTC)
    # Weekly, open 3 days: 5th and 12th are over; the 19th is still open on the 21st.
    found = next_window(first, cadence="weekly", time_zone="UTC", open_days=3, after=None, not_closed_by=now)
    assert found == Window(datetime(2026, 1, 19, 9, 0, tzinfo=UTC), datetime(2026, 1, 22, 9, 0, tzinfo=UTC))


def test_a_first_opening_given_as_a_moment_is_refused_as_it_may_not_show_the_planned_wall_time():
    with pytest.raises(ValueError):
        occurrence(datetime(2026, 1, 1, 9, 0, tzinfo=UTC), cadence="weekly", n=0, time_zone="UTC")


# The example: Mondays 09:00 Berlin, open 7 days, reminders on days 3 and 6, across 28 March 2027.


def test_a_week_across_spring_forward_closes_and_reminds_at_nine_local_time_not_ten():
    first = datetime(2027, 3, 22, 9, 0)  # winter time, UTC+1
    cycle = window(first, cadence="weekly", n=0, time_zone="Europe/Berlin", open_days=7)
    assert cycle.opens == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    assert cycle.closes == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST, 167 hours later
    assert cycle.closes.astimezone(BERLIN).replace(tzinfo=None) == datetime(2027, 3, 29, 9, 0)
    day_3 = wall_clock_add(cycle.opens, 3, "Europe/Berlin")
    day_6 = wall_clock_add(cycle.opens, 6, "Europe/Berlin")
    assert day_3 == datetime(2027, 3, 25, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert day_6 == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 09:00 CEST on the day of the change
    # and the next week's cycle opens the moment this one closes: no hour of overlap
    assert occurrence(first, cadence="weekly", n=1, time_zone="Europe/Berlin") == cycle.closes


def test_a_week_across_fall_back_closes_at_nine_local_time_169_hours_later():
    first = datetime(2027, 10, 25, 9, 0)
    cycle = window(first, cadence="weekly", n=0, time_zone="Europe/Berlin", open_days=7)
    assert cycle.closes - cycle.opens == timedelta(hours=169)
    assert cycle.closes == datetime(2027, 11, 1, 8, 0, tzinfo=UTC)


def test_an_opening_at_a_missing_time_happens_as_much_later_as_the_clocks_jumped():
    # Sundays 02:30 Berlin: on 28 March 2027 the clocks go from 02:00 straight to 03:00.
    first = datetime(2027, 3, 21, 2, 30)
    on_the_day = window(first, cadence="weekly", n=1, time_zone="Europe/Berlin", open_days=7)
    assert on_the_day.opens == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert on_the_day.opens.astimezone(BERLIN).hour == 3
    # the week before closes when it opens, and it closes at the schedule's 02:30 a week later
    assert window(first, cadence="weekly", n=0, time_zone="Europe/Berlin", open_days=7).closes == on_the_day.opens
    assert on_the_day.closes == datetime(2027, 4, 4, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert occurrence(first, cadence="weekly", n=2, time_zone="Europe/Berlin") == on_the_day.closes
    # its reminders keep the time it actually opened at
    assert wall_clock_add(on_the_day.opens, 3, "Europe/Berlin") == datetime(2027, 3, 31, 1, 30, tzinfo=UTC)


def test_lord_howe_moves_its_clocks_30_minutes_and_a_missing_0215_happens_at_0245():
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    first = datetime(2027, 9, 26, 2, 15)  # on 3 October 02:00 becomes 02:30
    opens = occurrence(first, cadence="weekly", n=1, time_zone="Australia/Lord_Howe")
    assert opens.astimezone(lord_howe).replace(tzinfo=None) == datetime(2027, 10, 3, 2, 45)
    # 30 minutes late on the new clock, so 168 hours after the week before
    assert opens == first.replace(tzinfo=lord_howe).astimezone(UTC) + timedelta(weeks=1)


def test_an_opening_at_a_doubled_time_happens_the_first_time():
    # 31 October 2027 in Berlin: 02:30 happens in summer time and again an hour later in winter time.
    first = datetime(2027, 10, 24, 2, 30)
    opens = occurrence(first, cadence="weekly", n=1, time_zone="Europe/Berlin")
    assert opens == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_santiago_changes_its_clocks_at_midnight_in_the_southern_spring():
    santiago = ZoneInfo("America/Santiago")
    # Sundays 00:30: on 5 September 2027 midnight becomes 01:00, so that Sunday's cycle opens at 01:30.
    first = datetime(2027, 8, 29, 0, 30)
    cycle = window(first, cadence="weekly", n=1, time_zone="America/Santiago", open_days=7)
    assert cycle.opens.astimezone(santiago).replace(tzinfo=None) == datetime(2027, 9, 5, 1, 30)
    assert cycle.closes.astimezone(santiago).replace(tzinfo=None) == datetime(2027, 9, 12, 0, 30)
    assert day_start(datetime(2027, 9, 5).date(), "America/Santiago").astimezone(santiago).hour == 1


def test_a_reminder_zero_days_after_a_doubled_time_is_that_moment_itself():
    second = datetime(2027, 10, 31, 2, 30, tzinfo=BERLIN, fold=1)  # the winter-time 02:30
    assert wall_clock_add(second, 0, "Europe/Berlin") == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_weeks_and_dates_are_read_on_the_zones_wall_clock():
    monday_0030 = datetime(2027, 3, 28, 22, 30, tzinfo=UTC)  # Monday 29 March 00:30 in Berlin, Sunday in UTC
    assert local_date(monday_0030, "Europe/Berlin").isoformat() == "2027-03-29"
    assert week_start(monday_0030, "Europe/Berlin").isoformat() == "2027-03-29"
    assert week_start(monday_0030, "UTC").isoformat() == "2027-03-22"
    assert wall_clock_days(datetime(2027, 3, 22, 8, tzinfo=UTC), monday_0030, "Europe/Berlin") == pytest.approx(
        7 - 9 / 24 + 0.5 / 24
    )


# Properties: any zone, any first opening (often near a change of the clocks), any window and reminders.


@cache
def clock_changes(zone_name: str) -> list[datetime]:
    """Return the naive wall times, on the clock before the change, at which the zone changed its clocks
    in 2025–2031 (found by stepping through the years, independently of surveys.cadence)."""
    zone, changes = ZoneInfo(zone_name), []
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    while moment < datetime(2032, 1, 1, tzinfo=UTC):
        later = moment + timedelta(minutes=15)
        if moment.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
            changes.append((later + moment.astimezone(zone).utcoffset()).replace(tzinfo=None))
        moment = later
    return changes


def happens_at(wall: datetime, zone_name: str) -> datetime:
    """Return the moment a wall time happens by the documented rule, computed without surveys.cadence: the
    earlier moment that shows it, or, when no moment shows it, the moment it names on the clock before the jump.
    """
    zone = ZoneInfo(zone_name)
    before = (wall - timedelta(hours=12)).replace(tzinfo=zone).utcoffset()
    after = (wall + timedelta(hours=12)).replace(tzinfo=zone).utcoffset()
    showing = [
        (wall - offset).replace(tzinfo=UTC)
        for offset in {before, after}
        if (wall - offset).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) == wall
    ]
    return min(showing) if showing else (wall - before).replace(tzinfo=UTC)


def shows(moment: datetime, zone_name: str) -> datetime:
    """Return the wall time a moment shows (through UTC: a missing local time names the moment after the jump)."""
    return moment.astimezone(UTC).astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


@st.composite
def schedules(draw, cadences=tuple(STEPS)):
    zone_name = draw(st.sampled_from(ZONES))
    changes = clock_changes(zone_name)
    if changes and draw(st.booleans()):
        # Around a change, so that openings, closings and reminders land in missing and doubled hours.
        change = draw(st.sampled_from(changes))
        wall = change + timedelta(minutes=draw(st.integers(-120, 120)), days=-draw(st.integers(0, 45)))
    else:
        wall = draw(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2031, 6, 30)))
    first = wall.replace(second=0, microsecond=0)  # the wall time typed, which may be missing or doubled
    open_days = draw(st.integers(1, 30))
    reminders = draw(st.lists(st.integers(1, open_days - 1), unique=True, max_size=5)) if open_days > 1 else []
    return first, zone_name, draw(st.sampled_from(cadences)), open_days, reminders


@settings(max_examples=600, deadline=None)
@given(schedules())
def test_every_closing_and_reminder_falls_at_the_opening_wall_time_by_the_documented_rule(schedule):
    first, zone_name, cadence, open_days, reminders = schedule
    planned = first  # the schedule's wall time is the one it was given, even one missing on its first day
    step = STEPS[cadence]
    for n in range(8):
        planned_n = planned + relativedelta(weeks=step.weeks * n, months=step.months * n)
        cycle = window(first, cadence=cadence, n=n, time_zone=zone_name, open_days=open_days)
        # openings: every one at the schedule's wall time, however the first fell
        assert cycle.opens == happens_at(planned_n, zone_name)
        # closing: open_days dates later at the same wall time, so the window is exact in local days
        assert cycle.closes == happens_at(planned_n + timedelta(days=open_days), zone_name)
        assert (local_date(cycle.closes, zone_name) - planned_n.date()).days == open_days
        assert cycle.opens < cycle.closes
        # reminders: day d at the wall time the cycle opened at, strictly inside the window
        opened = shows(cycle.opens, zone_name)
        for day in reminders:
            due = wall_clock_add(cycle.opens, day, zone_name)
            assert due == happens_at(opened + timedelta(days=day), zone_name)
            assert (local_date(due, zone_name) - opened.date()).days == day
            assert cycle.opens < due < cycle.closes


@settings(max_examples=600, deadline=None)
@given(schedules(cadences=("weekly",)))
def test_consecutive_weekly_cycles_never_overlap_and_a_seven_day_window_ends_as_the_next_opens(schedule):
    first, zone_name, _, open_days, _ = schedule
    open_days = min(open_days, 7)
    cycles = [window(first, cadence="weekly", n=n, time_zone=zone_name, open_days=open_days) for n in range(8)]
    for this, following in pairwise(cycles):
        assert this.opens < this.closes <= following.opens
        if open_days == 7:
            assert this.closes == following.opens
        # a week of openings is seven local days, whatever the hours
        assert (local_date(following.opens, zone_name) - local_date(this.opens, zone_name)).days == 7


@settings(max_examples=300, deadline=None)
@given(schedules(cadences=("fortnightly", "monthly", "quarterly")))
def test_cycles_of_longer_cadences_never_overlap_when_the_window_fits_the_step(schedule):
    first, zone_name, cadence, open_days, _ = schedule
    open_days = min(open_days, SHORTEST_DAYS[cadence])
    cycles = [window(first, cadence=cadence, n=n, time_zone=zone_name, open_days=open_days) for n in range(8)]
    for this, following in pairwise(cycles):
        assert this.opens < this.closes <= following.opens


@pytest.mark.parametrize(
    ("cadence", "first"),
    [("weekly", datetime(2027, 1, 4, 9)), ("fortnightly", datetime(2027, 1, 4, 9)),
     ("monthly", datetime(2027, 1, 31, 9)), ("quarterly", datetime(2027, 1, 31, 9))],
)  # fmt: skip
def test_the_shortest_step_is_tight_one_day_more_overlaps_the_next_cycle(cadence, first):
    # the 31st of January: a month later is the 28th of February, a quarter later the 30th of April
    this, following = (window(first, cadence=cadence, n=n, time_zone="UTC", open_days=SHORTEST_DAYS[cadence] + 1)
                        for n in (0, 1))  # fmt: skip
    assert this.closes > following.opens
    this, following = (window(first, cadence=cadence, n=n, time_zone="UTC", open_days=SHORTEST_DAYS[cadence])
                        for n in (0, 1))  # fmt: skip
    assert this.closes <= following.opens


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2031, 12, 31)))
def test_a_week_runs_from_monday_at_the_start_of_the_day_to_the_next_monday(zone_name, wall):
    moment = happens_at(wall, zone_name)
    monday = week_start(moment, zone_name)
    assert monday.weekday() == 0
    assert day_start(monday, zone_name) <= moment < day_start(monday + timedelta(weeks=1), zone_name)


# A first opening at a time the clocks skip or repeat (the attack round's four schedules, then any zone).


@pytest.mark.parametrize(
    ("first", "zone_name", "first_shows"),
    [
        (datetime(2026, 9, 6, 0, 0), "America/Santiago", datetime(2026, 9, 6, 1, 0)),
        (datetime(2026, 3, 29, 2, 30), "Europe/Berlin", datetime(2026, 3, 29, 3, 30)),
        (datetime(2026, 10, 4, 2, 15), "Australia/Lord_Howe", datetime(2026, 10, 4, 2, 45)),  # a 30-minute jump
        (datetime(2026, 9, 27, 2, 50), "Pacific/Chatham", datetime(2026, 9, 27, 3, 50)),
    ],
)
def test_a_first_opening_the_clocks_skip_happens_late_that_day_only(first, zone_name, first_shows):
    openings = [occurrence(first, cadence="weekly", n=n, time_zone=zone_name) for n in range(4)]
    assert shows(openings[0], zone_name) == first_shows
    assert [shows(o, zone_name) for o in openings[1:]] == [first + timedelta(weeks=n) for n in (1, 2, 3)]
    # the first week closes at the planned time a week later, as the second opens
    assert window(first, cadence="weekly", n=0, time_zone=zone_name, open_days=7).closes == openings[1]


def moment_shows(wall: datetime, zone_name: str) -> bool:
    return shows(happens_at(wall, zone_name), zone_name) == wall


@st.composite
def firsts_at_a_change(draw):
    """Return a zone and a wall time the clocks skip or repeat there (any minute of the jump), or, in a zone
    that never changes them, any wall time."""
    zone_name = draw(st.sampled_from(ZONES))
    changes = clock_changes(zone_name)
    if not changes:
        return zone_name, draw(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2031, 6, 30)))
    change = draw(st.sampled_from(changes))
    zone = ZoneInfo(zone_name)
    jump = (change + timedelta(hours=12)).replace(tzinfo=zone).utcoffset() - (change - timedelta(hours=12)).replace(
        tzinfo=zone
    ).utcoffset()
    minutes = abs(jump) // timedelta(minutes=1)
    # forward: change … change + jump is missing; back: change − |jump| … change happens twice
    start = change if jump > timedelta(0) else change - abs(jump)
    return zone_name, start + timedelta(minutes=draw(st.integers(0, minutes - 1)))


@settings(max_examples=500, deadline=None)
@given(firsts_at_a_change(), st.sampled_from(sorted(STEPS)))
def test_every_opening_after_a_skipped_or_doubled_first_one_is_at_the_planned_wall_time(found, cadence):
    zone_name, first = found
    step = STEPS[cadence]
    for n in range(6):
        planned = first + relativedelta(weeks=step.weeks * n, months=step.months * n)
        opens = occurrence(first, cadence=cadence, n=n, time_zone=zone_name)
        assert opens == happens_at(planned, zone_name)
        if moment_shows(planned, zone_name):  # a day the planned time exists: exactly it, and its first time
            assert shows(opens, zone_name) == planned
