"""Reads of metric values: per team and cycle period (for analysis), and rolled up a subtree (for timelines)."""

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from surveys import cadence
from surveys.models import Cycle

from ..models import MetricDefinition, MetricValue
from ..periods import dominant_kind, period_kind


def metric_values_by_cycle(
    *, cycles: list[Cycle], team_ids: Iterable[int] | None = None, metric_ids: Iterable[int] | None = None
) -> dict[int, dict[tuple[int, int], float]]:
    """Return {metric id: {(team id, cycle index): value}}, a metric's value over each cycle's period.

    A cycle's period runs from its opening to the next cycle's opening. DORA figures are computed for the
    exact cycle window; other metrics combine the values that start within the period by the metric's own
    time rollup (sum, mean or last), keeping to the metric's dominant kind of period (`feedback.periods`).
    Metric periods are dates, so each cycle is read as dates in its own time zone: a cycle opening Monday
    00:30 in Berlin opens on Monday (in UTC it would be Sunday), as DORA filed its window.
    """
    opened = [cadence.local_date(c.opens_at, c.time_zone) for c in cycles]
    bounds = [(opened[i], opened[i + 1] if i + 1 < len(cycles) else date.max) for i in range(len(cycles))]
    windows = {(opened[i], cadence.local_date(c.closes_at, c.time_zone)): i for i, c in enumerate(cycles)}
    # Each period ends where the next begins: in order, the one holding a day is the last to start by then.
    starts = [start for start, _ in bounds]
    ordered = starts == sorted(starts)
    definitions = {m.id: m for m in MetricDefinition.objects.all()}
    collected: dict[int, dict[tuple[int, int], list]] = defaultdict(lambda: defaultdict(list))
    values = MetricValue.objects.filter(team__isnull=False, period_start__gte=bounds[0][0]).order_by("period_start")
    if team_ids is not None:
        values = values.filter(team_id__in=list(team_ids))
    if metric_ids is not None:
        values = values.filter(metric_id__in=list(metric_ids))
    rows = list(values.values_list("metric_id", "team_id", "period_start", "period_end", "value"))
    periods = defaultdict(set)
    for metric_id, _, start, end, _ in rows:
        periods[metric_id].add((start, end))
    # Which cycle each distinct period of each metric falls in (None: none, or another kind of period), worked
    # out once per period rather than per value (130,000 values over 270 periods at 500 teams).
    cycle_of = {}
    for metric_id, found in periods.items():
        kind = dominant_kind(found)
        for start, end in found:
            if definitions[metric_id].builtin:
                index = windows.get((start, end))
            elif period_kind(start, end) != kind:
                index = None  # another kind of period over the same time: adding it would count the time twice
            else:
                index = (
                    bisect.bisect_right(starts, start) - 1  # the last period starting by then
                    if ordered
                    else next((i for i, (first, after) in enumerate(bounds) if first <= start < after), -1)
                )
                index = index if index >= 0 else None
            cycle_of[metric_id, start, end] = index
    for metric_id, team_id, start, end, value in rows:
        index = cycle_of[metric_id, start, end]
        if index is not None:
            collected[metric_id][(team_id, index)].append(value)
    combined: dict[int, dict[tuple[int, int], float]] = {}
    for metric_id, cells in collected.items():
        rollup = definitions[metric_id].time_rollup
        combined[metric_id] = {
            key: (sum(v) if rollup == "sum" else v[-1] if rollup == "last" else sum(v) / len(v))
            for key, v in cells.items()
        }
    return combined


class MetricPoint(NamedTuple):
    start: date
    end: date  # inclusive
    value: float  # over the group's teams
    ended: bool  # False while the period runs: the value is so far, not the period's (DORA's current week)


@dataclass(frozen=True)
class MetricSeries:
    metric: MetricDefinition
    period: str  # the kind of period every point covers: "week", "month", … (feedback.periods)
    points: list[MetricPoint]


def period_ended(end: date, *, today: date | None = None) -> bool:
    """Return whether a metric period whose last day is `end` has ended: it ends with that day, on the
    organisation's wall clock (TIME_ZONE), as DORA files its weeks. Until then its value is a figure so far:
    DORA's current week counts the deployments up to now against a whole week."""
    return end < (today or cadence.local_date(timezone.now(), settings.TIME_ZONE))


def metric_timeline(*, team_ids: Iterable[int], since: date) -> list[MetricSeries]:
    """Return each metric's values for a group over time, its teams' values combined by the metric's team rollup.

    A period's value is the sum of its teams' values for a `sum` metric (deployments, incidents) and their
    mean otherwise (rates, durations, scores). Only teams that reported the period count, and only periods of
    the metric's dominant kind (`feedback.periods`): a week and a cycle window starting the same day are two
    periods, never added together. A point whose period has not ended is marked (`ended` False).
    """
    today = cadence.local_date(timezone.now(), settings.TIME_ZONE)
    definitions = {m.id: m for m in MetricDefinition.objects.all()}
    # Summed and counted by the database, a row per metric and period: a group of 5,000 teams has 600,000
    # values over a dashboard's twelve cycles, and the timeline needs each period's sum and count.
    collected: dict[int, dict[tuple[date, date], tuple[float, int]]] = defaultdict(dict)
    rows = (
        MetricValue.objects.filter(team_id__in=list(team_ids), period_start__gte=since)
        .order_by()
        .values_list("metric_id", "period_start", "period_end")
        .annotate(total=Sum("value"), n=Count("id"))
    )
    for metric_id, period_start, period_end, total, n in rows:
        collected[metric_id][(period_start, period_end)] = (total, n)
    series = []
    for metric_id, periods in collected.items():
        metric = definitions[metric_id]
        kind = dominant_kind(periods)
        summed = metric.team_rollup == MetricDefinition.Rollup.SUM
        points = [
            MetricPoint(start, end, total if summed else total / n, period_ended(end, today=today))
            for (start, end), (total, n) in sorted(periods.items())
            if period_kind(start, end) == kind
        ]
        series.append(MetricSeries(metric=metric, period=kind, points=points))
    return sorted(series, key=lambda s: (s.metric.category, s.metric.name))
