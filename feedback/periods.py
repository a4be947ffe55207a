"""Kinds of metric period (a week, a month, a cycle's window), so that periods of one kind are never added to
periods of another. Pure: dates in, labels out.

A metric may hold values over periods of different lengths at once — DORA keeps a row per week and a row per
cycle window, and an upload may give monthly and quarterly revenue — and two such rows can start on the same
day. Adding them counts the same deployments twice. Every combination of a metric's values therefore keeps to
one kind of period: the kind with the most periods, which is the finest regular series the metric has.
"""

import calendar
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date

# A calendar date as RFC 3339 (and OpenAPI's `date`) writes it, and as the README promises: four-digit year, two-digit
# month and day. Python 3.11's date.fromisoformat, and Django's parse_date on top of it, also read ISO 8601's other
# spellings — week dates (2026-W13, 2026W131: a Monday) and compact dates (20260401) — which a sender meaning a week
# or a typo would have stored as a one-day period.
CALENDAR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
CALENDAR_DATE_EXAMPLE = "2026-10-31"

# Lengths in days (the end is inclusive) and the name of their kind; anything else is "<n> days".
KINDS = [(range(1, 2), "day"), (range(7, 8), "week"), (range(28, 32), "month"), (range(89, 93), "quarter"),
         (range(365, 367), "year")]  # fmt: skip


def period_kind(start: date, end: date) -> str:
    """Return the kind of the period from `start` to `end` inclusive: "day", "week", "month", "quarter",
    "year" or "<n> days"."""
    days = (end - start).days + 1
    return next((name for lengths, name in KINDS if days in lengths), f"{days} days")


def dominant_kind(periods: Iterable[tuple[date, date]]) -> str | None:
    """Return the kind shared by most of the distinct periods given (ties: the shorter kind); None if none."""
    count: Counter[str] = Counter()
    shortest: dict[str, int] = {}
    for start, end in set(periods):
        kind = period_kind(start, end)
        count[kind] += 1
        shortest[kind] = min(shortest.get(kind, (end - start).days), (end - start).days)
    return max(count, key=lambda kind: (count[kind], -shortest[kind]), default=None)


def calendar_date(text: str) -> date:
    """Return the date `text` writes as YYYY-MM-DD (such as 2026-10-31), or raise ValueError saying why it is not
    one, quoting it (no final full stop): another spelling (a week date, a compact date, a time), or a day the
    calendar does not have (2026-02-30)."""
    shown = f"“{text}”"
    if not isinstance(text, str) or not CALENDAR_DATE.fullmatch(text):
        hint = ""
        if isinstance(text, str) and re.fullmatch(r"\d{4}-?W\d{2}(-?\d)?", text, re.ASCII | re.IGNORECASE):
            hint = " (YYYY-MM-DD; a week date is not read: give the week's first and last days)"
        elif isinstance(text, str) and re.fullmatch(r"\d{8}", text, re.ASCII):
            hint = " (YYYY-MM-DD; a date without its hyphens is not read)"
        raise ValueError(f"{shown} is not a date like {CALENDAR_DATE_EXAMPLE}{hint}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{shown} does not exist: {_missing_day(text)}") from None


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


def _missing_day(text: str) -> str:
    """Return why a YYYY-MM-DD that is no day of the calendar is none: "February 2026 has 28 days"."""
    year, month, day = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        return f"there is no month {month:02d} (YYYY-MM-DD, such as {CALENDAR_DATE_EXAMPLE})"
    if year == 0:
        return "there is no year 0"
    days = calendar.monthrange(year, month)[1]
    if day == 0:
        return "the days of a month start at 01"
    return f"{MONTHS[month - 1]} {year} has {days} days"
