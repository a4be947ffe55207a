"""Metric ingestion: validated batches upserted all-or-nothing."""

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from surveys import cadence
from surveys.names import name_finder, unknown_path_messages
from surveys.selectors import team_paths

from ..models import MetricDefinition, MetricValue
from ..periods import period_kind
from ..stored_numbers import number_text
from ..units import percent_spelling, unit_stored

MAX_BATCH = 5000


@dataclass(frozen=True)
class MetricRowError:
    index: int
    field: str
    message: str
    same_as: int | None = None  # for a duplicate: the index of the earlier row with the same key


@dataclass(frozen=True)
class MetricRow:
    metric: str
    team: str | None  # a team path such as "Engineering/Platform"; None or "" for the whole organisation
    period_start: date | None  # None: not readable in a file; the row is checked otherwise, never written
    period_end: date | None
    value: float | None
    percent: bool = False  # written with a % sign: only a metric measured in % takes it


def measured_in_percent(metric: MetricDefinition) -> bool:
    """Return whether a metric's unit is "%": a share of a whole (churn rate, change failure rate), 0 to 100.

    Only the unit "%" itself, however written (`units.percent_spelling`: ％, ٪, "percent", "Per cent"; a
    definition stores it as "%", one made before that may not): a metric of changes in percent, which may be
    negative or above 100 (growth), is defined with another unit, such as "% change".
    """
    return percent_spelling(metric.unit)


def percent_problem(metric: MetricDefinition, value: float) -> str | None:
    """Return why a value cannot be a share in % (below 0 or above 100), or None."""
    if not measured_in_percent(metric) or 0 <= value <= 100:
        return None
    return (
        f"“{metric.key}” is measured in % (a share, 0 to 100), so {number_text(value)} cannot be one of its "
        "values. A share written as a fraction (0.05 for 5%) is multiplied by 100 first."
    )


def organisation_today() -> date:
    """Return today's date on the organisation's wall clock (TIME_ZONE), the clock metric periods are read on."""
    return cadence.local_date(timezone.now(), settings.TIME_ZONE)


def future_problem(start: date, *, today: date) -> str | None:
    """Return why a period starting on `start` has no value yet (it starts after today), or None.

    A period that has begun takes a value so far (DORA's current week; `selectors.metrics.period_ended`); one that
    has not has nothing to measure: a typed year (2062 for 2026) or a placeholder, which a timeline would plot as
    "so far" decades ahead. Refused now, such a row is accepted once its period begins.
    """
    if start <= today:
        return None
    return (
        f"The period starts on {start.isoformat()}, after today ({today.isoformat()} on the organisation's clock, "
        f"{settings.TIME_ZONE}): a value can be sent once its period has begun."
    )


def _overlaps(resolved: list[tuple], indexes: list[int]) -> list[MetricRowError]:
    """Return an error for every new period that overlaps another period of the same metric and team, unless one
    lies wholly inside the other and they are of different kinds (months within a quarter).

    Two periods of one kind would both be counted on one "per month" (or per week, …) line: the time they share
    twice. Periods of different kinds may nest (months and their quarter): they are never combined
    (`feedback.periods`). But periods that overlap without nesting are refused whatever their kinds: a
    spreadsheet's exclusive end dates (2023-01-01 to 2023-02-01, then 2023-02-01 to 2023-03-01) make months of
    32 days and of a month by turns, two kinds that never shared a line, so half of them were dropped from the
    month line without a word. The identical period is the same value, replaced. Stored periods that already
    overlap each other are left alone: a correction of one of them is still accepted.

    1. Read the stored periods of the metrics and teams written, within the dates the batch spans.
    2. Per metric and team, sort every distinct period (stored and new) by its start.
    3. For each new period, look back at the periods starting up to its end (from its start − the longest
       period there), and refuse it at the first that overlaps it without nesting in a different kind.
    """
    if not resolved:
        return []
    teams = {row[1] for row in resolved}
    same_teams = Q(team_id__in=teams - {None}) | (Q(team__isnull=True) if None in teams else Q(pk__in=[]))
    stored = MetricValue.objects.filter(
        same_teams,
        metric_id__in={row[0] for row in resolved},
        period_start__lte=max(row[3] for row in resolved),
        period_end__gte=min(row[2] for row in resolved),
    ).values_list("metric_id", "team_id", "period_start", "period_end")
    groups: dict[tuple, dict[tuple[date, date], int | None]] = defaultdict(dict)  # period → batch row or None
    for metric_id, team_id, start, end in stored:
        groups[(metric_id, team_id)][(start, end)] = None
    for (metric_id, team_id, start, end, _), index in zip(resolved, indexes, strict=True):
        groups[(metric_id, team_id)].setdefault((start, end), index)
    errors = []
    for periods in groups.values():
        ordered = sorted(periods)
        starts = [start for start, _ in ordered]
        longest = max(end - start for start, end in ordered)
        for (start, end), index in periods.items():
            if index is None:
                continue
            position = bisect.bisect_right(starts, end)
            lowest = bisect.bisect_left(starts, start - longest)
            other = next(
                (
                    (other_start, other_end)
                    for other_start, other_end in ordered[lowest:position]
                    if other_end >= start
                    and (other_start, other_end) != (start, end)
                    and not _nested_kinds((start, end), (other_start, other_end))
                ),
                None,
            )
            if other is None:
                continue
            if periods[other] is None:
                where = f"the stored period {other[0].isoformat()} to {other[1].isoformat()}"
                fix = "send that period itself to replace its value"
            else:
                where = f"the period {other[0].isoformat()} to {other[1].isoformat()} of another row sent with it"
                fix = "send one of them"
            exclusive = end == other[0] or other[1] == start  # one day shared: an end given as the next start
            hint = (
                " The end date is the period's last day: a month is 2026-01-01 to 2026-01-31, not to 2026-02-01."
                if exclusive
                else ""
            )
            errors.append(
                MetricRowError(
                    index,
                    "period_start",
                    f"The period {start.isoformat()} to {end.isoformat()} overlaps {where}, for the same metric "
                    f"and team: both would be counted for the days they share. Use the same periods ({fix}).{hint}",
                )
            )
    return errors


def _nested_kinds(period: tuple[date, date], other: tuple[date, date]) -> bool:
    """Return whether one period lies wholly inside the other and they are of different kinds (a month within
    its quarter): such periods are never combined, so they may overlap."""
    (start, end), (other_start, other_end) = period, other
    inside = (other_start <= start and end <= other_end) or (start <= other_start and other_end <= end)
    return inside and period_kind(start, end) != period_kind(other_start, other_end)


def _team_key(path: str) -> str:
    return "/".join(part.strip() for part in path.strip().strip("/").split("/"))


def _resolve(rows: list[MetricRow]) -> tuple[list[tuple], list[MetricRowError]]:
    """Return the rows as (metric id, team id, start, end, value) and every problem of every row.

    Each field is checked on its own, so one upload shows all of a file's problems at once; a duplicate is
    looked for only among rows whose metric, team and period are all known.
    """
    metrics = name_finder({m.key: m for m in MetricDefinition.objects.all()})
    paths = team_paths()
    teams = name_finder({_team_key(path): team_id for path, team_id in paths.items()})
    unknown_path = unknown_path_messages(paths)
    today = organisation_today()
    resolved, indexes, errors, seen = [], [], [], {}
    for index, row in enumerate(rows):
        found = []
        metric = metrics(row.metric)
        if metric is None:
            found.append(("metric", f"Unknown metric “{row.metric}”."))
        elif metric.builtin:
            found.append(("metric", f"“{row.metric}” is computed by Align from delivery events."))
        team_id = None
        if row.team:
            team_id = teams(_team_key(row.team))
            if team_id is None:
                found.append(("team", unknown_path(row.team)))
        for name in ("period_start", "period_end", "value"):
            if getattr(row, name) is None:
                found.append((name, f"The {name} is missing."))
        if row.period_start and row.period_end and row.period_end < row.period_start:
            found.append(("period_end", "The period ends before it starts."))
        if row.period_start is not None and (problem := future_problem(row.period_start, today=today)):
            found.append(("period_start", problem))
        if row.value is not None and not math.isfinite(row.value):
            found.append(("value", "The value must be a finite number."))
        elif row.value is not None and metric is not None and (problem := percent_problem(metric, row.value)):
            found.append(("value", problem))
        if row.percent and metric is not None and not measured_in_percent(metric):
            found.append(
                ("value", f"“{row.metric}” is not measured in %: write the value without the % sign, as it is stored.")
            )
        errors.extend(MetricRowError(index, name, message) for name, message in found)
        if metric is None or (row.team and team_id is None) or row.period_start is None or row.period_end is None:
            continue
        key = (metric.id, team_id, row.period_start, row.period_end)
        if key in seen:
            errors.append(
                MetricRowError(
                    index, "period_start", f"Same metric, team and period as row {seen[key]}.", same_as=seen[key]
                )
            )
            continue
        seen[key] = index
        if not found:
            resolved.append((metric.id, team_id, row.period_start, row.period_end, row.value))
            indexes.append(index)
    errors.extend(_overlaps(resolved, indexes))
    errors.sort(key=lambda error: error.index)
    return resolved, errors


def metric_rows_matched(*, rows: list[MetricRow]) -> list[tuple[str | None, str | None]]:
    """Return, for each row, (the key of the metric it names, the path of the team it names) as stored, found as
    saving finds them (_resolve: exactly, else ignoring case and width when that names exactly one), so that a
    preview shows what a row will be saved under: the team Acme/Engineering/Platform for a row typed
    `ACME/engineering/Ｐｌａｔｆｏｒｍ`. None where it names nothing (an unknown one), and a team of None for a
    row of the whole organisation (no team)."""
    metrics = name_finder({key: key for key in MetricDefinition.objects.values_list("key", flat=True)})
    teams = name_finder({_team_key(path): path for path in team_paths()})
    return [(metrics(row.metric), teams(_team_key(row.team)) if row.team else None) for row in rows]


def percent_fraction_warnings(*, rows: list[MetricRow]) -> list[str]:
    """Return a warning for each metric measured in % whose every value in the rows lies between 0 and 1
    exclusive, each written without a % sign: likely fractions (0.999 for 99.9%), which would be stored as shares
    below 1%. A warning, not a refusal: 0.5% uptime lost is a real value, and the admin decides."""
    metrics = name_finder({m.key: m for m in MetricDefinition.objects.all()})
    values: dict[str, list[tuple[float, bool]]] = {}
    for row in rows:
        metric = metrics(row.metric)
        if metric is not None and row.value is not None and measured_in_percent(metric):
            values.setdefault(metric.key, []).append((row.value, row.percent))
    return [
        f"All values of {key} in the file lie between 0 and 1: if these are fractions, multiply them by 100 "
        f"({key} is measured in %, so 0.999 is stored as 0.999%, not 99.9%)."
        for key, found in values.items()
        if all(0 < value < 1 and not percent for value, percent in found)
    ]


def metric_values_plan(*, rows: list[MetricRow]) -> tuple[int, int, list[MetricRowError]]:
    """Return (would create, would update, errors) for a batch, without writing anything."""
    resolved, errors = _resolve(rows)
    if errors:
        return 0, 0, errors
    existing = set(
        MetricValue.objects.filter(
            metric_id__in={r[0] for r in resolved}, period_start__in={r[2] for r in resolved}
        ).values_list("metric_id", "team_id", "period_start", "period_end")
    )
    updates = sum(1 for r in resolved if r[:4] in existing)
    return len(resolved) - updates, updates, []


@transaction.atomic
def metric_definition_create(
    *, key: str, name: str, unit: str, category: str, direction: str, time_rollup: str, team_rollup: str
) -> MetricDefinition:
    """Define a custom metric that values can then be sent for, its unit as `units.unit_stored` keeps it ("％",
    "percent" and "Per cent" are "%")."""
    definition = MetricDefinition(
        key=key, name=name, unit=unit_stored(unit), category=category, direction=direction,
        time_rollup=time_rollup, team_rollup=team_rollup, builtin=False,
    )  # fmt: skip
    definition.full_clean()
    definition.save()
    return definition


def metric_values_upsert(
    *, rows: list[MetricRow], source: str, max_rows: int = MAX_BATCH
) -> tuple[int, int, list[MetricRowError]]:
    """Write a batch of metric values; return (created, updated, errors). Any error: nothing is written.

    A value for the same metric, team and period replaces the old one (late corrections replace, not
    duplicate), so sending the same batch twice changes nothing.
    """
    if len(rows) > max_rows:
        return 0, 0, [MetricRowError(max_rows, "__all__", f"Send at most {max_rows} values per request.")]
    resolved, errors = _resolve(rows)
    if errors:
        return 0, 0, errors
    try:
        written = _write(resolved, source)
    except IntegrityError:
        # Another batch inserted one of these keys between our read and our insert: read again, once.
        written = _write(resolved, source)
    from .correlations import correlations_refresh_enqueue

    correlations_refresh_enqueue()
    return (*written, [])


@transaction.atomic
def _write(resolved: list[tuple], source: str) -> tuple[int, int]:
    wanted = {(metric_id, team_id, start, end) for metric_id, team_id, start, end, _ in resolved}
    # A superset in one query (one OR per row would overflow SQL expression limits), narrowed here. It is
    # limited to the teams written, so concurrent writers for different teams never lock each other's rows.
    teams = {key[1] for key in wanted}
    same_teams = Q(team_id__in=teams - {None}) | (Q(team__isnull=True) if None in teams else Q(pk__in=[]))
    candidates = MetricValue.objects.select_for_update().filter(
        same_teams, metric_id__in={key[0] for key in wanted}, period_start__in={key[2] for key in wanted}
    )
    existing = {}
    for value in candidates:
        key = (value.metric_id, value.team_id, value.period_start, value.period_end)
        if key in wanted:
            existing[key] = value
    now = timezone.now()
    to_create, to_update = [], []
    for metric_id, team_id, start, end, number in resolved:
        current = existing.get((metric_id, team_id, start, end))
        if current is None:
            to_create.append(
                MetricValue(
                    metric_id=metric_id,
                    team_id=team_id,
                    period_start=start,
                    period_end=end,
                    value=number,
                    source=source,
                )
            )
        elif current.value != number or current.source != source:
            current.value, current.source, current.updated_at = number, source, now
            to_update.append(current)
    MetricValue.objects.bulk_create(to_create, batch_size=1000)
    MetricValue.objects.bulk_update(to_update, ["value", "source", "updated_at"], batch_size=1000)
    return len(to_create), len(to_update)


@transaction.atomic
def metric_values_write(*, values: list[tuple], source: str) -> None:
    """Write values computed inside Align: (metric key, team id, start, end, value or None to remove)."""
    ids = dict(MetricDefinition.objects.values_list("key", "id"))
    keep = [(ids[key], team, start, end, value) for key, team, start, end, value in values if value is not None]
    for key, team, start, end, value in values:
        if value is None:
            MetricValue.objects.filter(metric_id=ids[key], team_id=team, period_start=start, period_end=end).delete()
    _write(keep, source)
