"""The leadership dashboard's reads: a subtree's participation, trends, heatmap, movers and findings.

Every figure comes from aggregates whose disclosure was decided at aggregation (`GroupScore.shown`), for the
whole organisation's tree. Filters (subtree, cycle range, dimension) only choose which of those figures to
show, so no combination of filters shows anything the unfiltered organisation view hides. The number of
queries does not grow with the number of teams.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from surveys.models import Cycle, CycleQuestion, CycleTeam, Dimension, Team
from surveys.scales import Scale
from surveys.selectors import dimension_scales, team_subtree_ids

from ..models import Finding, GroupScore
from ..statistics import PRACTICAL_CHANGE, PRACTICAL_ENPS_CHANGE, mean_interval
from .metrics import MetricSeries, metric_timeline, metric_values_by_cycle
from .participation import cycles_reporting, participation_figures
from .reliability import Reliability, cycle_reliabilities

REPORTED_STATES = [Cycle.State.CLOSED, Cycle.State.PUBLISHED]
DEFAULT_CYCLES = 12
FINDINGS_WITH_SCATTER = 6
HEATMAP_ROWS = 1000
# A scatter draws the team-cycles of at most this many groups of the subtree (a random choice, the same on
# every view of the subtree): 5,000 teams × 26 cycles would be 130,000 points a chart, more than a page can
# carry or a reader tell apart. The finding's own figures (r, its interval, q, teams, team-cycles) are always
# the analysis's over every team.
SCATTER_TEAMS = 1000


@dataclass(frozen=True)
class TrendPoint:
    cycle: Cycle
    shown: bool
    n: int | None = None
    value: float | None = None
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class Trend:
    dimension: Dimension
    points: list[TrendPoint]
    enps: bool = False
    scale: Scale | None = None  # the dimension's (`surveys.selectors.dimension_scales`), where the reader knows it


# Below this share of those invited answering, those who answered may not speak for those who did not
# (non-response bias): the figures are shown, with a word of care.
LOW_RESPONSE_RATE = 0.5


class ResponseRate:
    """The response rate of a participation figure that may be shown (`shown`, `invited`, `answered`)."""

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.shown and self.invited else None

    @property
    def low(self) -> bool:
        """Whether the rate is shown and below LOW_RESPONSE_RATE."""
        return self.rate is not None and self.rate < LOW_RESPONSE_RATE


@dataclass(frozen=True)
class ParticipationPoint(ResponseRate):
    cycle: Cycle
    shown: bool
    invited: int | None = None
    answered: int | None = None


class _ChangeInItsUnit:
    """A change in its figure's own unit: eNPS points for an eNPS figure (`enps`), scale points otherwise."""

    enps: bool

    @property
    def change_unit(self) -> str:
        return "eNPS points" if self.enps else "points"

    @property
    def change_digits(self) -> int:
        """Return the decimals a change is shown with (eNPS is a whole number of points)."""
        return 0 if self.enps else 2

    @property
    def change_size(self) -> float | None:
        """Return the change without its sign, for text that says "up" or "down" in words."""
        return None if self.change is None else abs(self.change)


@dataclass(frozen=True)
class HeatCell(_ChangeInItsUnit):
    dimension: Dimension
    shown: bool
    asked: bool = True  # False: the cycle did not ask the dimension (a rotating template), so it has no figure
    n: int | None = None
    value: float | None = None
    enps: bool = False
    change: float | None = None  # in the figure's own unit: scale points, or eNPS points
    flagged: bool = False
    points: int = 5  # the dimension's scale (`surveys.selectors.dimension_scales`): 5 or 7; eNPS (11) runs −100 to 100

    @property
    def level(self) -> int:
        """Return a colour step 1–5 (low to high) for where the cell's value lies on its own scale."""
        if not self.shown or self.value is None:
            return 0
        position = (self.value + 100) / 200 if self.enps else (self.value - 1) / (self.points - 1)
        return min(5, max(1, 1 + int(position * 5)))


@dataclass(frozen=True)
class HeatRow:
    team_id: int
    name: str
    depth: int
    cells: list[HeatCell]


@dataclass(frozen=True)
class Mover(_ChangeInItsUnit):
    team_id: int
    name: str
    dimension: Dimension
    n: int
    change: float  # in the figure's own unit (`change_unit`)
    interval: tuple[float, float]
    enps: bool = False


class ScatterPoint(NamedTuple):  # a tuple, not a dataclass: a scatter at 500 teams has 13,000 of them
    team: str
    cycle: str
    score: float  # the team's score minus its own average over the points shown
    metric: float  # likewise for the metric


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    points: list[ScatterPoint] = field(default_factory=list)
    teams_drawn: int | None = None  # the scatter draws SCATTER_TEAMS of this many groups, chosen at random


@dataclass
class Dashboard:
    root: Team
    cycles: list[Cycle]  # the range shown, of `reporting`
    heat_cycle: Cycle | None
    dimensions: list[Dimension]
    available_dimensions: list[Dimension]
    participation: list[ParticipationPoint]
    trends: list[Trend]
    heatmap: list[HeatRow]
    movers: list[Mover]
    findings: list[FindingView]
    metrics: list[MetricSeries]
    reliability: list[Reliability] = field(default_factory=list)  # α of the heatmap cycle's dimensions
    reporting: list[Cycle] = field(default_factory=list)  # every cycle that reports on the group, oldest first
    # The heatmap's rows on the page: every level of the tree below the group that fits in HEATMAP_ROWS rows
    # (`heatmap` keeps them all, for its CSV); each group links to its own dashboard with the level below it.
    heatmap_shown: list[HeatRow] = field(default_factory=list)
    heatmap_depth: int | None = None  # the deepest level on the page, where some are left to the groups' own pages
    enps_ids: set[int] = field(default_factory=set)  # the dimensions whose figure is an eNPS
    scales: dict = field(default_factory=dict)  # dimension id → its scales.Scale (`dimension_scales`)


def reported_cycles() -> list[Cycle]:
    """Return every closed or published cycle, oldest first."""
    return list(Cycle.objects.filter(state__in=REPORTED_STATES).order_by("opens_at"))


def _in_range(cycles: list[Cycle], first: int | None, last: int | None) -> list[Cycle]:
    ids = [c.id for c in cycles]
    start = ids.index(first) if first in ids else max(0, len(cycles) - DEFAULT_CYCLES)
    end = ids.index(last) if last in ids else len(cycles) - 1
    return cycles[start : end + 1] if start <= end else cycles[end : start + 1]


def _participation(cycles: list[Cycle], root_id: int, figures: dict) -> list[ParticipationPoint]:
    """Return the root group's invited and answered counts per cycle, shown where disclosure control allows its
    answered count (`figures`: `participation.participation_figures` of the cycles)."""
    points = []
    for cycle in cycles:
        invited, answered, hidden = figures[cycle.id]
        if root_id not in invited or root_id in hidden:
            points.append(ParticipationPoint(cycle=cycle, shown=False))
        else:
            points.append(
                ParticipationPoint(cycle=cycle, shown=True, invited=invited[root_id], answered=answered.get(root_id, 0))
            )
    return points


def trend_point(cycle: Cycle, figure) -> TrendPoint:
    """Return a point of a trend from a shown figure (a group score or a report cell), or a hidden point for None.

    eNPS is plotted as eNPS, without an interval; a scale score with the t interval of its mean.
    """
    if figure is None:
        return TrendPoint(cycle=cycle, shown=False)
    if figure.enps is not None:
        return TrendPoint(cycle=cycle, shown=True, n=figure.respondents, value=figure.enps)
    interval = mean_interval(figure.mean, figure.sd, figure.respondents)
    return TrendPoint(cycle=cycle, shown=True, n=figure.respondents, value=figure.mean, interval=interval)


def dimensions_asked(cycle_ids) -> dict[int, set[int]]:
    """Return {cycle id: the dimensions it asked}: a rotating template leaves some out of a cycle."""
    asked: dict[int, set[int]] = defaultdict(set)
    for cycle_id, dimension_id in (
        CycleQuestion.objects.filter(cycle_id__in=list(cycle_ids))
        .values_list("cycle_id", "question__dimension_id")
        .distinct()
    ):
        asked[cycle_id].add(dimension_id)
    return asked


def _trends(cycles, dimensions, root_scores, asked, scales) -> list[Trend]:
    """Return each dimension's trend: a point per cycle that asked it (hidden where disclosure control hides it);
    a cycle that did not ask it has no point, a gap in the line rather than a zero or a "suppressed"."""
    trends = []
    for dimension in dimensions:
        points = [
            trend_point(cycle, root_scores.get((cycle.id, dimension.id)))
            for cycle in cycles
            if dimension.id in asked[cycle.id] or not asked[cycle.id]  # a cycle that froze nothing: all of it
        ]
        scale = scales[dimension.id]
        trends.append(Trend(dimension=dimension, points=points, enps=scale.enps, scale=scale))
    return trends


def _heatmap(
    cycle, dimensions, root_id, tree, invited_groups: set[int], scales: dict
) -> tuple[list[HeatRow], list[Mover]]:
    """Return the cycle's heatmap rows under the root and its movers; `invited_groups`: the cycle's groups with
    invitees (`participation.participation_figures`); `scales`: each dimension's (`dimension_scales`), which a
    cell's colour and unit follow whether or not this cycle asked the dimension."""
    shown = GroupScore.objects.filter(cycle=cycle, shown=True).values_list(
        "team_id", "dimension_id", "respondents", "mean", "enps", "change", "change_shown", "change_flagged",
        "change_ci_low", "change_ci_high", named=True,
    )  # fmt: skip
    scores = {(s.team_id, s.dimension_id): s for s in shown}  # plain rows: 44,000 a cycle at 5,000 teams
    parents = {team_id: parent for team_id, (parent, _) in tree.items()}
    names = {team_id: name for team_id, (_, name) in tree.items()}
    asked = set(CycleQuestion.objects.filter(cycle=cycle).values_list("question__dimension_id", flat=True))
    children = defaultdict(list)
    for team_id, parent in parents.items():
        children[parent].append(team_id)
    rows, movers = [], []

    def walk(team_id: int, depth: int) -> None:
        if team_id not in invited_groups:
            return
        cells = []
        for dimension in dimensions:
            score = scores.get((team_id, dimension.id))
            if score is None:
                asked_here = dimension.id in asked or not asked
                cells.append(
                    HeatCell(
                        dimension=dimension,
                        shown=False,
                        asked=asked_here,
                        enps=scales[dimension.id].enps,
                        points=scales[dimension.id].points,
                    )
                )
                continue
            is_enps = scales[dimension.id].enps
            # Stored in the figure's own unit (eNPS points for eNPS: `statistics.enps_change_between`).
            change = score.change if score.change_shown else None
            flagged = score.change_flagged and change is not None
            cells.append(
                HeatCell(
                    dimension=dimension,
                    shown=True,
                    n=score.respondents,
                    value=score.enps if is_enps else score.mean,
                    enps=is_enps,
                    change=change,
                    flagged=flagged,
                    points=scales[dimension.id].points,
                )
            )
            if flagged:
                movers.append(
                    Mover(
                        team_id=team_id,
                        name=names[team_id],
                        dimension=dimension,
                        n=score.respondents,
                        change=score.change,
                        interval=(score.change_ci_low, score.change_ci_high),
                        enps=is_enps,
                    )
                )
        rows.append(HeatRow(team_id=team_id, name=names[team_id], depth=depth, cells=cells))
        for child in sorted(children[team_id], key=lambda t: names[t].lower()):
            walk(child, depth + 1)

    walk(root_id, 0)
    # Largest first, in practical sizes (scale and eNPS points are different units).
    movers.sort(key=lambda m: -abs(m.change) / (PRACTICAL_ENPS_CHANGE if m.enps else PRACTICAL_CHANGE))
    return rows, movers


def heatmap_levels(rows: list[HeatRow], limit: int = HEATMAP_ROWS) -> tuple[list[HeatRow], int | None]:
    """Return the heatmap rows a page shows, in tree order, and the deepest level shown if some were left out
    (0: the rows were cut at `limit`).

    Every level down to the deepest whose rows, with those above, fit in `limit`: a tree of 5,000 teams under
    500 departments shows the organisation and its departments, and each department's page its teams. A level
    that does not fit even on its own is cut at `limit` rows.
    """
    if len(rows) <= limit:
        return rows, None
    per_level: dict[int, int] = defaultdict(int)
    for row in rows:
        per_level[row.depth] += 1
    depth, total = 0, per_level[0]
    while depth + 1 in per_level and total + per_level[depth + 1] <= limit:
        depth += 1
        total += per_level[depth]
    if depth == 0:  # the group's own level below it does not fit: its first `limit` rows, in tree order
        return rows[:limit], 0
    return [row for row in rows if row.depth <= depth], depth


def _findings(all_cycles: list[Cycle], subtree_now: set[int], team_names: dict[int, str]) -> list[FindingView]:
    """Return the findings, most credible first; the first few with their team points inside the subtree.

    Points are a team's shown score and its metric value for a cycle (lag 1: the next cycle's value), each
    minus the team's own average: the within-team relation the repeated-measures correlation measures. A
    subtree of more than SCATTER_TEAMS groups draws the points of SCATTER_TEAMS of them, chosen at random
    (seeded by the subtree, so every view of it draws the same), and says so (`FindingView.teams_drawn`).
    """
    findings = list(Finding.objects.select_related("dimension", "metric").order_by("q", "-n_points"))
    with_points = [f for f in findings if f.significant][:FINDINGS_WITH_SCATTER]
    if not with_points or not all_cycles:
        return [FindingView(finding=f) for f in findings]
    drawn = subtree_now
    if len(subtree_now) > SCATTER_TEAMS:
        drawn = set(random.Random(min(subtree_now)).sample(sorted(subtree_now), SCATTER_TEAMS))  # noqa: S311
    index = {c.id: i for i, c in enumerate(all_cycles)}
    scores: dict[int, dict[tuple[int, int], float]] = defaultdict(dict)
    rows = GroupScore.objects.filter(
        cycle_id__in=list(index),
        shown=True,
        team_id__in=list(drawn),
        dimension_id__in={f.dimension_id for f in with_points},
    ).values_list("dimension_id", "team_id", "cycle_id", "mean")
    for dimension_id, team_id, cycle_id, mean in rows:
        scores[dimension_id][(team_id, index[cycle_id])] = mean
    metrics = metric_values_by_cycle(cycles=all_cycles, team_ids=drawn, metric_ids={f.metric_id for f in with_points})
    cycle_names = [c.name for c in all_cycles]
    teams_drawn = len(subtree_now) if drawn is not subtree_now else None
    views = []
    for finding in findings:
        if finding not in with_points:
            views.append(FindingView(finding=finding))
            continue
        values = metrics.get(finding.metric_id, {})
        lag = finding.lag
        by_team: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
        for (team_id, i), score in scores[finding.dimension_id].items():
            value = values.get((team_id, i + lag))
            if value is not None:
                by_team[team_id].append((i, score, value))
        points = []
        for team_id, team_points in by_team.items():
            if len(team_points) < 2:
                continue
            score_mean = sum([p[1] for p in team_points]) / len(team_points)
            metric_mean = sum([p[2] for p in team_points]) / len(team_points)
            name = team_names.get(team_id, "?")
            points += [
                ScatterPoint(name, cycle_names[i], score - score_mean, value - metric_mean)
                for i, score, value in team_points
            ]
        views.append(FindingView(finding=finding, points=points, teams_drawn=teams_drawn))
    return views


def dashboard(
    *,
    root: Team,
    first_cycle: int | None = None,
    last_cycle: int | None = None,
    heat_cycle: int | None = None,
    dimension_ids: list[int] | None = None,
) -> Dashboard:
    """Return what the leadership dashboard shows for `root`'s subtree under the given filters.

    Its cycles are those that report on the group (`participation.cycles_reporting`: the audience took in the
    whole group and invited someone in it), so the default heatmap cycle is the latest of those, and every
    "previous cycle" the page compares with is the one before it among them. The caller has checked that
    the viewer may see `root` (`teams_visible_to`).
    """
    all_cycles = reported_cycles()
    trees: dict[int, dict[int, int | None]] = defaultdict(dict)
    tree_names: dict[int, dict[int, tuple[int | None, str]]] = defaultdict(dict)
    for cycle_id, team_id, parent_id, name in CycleTeam.objects.filter(
        cycle_id__in=[c.id for c in all_cycles]
    ).values_list("cycle_id", "team_id", "parent_id", "name"):
        trees[cycle_id][team_id] = parent_id
        tree_names[cycle_id][team_id] = (parent_id, name)
    figures = participation_figures(cycles=all_cycles, trees=trees)
    reporting = cycles_reporting(team_id=root.id, cycles=all_cycles, trees=trees, figures=figures)
    cycles = _in_range(reporting, first_cycle, last_cycle) if reporting else []
    ids = [c.id for c in cycles]
    root_scores = {(s.cycle_id, s.dimension_id): s for s in GroupScore.objects.filter(cycle_id__in=ids, team=root)}
    shown_scores = {key: s for key, s in root_scores.items() if s.shown}
    # Each dimension's scale from its questions (`dimension_scales`): a dimension with none (no questions, or a
    # mixed bank from before the rule, which is not scored) or a comment dimension has no figure to show.
    scales = dimension_scales(dimension_ids={d for _, d in root_scores})
    dimensions = list(
        Dimension.objects.filter(id__in=[d for d, scale in scales.items() if scale is not None and scale.scored])
        .distinct()
        .order_by("name")
    )
    available = dimensions
    if dimension_ids:
        dimensions = [d for d in dimensions if d.id in dimension_ids]
    chosen = next((c for c in cycles if c.id == heat_cycle), cycles[-1] if cycles else None)
    # A row per group with invitees, whether or not anyone answered: a row that existed only where someone
    # did would say so of a group too small to show.
    heatmap, movers = (
        _heatmap(chosen, dimensions, root.id, tree_names[chosen.id], set(figures[chosen.id][0]), scales)
        if chosen
        else ([], [])
    )
    current = Team.objects.values_list("id", "parent_id", "name")
    parents_now = {team_id: parent for team_id, parent, _ in current}
    subtree_now = team_subtree_ids([root.id], parents=parents_now)
    names_now = {team_id: name for team_id, _, name in current}
    heatmap_shown, heatmap_depth = heatmap_levels(heatmap)
    return Dashboard(
        heatmap_shown=heatmap_shown,
        heatmap_depth=heatmap_depth,
        root=root,
        cycles=cycles,
        heat_cycle=chosen,
        dimensions=dimensions,
        available_dimensions=available,
        participation=_participation(cycles, root.id, figures),
        trends=_trends(cycles, dimensions, shown_scores, dimensions_asked(ids), scales),
        heatmap=heatmap,
        movers=movers,
        findings=_findings(all_cycles, subtree_now, names_now),
        metrics=metric_timeline(team_ids=subtree_now, since=cycles[0].opens_at.date()) if cycles else [],
        reliability=cycle_reliabilities(cycle=chosen, dimension_ids=[d.id for d in dimensions], root_id=root.id)
        if chosen
        else [],
        reporting=reporting,
        enps_ids={d.id for d in dimensions if scales[d.id].enps},
        scales=scales,
    )
