from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from surveys.cadence import next_occurrence, occurrence

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_weekly_survey_stays_at_nine_local_time_across_the_daylight_saving_change():
    first = datetime(2026, 10, 19, 9, 0, tzinfo=BERLIN)  # summer time, UTC+2
    before = occurrence(first, cadence="weekly", n=0, time_zone="Europe/Berlin")
    after = occurrence(first, cadence="weekly", n=2, time_zone="Europe/Berlin")  # 2 Nov: winter time, UTC+1
    assert before == datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
    assert after == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert after.astimezone(BERLIN).hour == 9


def test_monthly_on_the_31st_falls_on_the_last_day_of_short_months_and_returns_to_the_31st():
    first = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
    dates = [occurrence(first, cadence="monthly", n=n, time_zone="UTC").date() for n in range(4)]
    assert [d.isoformat() for d in dates] == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]


@pytest.mark.parametrize(("cadence", "days"), [("fortnightly", 14), ("quarterly", 90)])
def test_fortnightly_and_quarterly_steps(cadence, days):
    first = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    second = occurrence(first, cadence=cadence, n=1, time_zone="UTC")
    assert (second - first).days == days


def test_a_one_off_survey_has_exactly_one_opening():
    first = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert occurrence(first, cadence="once", n=0, time_zone="UTC") == first
    assert occurrence(first, cadence="once", n=1, time_zone="UTC") is None


def test_openings_whose_whole_window_has_passed_are_skipped():
    first = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    now = datetime(2026, 1, 21, 12, 0, tzinfo=UTC)
    # Weekly, open 3 days: 5th and 12th are over; the 19th is still open on the 21st.
    opens = next_occurrence(
        first, cadence="weekly", time_zone="UTC", after=first - timedelta(1), not_closed_by=now, window=timedelta(3)
    )
    assert opens == datetime(2026, 1, 19, 9, 0, tzinfo=UTC)


def test_a_naive_first_opening_is_refused():
    with pytest.raises(ValueError):
        occurrence(datetime(2026, 1, 1, 9, 0), cadence="weekly", n=0, time_zone="UTC")
