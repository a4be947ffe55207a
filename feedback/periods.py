"""Kinds of metric period (a week, a month, a cycle's window), so that periods of one kind are never added to
periods of another. Pure: dates in, labels out.

A metric may hold values over periods of different lengths at once — DORA keeps a row per week and a row per
cycle window, and an upload may give monthly and quarterly revenue — and two such rows can start on the same
day. Adding them counts the same deployments twice. Every combination of a metric's values therefore keeps to
one kind of period: the kind with the most periods, which is the finest regular series the metric has.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import date

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
