"""The times Align accepts from outside: from 1970-01-01 00:00 UTC up to (not including) 2200-01-01 00:00 UTC,
and the dates 1970-01-01 to 2199-12-31. Pure: datetimes and dates in, a reason or None out.

Every time that enters Align — an API row, a GitHub payload, a schedule's first opening, a cycle's new closing
time, a metric's period in a file or a request, a Django admin field — is checked against this one window, and
one outside it is refused with a message naming the row and field (a GitHub delivery is kept raw and answered
"ignored", naming the field, as any event that contradicts a rule). Why this window:

- **It is wide enough for everything real.** Git and GitHub record times as seconds since 1970-01-01 UTC, so
  no commit, deployment or issue an engineering team has is older; business metrics from before 1970 predate
  the software teams whose work Align reads. Nothing a survey or delivery tool plans (a cycle open for weeks, a
  schedule running for years; Culture Amp and DX plan in quarters) needs a time after 2199.
- **It refuses the times that mean "not set".** .NET sends a `DateTime` nobody set as `0001-01-01T00:00:00`;
  people type 9999-12-31 for "no end"; Chromium's `datetime-local` turns a year typed as "26" into 0026.
  Accepted, such a time is not an error message but a wrong figure, or a job that fails for good: Align looks
  90 days back from each week's start (feedback.services.delivery.HISTORY) and 4 weeks past its end (REACH),
  and plans cycles up to 90 days long on any zone's clock, which in year 1 or 9999 leaves the range Python's
  datetime can hold (OverflowError).
- **Every derived time stays computable.** The window keeps centuries from year 1 and 9999 on both sides, so
  any window Align computes around an accepted time (HISTORY, REACH, a cycle, a quarter's step, any zone's
  offset) is representable; tests/surveys/test_time_limits.py checks this against those constants.
- **It is fixed, not "within N years of today".** A row accepted once is accepted on every replay: the API
  promises that sending a batch again changes nothing and GitHub's Redeliver resends old deliveries, and
  neither may start failing because time has passed. Tests do not change with the date either.

Rows stored before the window was enforced may lie outside it; the DORA recomputation leaves such weeks and
cycle windows out with a logged warning instead of failing (feedback.services.delivery.dora_recompute), and
schedules plan only cycles inside it (surveys.cadence.next_window).
"""

from datetime import UTC, date, datetime

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
END = datetime(2200, 1, 1, tzinfo=UTC)  # the first moment no longer accepted
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2199, 12, 31)
ACCEPTED = "1970-01-01 to 2199-12-31 (UTC)"


def accepts(moment: datetime) -> bool:
    """Return whether an aware moment is one Align accepts."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return EARLIEST <= moment < END  # compared as instants: no conversion, so no overflow near year 1 or 9999


def accepts_date(day: date) -> bool:
    """Return whether a date (a metric's period start or end) is one Align accepts."""
    return FIRST_DAY <= day <= LAST_DAY


def _hint(year: int | None) -> str:
    if year is None:
        return ""
    if year == 1:
        return (
            " Year 1 is what many programs write for a time that was never set (.NET's default DateTime is "
            "0001-01-01T00:00:00)."
        )
    if year < 100:
        return f" Was the year typed with two digits? Type all four, as {2000 + year}."
    if year >= 9000:
        return f" Year {year} is often written for “no end”: give a real time."
    return ""


def outside(shown: str, year: int | None) -> str:
    """Return the message for a time or date, shown as `shown`, in `year` (None: unknown), that Align does not
    accept."""
    return f"{shown} is outside the times Align accepts, {ACCEPTED}.{_hint(year)}"


def time_problem(moment: datetime, *, shown: str | None = None) -> str | None:
    """Return why an aware moment is not accepted (shown as `shown`, else in ISO 8601), or None."""
    if accepts(moment):
        return None
    return outside(shown or moment.isoformat(), moment.year)


def date_problem(day: date) -> str | None:
    """Return why a date is not accepted, or None."""
    return None if accepts_date(day) else outside(day.isoformat(), day.year)
