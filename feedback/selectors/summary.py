"""The leader's summary at the top of the dashboard: how the group is, what changed, what to look at.

Built only from figures the dashboard already shows under disclosure control (the heatmap's row for the
group, its participation, movers, drivers, findings and metric timeline) and from the eNPS item figure
aggregation marked shown, so the summary can say nothing the rest of the page could not. Its sentences state
figures and tests, never causes.
"""

from dataclasses import dataclass, field

from surveys.models import Cycle, Question

from .. import numbers
from ..models import ItemScore
from ..statistics import EnpsGroups, enps_groups
from .dashboard import Dashboard, HeatCell, Mover, ParticipationPoint, Trend, TrendPoint
from .drivers import GroupDrivers
from .metrics import MetricPoint, MetricSeries


@dataclass(frozen=True)
class DimensionLine:
    cell: HeatCell  # the group's figure in the summary's cycle, with its change from the previous one
    spark: list[float | None]  # the group's figure in each cycle of the dashboard's range; None where not shown
    scale: str  # "enps", or the agreement scale's number of points: the sparkline's whole scale
    earlier: TrendPoint | None = None  # not asked this cycle (a rotating template): its last shown figure before


@dataclass(frozen=True)
class CycleFigure:
    """A group's figure of one dimension in one cycle, as the digest states it under that cycle's heading."""

    point: TrendPoint | None  # the cycle's figure (shown or hidden); None: the cycle did not ask the dimension
    earlier: TrendPoint | None = None  # where it did not: the last shown figure before it, said as such


def figure_in_cycle(trend: Trend, cycle: Cycle) -> CycleFigure:
    """Return a trend's figure in `cycle`, never another cycle's: where the cycle did not ask the dimension (a
    rotating template), no point, and the last shown figure of an earlier cycle apart, to be said as that."""
    point = next((p for p in trend.points if p.cycle.id == cycle.id), None)
    if point is not None:
        return CycleFigure(point=point)
    before = [p for p in trend.points if p.shown and p.cycle.opens_at < cycle.opens_at]
    return CycleFigure(point=None, earlier=before[-1] if before else None)


@dataclass(frozen=True)
class MetricMove:
    series: MetricSeries
    latest: MetricPoint  # the last period that has ended
    previous: MetricPoint  # the period before it

    @property
    def change(self) -> float:
        return self.latest.value - self.previous.value


@dataclass(frozen=True)
class Summary:
    cycle: Cycle
    participation: ParticipationPoint | None
    previous_participation: ParticipationPoint | None
    dimensions: list[DimensionLine]
    enps: EnpsGroups | None  # the group's promoters, passives and detractors, where its distribution is shown
    movers: list[Mover]  # the largest few
    drivers: GroupDrivers | None
    findings: int  # associations that survive the correction for testing many pairs, over every team analysed
    metrics: list[MetricMove]  # each metric's last period ended by the cycle's close, against the one before
    sentences: list[str] = field(default_factory=list)
    # The dashboard's dimension filter leaves some out. Drivers, focus areas and strengths stay those of all
    # dimensions, and say so: each is read against the others (its share of what they explain together), so
    # the ones of a filtered few would be other figures than the drivers section's.
    filtered: bool = False
    # The cycle before this one that reported on the group, whatever the range shown: None, and nothing to compare
    # this cycle's scores with yet.
    previous_cycle: Cycle | None = None
    # Whether the group is the organisation: the associations are found over every team of the organisation, so
    # a smaller group's summary says they are the organisation's, not its own.
    whole_organisation: bool = True


def dashboard_summary(*, data: Dashboard, drivers: GroupDrivers | None, movers: int = 3) -> Summary | None:
    """Return the summary of a dashboard's group in its heatmap cycle, or None before any cycle is reported.

    `data` is `selectors.dashboard.dashboard(...)` for the group; `drivers` its `group_drivers` in the same
    cycle, or None where there are none to show.
    """
    cycle = data.heat_cycle
    if cycle is None or not data.heatmap:
        return None
    order = {c.id: i for i, c in enumerate(data.cycles)}
    position = order[cycle.id]
    by_cycle = {point.cycle.id: point for point in data.participation}
    participation = by_cycle.get(cycle.id)
    previous = by_cycle.get(data.cycles[position - 1].id) if position else None
    trends = {trend.dimension.id: trend for trend in data.trends}
    lines = []
    for cell in data.heatmap[0].cells:
        trend = trends.get(cell.dimension.id)
        points = [p for p in trend.points if order[p.cycle.id] <= position] if trend else []
        spark = [p.value if p.shown else None for p in points]  # the cycles that asked it, up to this one
        scale = "enps" if (trend and trend.enps) or cell.enps else str(cell.points)
        earlier = next((p for p in reversed(points) if p.shown), None) if not cell.asked else None
        lines.append(DimensionLine(cell=cell, spark=spark, scale=scale, earlier=earlier))
    lines.sort(key=lambda line: not line.cell.asked)  # what this cycle asked first
    summary = Summary(
        cycle=cycle,
        participation=participation,
        previous_participation=previous if previous is not None and previous.shown else None,
        dimensions=lines,
        enps=_enps_groups(team_id=data.root.id, cycle=cycle),
        movers=data.movers[:movers],
        drivers=drivers,
        findings=sum(1 for view in data.findings if view.finding.significant),
        metrics=[move for series in data.metrics if (move := _latest_move(series, cycle)) is not None],
        filtered=len(data.dimensions) < len(data.available_dimensions),
        previous_cycle=_reported_before(data.reporting, cycle),
        whole_organisation=data.root.parent_id is None,
    )
    summary.sentences.extend(_sentences(summary, data))
    return summary


def _enps_groups(*, team_id: int, cycle: Cycle) -> EnpsGroups | None:
    item = ItemScore.objects.filter(cycle=cycle, team_id=team_id, shown=True, question__kind=Question.Kind.ENPS).first()
    if item is None:
        return None
    return enps_groups({int(answer): count for answer, count in item.distribution.items()})


def _reported_before(reporting: list[Cycle], cycle: Cycle) -> Cycle | None:
    ids = [c.id for c in reporting]
    return reporting[ids.index(cycle.id) - 1] if cycle.id in ids and ids.index(cycle.id) > 0 else None


def _latest_move(series: MetricSeries, cycle: Cycle) -> MetricMove | None:
    """Return a metric's last period ended by the cycle's close against the one before, or None with fewer than
    two: the summary of an earlier cycle shows the periods up to it, not the latest."""
    closed = cycle.closes_at.date()
    ended = [point for point in series.points if point.ended and point.end <= closed]
    return MetricMove(series=series, latest=ended[-1], previous=ended[-2]) if len(ended) >= 2 else None


def _sentences(summary: Summary, data: Dashboard) -> list[str]:
    """Return the summary's plain-language paragraph, one figure or test result per sentence."""
    name, cycle = data.root.name, summary.cycle.name
    said = []
    point = summary.participation
    if point is not None and point.shown:
        rate = numbers.percent(point.rate)
        text = f"In {cycle}, {point.answered} of {point.invited} people in {name} answered ({rate}%)"
        before = summary.previous_participation
        if before is not None:
            text += f", against {numbers.percent(before.rate)}% in {before.cycle.name}"
        said.append(text + ".")
        if point.low:
            said.append("Under half of those invited answered, so the figures may not speak for those who did not.")
    else:
        said.append(f"Participation in {cycle} is not shown: too few people to report.")
    rose = [line.cell.dimension.name for line in summary.dimensions if line.cell.flagged and line.cell.change > 0]
    fell = [line.cell.dimension.name for line in summary.dimensions if line.cell.flagged and line.cell.change < 0]
    if rose or fell:
        parts = [f"{_listed(rose)} rose"] if rose else []
        parts += [f"{_listed(fell)} fell"] if fell else []
        each = "each " if len(rose) + len(fell) > 1 else ""
        said.append(
            f"Since the previous cycle, {' and '.join(parts)} in {name}, {each}by more than chance would explain "
            "and by at least 0.3 points (10 eNPS points)."
        )
    elif compared := [line for line in summary.dimensions if line.cell.shown and line.cell.change is not None]:
        text = f"No score of {name} as a whole changed by more than chance and the practical size"
        shown = sum(1 for line in summary.dimensions if line.cell.shown)
        if len(compared) < shown:  # the others have no earlier figure shown: nothing is said of them
            text += f" ({len(compared)} of the {shown} scores shown have an earlier figure to compare with)"
        said.append(text + ".")
    elif any(line.cell.shown for line in summary.dimensions):
        if summary.previous_cycle is None:
            said.append(
                f"{cycle} is the first cycle that asked the whole of {name}: there is nothing to compare its "
                "scores with yet."
            )
        else:
            said.append(
                f"No score of {name} in {cycle} can be compared with {summary.previous_cycle.name}: no earlier "
                "figure of it is shown."
            )
    else:  # nothing shown, so nothing to say of changes: "no score changed" would tell of hidden scores
        said.append(f"The scores of {name} in {cycle} are not shown: too few people.")
    others = [m for m in summary.movers if m.team_id != data.root.id]
    if others:
        top = others[0]
        size = numbers.text(top.change_size, top.change_digits)
        said.append(
            f"The largest change in a group: {top.name}, {top.dimension.name}, "
            f"{'up' if top.change > 0 else 'down'} {size} {top.change_unit} (n = {top.n})."
        )
    drivers = summary.drivers
    if drivers is not None and drivers.focus:
        areas = _listed([area.driver.dimension.name for area in drivers.focus])
        said.append(
            # Focus areas score below the median of the dimensions read against the outcome (feedback.drivers.
            # focus_areas), not below every other one.
            f"Suggested focus: {areas}, associated with {drivers.outcome.name} in the same responses and "
            f"scoring in the lower half of {name}'s dimensions, each on its own scale"
            + (", of all dimensions whatever the dimension filter." if summary.filtered else ".")
        )
    if summary.findings:
        one = summary.findings == 1
        # The analysis runs over every team of the organisation: a smaller group's summary says whose they are.
        whose = f"Over all {name}'s teams" if summary.whole_organisation else "Over all the organisation's teams"
        said.append(
            f"{whose}, {summary.findings} association{'' if one else 's'} between survey scores and metrics "
            f"{'survives' if one else 'survive'} the correction for testing many pairs (associations, not causes)"
            + ("." if summary.whole_organisation else f"; they are the organisation's, not {name}'s alone.")
        )
    return said


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
