"""When a recurring survey opens. Pure: datetimes in, datetimes out.

Occurrences are counted on the schedule's wall clock, so "every Monday at 09:00 Europe/Berlin" stays at 09:00
across daylight-saving changes, and "monthly on the 31st" falls on the last day of shorter months.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

STEPS = {
    "weekly": relativedelta(weeks=1),
    "fortnightly": relativedelta(weeks=2),
    "monthly": relativedelta(months=1),
    "quarterly": relativedelta(months=3),
}
ONCE = "once"


def occurrence(first: datetime, *, cadence: str, n: int, time_zone: str) -> datetime | None:
    """Return the n-th opening (0 = first) as an aware UTC datetime, or None if there is no such occurrence."""
    if first.tzinfo is None:
        raise ValueError("first must be timezone-aware")
    if cadence == ONCE:
        return first.astimezone(ZoneInfo("UTC")) if n == 0 else None
    if cadence not in STEPS:
        raise ValueError(f"unknown cadence {cadence!r}")
    zone = ZoneInfo(time_zone)
    local = first.astimezone(zone).replace(tzinfo=None)
    # Multiply the step rather than adding it n times: the 31st stays the 31st wherever the month allows.
    step = STEPS[cadence]
    wall = local + relativedelta(weeks=step.weeks * n, months=step.months * n)
    return wall.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


def next_occurrence(
    first: datetime, *, cadence: str, time_zone: str, after: datetime, not_closed_by: datetime, window
) -> datetime | None:
    """Return the first opening later than `after` whose window (opening + window) ends after `not_closed_by`.

    Openings whose whole window already lies in the past (the service was down, or the schedule was created
    late) are skipped rather than opened and closed at once.
    """
    n = 0
    while True:
        opens = occurrence(first, cadence=cadence, n=n, time_zone=time_zone)
        if opens is None:
            return None
        if opens > after and opens + window > not_closed_by:
            return opens
        n += 1
        if n > 10_000:  # a weekly schedule for two centuries: something is wrong with the inputs
            raise ValueError("no occurrence found within 10,000 steps")
