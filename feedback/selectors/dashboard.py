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

from django.db.models import Q

from surveys.models import Cycle, CycleQuestion, CycleTeam, Dimension, Team
from surveys.scales import Scale
from surveys.selectors import dimension_scales, team_ancestor_ids, team_subtree_ids

from ..models import Finding, GroupScore
from ..statistics import PRACTICAL_CHANGE, PRACTICAL_ENPS_CHANGE, mean_interval
from .metrics import MetricSeries, metric_timeline, metric_values_by_cycle
from .participation import group_cycles_reporting, participation_figures
from .reliability import Reliability, cycle_reliabilities

REPORTED_STATES = [Cycle.State.CLOSED, Cycle.State.PUBLISHED]
DEFAULT_CYCLES = 12
FINDINGS_WITH_SCATTER = 6
HEATMAP_ROWS = 1000
# A scatter draws at most this many team-cycles: the points of whole groups of the subtree (each point is
# against its group's own average, so a group is drawn with all its cycles or not at all), SCATTER_POINTS
# divided by the number of cycles of them, a random choice that is the same on every view of the subtree.
# 500 teams × 26 cycles would be 13,000 points a chart, more than a reader tells apart and most of the page's
# time. The finding's own figures (r, its interval, q, teams, team-cycles) are always the analysis's over
# every team.
SCATTER_POINTS = 1000


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
    # A sample (`scatter_sample`): the scatter draws the points of `groups_drawn` of the subtree's
    # `groups_total` teams (groups without sub-groups), chosen at random; None when it draws every team.
    groups_drawn: int | None = None
    groups_total: int | None = None

    @property
    def groups_with_points(self) -> int:
        """Return how many groups the scatter's points are from."""
        return len({p.team for p in self.points})


@dataclass
class Dashboard:
    root: Team
    cycles: list[Cycle]  # the range shown, of `reporting`
    heat_cycle: Cycle | None
    dimensions: list[Dimension]
    available_dimensions: list[Dimension]
    participation: list[ParticipationPoint]
    trends: list[Trend]
    heatmap: list[HeatRow]  # every group's row, or the page's only (`dashboard`'s whole_heatmap)
    movers: list[Mover]
    findings: list[FindingView]
    metrics: list[MetricSeries]
    reliability: list[Reliability] = field(default_factory=list)  # α of the heatmap cycle's dimensions
    reporting: list[Cycle] = field(default_factory=list)  # every cycle that reports on the group, oldest first
    # The heatmap's rows on the page: every level of the tree below the group that fits in HEATMAP_ROWS rows
    # (`heatmap` keeps them all, for its CSV); each group links to its own dashboard with the level below it.
    heatmap_shown: list[HeatRow] = field(default_factory=list)
    heatmap_depth: int | None = None  # the deepest level on the page, where some are left to the groups' own pages
    heatmap_groups: int = 0  # the heatmap's groups, on the page or not
    path: list[int] = field(default_factory=list)  # the group and each group above it now, nearest first
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


class HeatPlace(NamedTuple):
    team_id: int
    depth: int


def heatmap_places(root_id: int, tree: dict[int, tuple[int | None, str]], invited_groups: set[int]) -> list[HeatPlace]:
    """Return the heatmap's groups under the root in tree order (children by name), each with its depth below
    the root: the groups with invitees (`invited_groups`), each reached through groups with invitees.

    tree: the cycle's frozen tree, team → (parent, name).
    """
    children = defaultdict(list)
    for team_id, (parent, _) in tree.items():
        children[parent].append(team_id)
    places: list[HeatPlace] = []
    stack = [(root_id, 0)]
    while stack:  # depth first, each group's children in name order: a stack takes them in reverse
        team_id, depth = stack.pop()
        if team_id not in invited_groups:
            continue
        places.append(HeatPlace(team_id, depth))
        below = sorted(children[team_id], key=lambda t: tree[t][1].lower())
        stack += [(child, depth + 1) for child in reversed(below)]
    return places


def _heatmap(
    cycle, dimensions, places: list[HeatPlace], rows_of: list[HeatPlace], tree, scales: dict
) -> tuple[list[HeatRow], list[Mover]]:
    """Return the cycle's heatmap rows of the groups `rows_of` and the movers among every group of `places`
    (`heatmap_places`); `tree`: the cycle's, team → (parent, name); `scales`: each dimension's
    (`dimension_scales`), which a cell's colour and unit follow whether or not this cycle asked the dimension.

    Only the rows' groups' scores are read, and the flagged changes of the rest: at 5,000 teams a page shows
    the 501 rows down to the departments (`heatmap_levels`) of the cycle's 44,000 figures.
    """
    columns = (
        "team_id", "dimension_id", "respondents", "mean", "enps", "change", "change_shown", "change_flagged",
        "change_ci_low", "change_ci_high",
    )  # fmt: skip
    # A change is a mover where it is shown and flagged, stored in the figure's own unit (eNPS points for eNPS:
    # `statistics.enps_change_between`).
    moved = Q(change_shown=True, change_flagged=True, change__isnull=False)
    shown = GroupScore.objects.filter(cycle=cycle, shown=True)
    limited = len(rows_of) < len(places)
    if limited:  # the rows' groups' figures and every flagged change, in one query
        row_groups = {place.team_id for place in rows_of}
        shown = shown.filter(Q(team_id__in=list(row_groups)) | moved)
    scores, flagged = {}, {}
    for s in shown.values_list(*columns, named=True):  # plain rows
        if not limited or s.team_id in row_groups:
            scores[s.team_id, s.dimension_id] = s
        if s.change_shown and s.change_flagged and s.change is not None:
            flagged[s.team_id, s.dimension_id] = s
    asked = set(CycleQuestion.objects.filter(cycle=cycle).values_list("question__dimension_id", flat=True))
    rows = []
    for team_id, depth in rows_of:
        cells = []
        for dimension in dimensions:
            score = scores.get((team_id, dimension.id))
            scale = scales[dimension.id]
            if score is None:
                asked_here = dimension.id in asked or not asked
                cells.append(
                    HeatCell(dimension=dimension, shown=False, asked=asked_here, enps=scale.enps, points=scale.points)
                )
                continue
            change = score.change if score.change_shown else None
            cells.append(
                HeatCell(
                    dimension=dimension,
                    shown=True,
                    n=score.respondents,
                    value=score.enps if scale.enps else score.mean,
                    enps=scale.enps,
                    change=change,
                    flagged=score.change_flagged and change is not None,
                    points=scale.points,
                )
            )
        rows.append(HeatRow(team_id=team_id, name=tree[team_id][1], depth=depth, cells=cells))
    movers = [
        Mover(
            team_id=team_id,
            name=tree[team_id][1],
            dimension=dimension,
            n=score.respondents,
            change=score.change,
            interval=(score.change_ci_low, score.change_ci_high),
            enps=scales[dimension.id].enps,
        )
        for team_id, _ in places
        for dimension in dimensions
        if (score := flagged.get((team_id, dimension.id))) is not None
    ]
    # Largest first, in practical sizes (scale and eNPS points are different units); ties in tree order.
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


def scatter_sample(subtree: set[int], *, cycles: int) -> set[int]:
    """Return the groups of `subtree` (team ids) whose team-cycles a finding's scatter draws: all of them when
    they fit in SCATTER_POINTS points over `cycles` cycles, else SCATTER_POINTS // `cycles` of them (at least
    one) chosen at random, seeded by the subtree so that every view of it draws the same."""
    size = max(1, SCATTER_POINTS // max(1, cycles))
    if len(subtree) <= size:
        return subtree
    return set(random.Random(min(subtree)).sample(sorted(subtree), size))  # noqa: S311


def _findings(all_cycles: list[Cycle], teams: set[int], team_names: dict[int, str]) -> list[FindingView]:
    """Return the findings, most credible first; the first few with their team points inside the subtree.

    Points are a team's shown score and its metric value for a cycle (lag 1: the next cycle's value), each
    minus the team's own average: the within-team relation the repeated-measures correlation measures.
    `teams`: the subtree's teams without sub-groups, the correlation's units (a department's score
    re-counts its teams'). The scores and metric values are read for the teams `scatter_sample` draws only;
    a scatter of a sample says so (`FindingView.groups_drawn`, `groups_total`), so at most SCATTER_POINTS
    points a chart.
    """
    findings = list(Finding.objects.select_related("dimension", "metric").order_by("q", "-n_points"))
    with_points = [f for f in findings if f.significant][:FINDINGS_WITH_SCATTER]
    if not with_points or not all_cycles:
        return [FindingView(finding=f) for f in findings]
    drawn = scatter_sample(teams, cycles=len(all_cycles))
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
    sample = {"groups_drawn": len(drawn), "groups_total": len(teams)} if drawn is not teams else {}
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
        views.append(FindingView(finding=finding, points=points, **sample))
    return views


def dashboard(
    *,
    root: Team,
    first_cycle: int | None = None,
    last_cycle: int | None = None,
    heat_cycle: int | None = None,
    dimension_ids: list[int] | None = None,
    whole_heatmap: bool = True,
) -> Dashboard:
    """Return what the leadership dashboard shows for `root`'s subtree under the given filters.

    whole_heatmap: False for a page, whose heatmap has the rows of `heatmap_levels` only (`Dashboard.heatmap`
    is then `heatmap_shown`, and `heatmap_groups` counts them all); True for its CSV, which has every group.

    Its cycles are those that report on the group (`participation.cycles_reporting`: the audience took in the
    whole group and invited someone in it), so the default heatmap cycle is the latest of those, and every
    "previous cycle" the page compares with is the one before it among them. The caller has checked that
    the viewer may see `root` (`teams_visible_to`).
    """
    all_cycles = reported_cycles()
    # The group's own participation in each cycle (its whole tree read only where the rule needs it); the
    # heatmap cycle's whole tree and participation below.
    reporting, figures = group_cycles_reporting(team_id=root.id, cycles=all_cycles)
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
    heatmap, movers, heatmap_shown, heatmap_depth, heatmap_groups, chosen_parents = [], [], [], None, 0, None
    if chosen:
        tree = {
            team_id: (parent_id, name)
            for team_id, parent_id, name in CycleTeam.objects.filter(cycle=chosen).values_list(
                "team_id", "parent_id", "name"
            )
        }
        chosen_parents = {team_id: parent for team_id, (parent, _) in tree.items()}
        invited = participation_figures(cycles=[chosen], trees={chosen.id: chosen_parents})[chosen.id][0]
        invited_groups = set(invited)
        places = heatmap_places(root.id, tree, invited_groups)
        page_places, heatmap_depth = heatmap_levels(places)
        rows_of = places if whole_heatmap else page_places
        heatmap, movers = _heatmap(chosen, dimensions, places, rows_of, tree, scales)
        heatmap_shown = heatmap if rows_of is page_places else heatmap_levels(heatmap)[0]
        heatmap_groups = len(places)
    current = Team.objects.values_list("id", "parent_id", "name")
    parents_now = {team_id: parent for team_id, parent, _ in current}
    subtree_now = team_subtree_ids([root.id], parents=parents_now)
    path = team_ancestor_ids(root.id, parents=parents_now)
    names_now = {team_id: name for team_id, _, name in current}
    return Dashboard(
        heatmap_shown=heatmap_shown,
        heatmap_depth=heatmap_depth,
        heatmap_groups=heatmap_groups,
        path=path,
        root=root,
        cycles=cycles,
        heat_cycle=chosen,
        dimensions=dimensions,
        available_dimensions=available,
        participation=_participation(cycles, root.id, figures),
        trends=_trends(cycles, dimensions, shown_scores, dimensions_asked(ids), scales),
        heatmap=heatmap,
        movers=movers,
        findings=_findings(all_cycles, subtree_now - set(parents_now.values()), names_now),
        metrics=metric_timeline(team_ids=subtree_now, since=cycles[0].opens_at.date()) if cycles else [],
        reliability=cycle_reliabilities(
            cycle=chosen, dimension_ids=[d.id for d in dimensions], root_id=root.id, parents=chosen_parents
        )
        if chosen
        else [],
        reporting=reporting,
        enps_ids={d.id for d in dimensions if scales[d.id].enps},
        scales=scales,
    )
