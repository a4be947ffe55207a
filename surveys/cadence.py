"""Times on a wall clock: when a recurring survey opens and closes, when its reminders go, where a day and a
week begin. Pure: datetimes in, datetimes out.

Everything Align derives from a time is counted in calendar days on a wall clock (a cycle's time zone, or
TIME_ZONE for the organisation's weeks), never in fixed 24-hour days. "Every Monday at 09:00 Europe/Berlin,
open 7 days, remind on day 6" opens, reminds and closes at 09:00 in summer and in winter time, so each week's
cycle closes exactly when the next one opens; "monthly on the 31st" falls on the last day of shorter months.

On the days a zone moves its clocks, a wall time can be missing or happen twice. `on_wall_clock` decides both,
as zoneinfo does for fold=0 (and as Celery beat does for the digest's crontab):

- missing (spring forward: 02:30 in Berlin on the last Sunday of March): the time is read with the offset in
  force before the change, so it happens as much later as the clocks jumped: 03:30 CEST in Berlin, 02:45 in
  Australia/Lord_Howe, whose clocks move 30 minutes. Nothing is skipped and nothing happens early.
- twice (fall back: 02:30 on the last Sunday of October): the first of the two, still in summer time.

A schedule is planned from the *wall-clock time* it was given (a date and time on its zone's clock, naive),
never from the moment its first opening happened: a first opening typed at 02:30 on the day Berlin skips
02:30 happens at 03:30 that day, and every later cycle at 02:30 again. A cycle's window is counted from its
planned wall time too, so one that opened late in a gap still closes at the schedule's wall time and never
overlaps the next cycle; its window is then shorter by the gap.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from . import time_limits

STEPS = {
    "weekly": relativedelta(weeks=1),
    "fortnightly": relativedelta(weeks=2),
    "monthly": relativedelta(months=1),
    "quarterly": relativedelta(months=3),
}
# The fewest days between two planned openings of each cadence: a month from the 31st of January is the 28th of
# February; a quarter from the 31st of January, the 30th of April. A cycle open longer would overlap the next.
SHORTEST_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 28, "quarterly": 89}
ONCE = "once"
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """When one cycle of a schedule opens and closes, as aware UTC datetimes."""

    opens: datetime
    closes: datetime


def on_wall_clock(wall: datetime, time_zone: str) -> datetime:
    """Return the moment (aware, UTC) a naive wall-clock time happens in a zone: missing times late, doubled
    times the first time (see the module's docstring)."""
    if wall.tzinfo is not None:
        raise ValueError("wall must be a naive wall-clock time")
    return wall.replace(tzinfo=ZoneInfo(time_zone), fold=0).astimezone(UTC)


def wall_clock(moment: datetime, time_zone: str) -> datetime:
    """Return the naive wall-clock time a moment shows in a zone."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    # Through UTC first: an aware datetime already in the zone may name a missing time, and astimezone to its
    # own zone would hand it back unchanged instead of the time the clock showed.
    return moment.astimezone(UTC).astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)


def wall_clock_add(start: datetime, days: int, time_zone: str) -> datetime:
    """Return the moment (aware, UTC) `days` calendar days after `start` at the same wall-clock time in the zone."""
    if days == 0:
        return start.astimezone(UTC)  # itself, even when it is the second of a doubled time
    return on_wall_clock(wall_clock(start, time_zone) + days * DAY, time_zone)


def wall_clock_days(start: datetime, end: datetime, time_zone: str) -> float:
    """Return how many calendar days lie between two moments on a zone's wall clock (a week across a change of
    the clocks is 7, though 167 or 169 hours long)."""
    return (wall_clock(end, time_zone) - wall_clock(start, time_zone)) / DAY


def local_date(moment: datetime, time_zone: str) -> date:
    """Return the date a moment falls on in a zone."""
    return wall_clock(moment, time_zone).date()


def day_start(day: date, time_zone: str) -> datetime:
    """Return the moment (aware, UTC) a date begins in a zone (01:00 where clocks jump from midnight)."""
    return on_wall_clock(datetime.combine(day, time.min), time_zone)


def week_start(moment: datetime, time_zone: str) -> date:
    """Return the Monday of the week, Monday to Sunday in the zone, that a moment falls in."""
    day = local_date(moment, time_zone)
    return day - timedelta(days=day.weekday())


def _planned(first: datetime, *, cadence: str, n: int) -> datetime | None:
    """Return the n-th opening as a naive wall-clock time, or None if there is no such occurrence."""
    if first.tzinfo is not None:
        raise ValueError("first must be the schedule's naive wall-clock time")
    if cadence == ONCE:
        return first if n == 0 else None
    if cadence not in STEPS:
        raise ValueError(f"unknown cadence {cadence!r}")
    # Multiply the step rather than adding it n times: the 31st stays the 31st wherever the month allows.
    step = STEPS[cadence]
    return first + relativedelta(weeks=step.weeks * n, months=step.months * n)


def occurrence(first: datetime, *, cadence: str, n: int, time_zone: str) -> datetime | None:
    """Return the n-th opening (0 = first) as an aware UTC datetime, or None if there is no such occurrence.

    `first` is the schedule's planned wall-clock time, naive: a time missing on its day is planned all the same,
    so only that day's cycle happens late and every later one at the planned time.
    """
    wall = _planned(first, cadence=cadence, n=n)
    return None if wall is None else on_wall_clock(wall, time_zone)


def window(first: datetime, *, cadence: str, n: int, time_zone: str, open_days: int) -> Window | None:
    """Return the n-th cycle's window: it closes `open_days` calendar days after its planned opening, at the
    same wall-clock time. None if there is no such occurrence."""
    wall = _planned(first, cadence=cadence, n=n)
    if wall is None:
        return None
    return Window(opens=on_wall_clock(wall, time_zone), closes=on_wall_clock(wall + open_days * DAY, time_zone))


def wall_time_problem(wall: datetime, time_zone: str) -> str | None:
    """Return why a naive wall-clock time in a zone is not a time Align accepts (surveys.time_limits), or None.
    Near year 1 or 9999 the zone's offset can carry the moment past what a datetime holds: that is refused
    too, never an OverflowError."""
    shown = f"{wall.isoformat(sep=' ', timespec='minutes')} in {time_zone}"
    try:
        moment = on_wall_clock(wall, time_zone)
    except OverflowError:
        return time_limits.outside(shown, wall.year)
    return None if time_limits.accepts(moment) else time_limits.outside(shown, wall.year)


# Where a planned wall time is surely outside the accepted times whatever its zone: no zone's offset, even a
# historical local mean time, is near two days.
_MARGIN = 2 * DAY
_EARLIEST_WALL = time_limits.EARLIEST.replace(tzinfo=None) - _MARGIN
_END_WALL = time_limits.END.replace(tzinfo=None) + _MARGIN


def next_window(
    first: datetime,
    *,
    cadence: str,
    time_zone: str,
    open_days: int,
    after: datetime | None,
    not_closed_by: datetime,
) -> Window | None:
    """Return the first window opening later than `after` (None: from the first) that closes after
    `not_closed_by`, or None if there is none. `first` is the planned wall-clock time of the first opening,
    naive.

    Openings whose whole window already lies in the past (the service was down, or the schedule was created
    late) are skipped rather than opened and closed at once. Only windows within the times Align accepts
    (surveys.time_limits) are planned: those before them are skipped like past ones, and there is none after
    them, so whatever a stored schedule holds this returns a window or None and never raises for its times.

    Windows follow each other (each opens and closes later than the one before: steps are a week or more), so
    the first that qualifies is found by bisection over n: a schedule whose first opening is centuries back
    costs a few dozen windows, not one per step.
    """
    _planned(first, cadence=cadence, n=0)  # refuses an aware `first` or an unknown cadence

    def classify(n: int) -> tuple[str, Window | None]:
        """Return ("early", _), ("passed", _), ("found", window) or ("beyond", _): in that order as n grows."""
        try:
            wall = _planned(first, cadence=cadence, n=n)
        except (OverflowError, ValueError):  # past year 9999: dateutil raises either
            return "beyond", None
        if wall is None or wall > _END_WALL:
            return "beyond", None
        if wall < _EARLIEST_WALL:
            return "early", None
        found = Window(opens=on_wall_clock(wall, time_zone), closes=on_wall_clock(wall + open_days * DAY, time_zone))
        if found.opens < time_limits.EARLIEST:
            return "early", None
        if found.closes > time_limits.END:
            return "beyond", None
        if (after is None or found.opens > after) and found.closes > not_closed_by:
            return "found", found
        return "passed", None

    def done(n: int) -> bool:
        return classify(n)[0] in ("found", "beyond")

    if done(0):
        return classify(0)[1]
    below, above = 0, 1  # done(below) is False; find an `above` for which done() holds, then bisect
    while not done(above):
        below, above = above, above * 2
    while above - below > 1:
        middle = (below + above) // 2
        below, above = (below, middle) if done(middle) else (middle, above)
    return classify(above)[1]
