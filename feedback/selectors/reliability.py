"""Reliability of each dimension's questions: Cronbach's α over the whole organisation, with its interval.

α is computed at aggregation over the organisation's responses that answered every item of the dimension
(`DimensionReliability`). It is shown only where it says nothing the shown figures do not: when the cycle's
tree has one top group, that group's figure for the dimension is shown, and its respondents are exactly the
responses α counts (so its n is a shown n, and at least the threshold). Otherwise α's n could be a hidden
group's count taken from a shown one (two top-level teams: α over 8, one team's 6 shown, the other's 2 hidden),
or the count of who answered every item of a dimension with an optional one, which the audit hides. It is shown
to those who see the top group: admins, and leaders of the whole organisation.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F

from surveys.models import Cycle, CycleTeam, Dimension

from ..models import DimensionReliability, GroupScore
from ..statistics import RELIABLE_ALPHA, cronbach_alpha_interval


@dataclass(frozen=True)
class Reliability:
    dimension: Dimension
    cycle: Cycle
    alpha: float  # Cronbach's α, at most 1 (negative when the items disagree outright)
    interval: tuple[float, float] | None  # Feldt's 95% interval
    respondents: int  # responses that answered every item of the dimension
    items: int

    @property
    def items_disagree(self) -> bool:
        """Return whether α is below RELIABLE_ALPHA: the questions do not measure one thing consistently."""
        return self.alpha < RELIABLE_ALPHA


def _shown():
    return DimensionReliability.objects.filter(alpha__isnull=False, respondents__gte=F("cycle__threshold"))


def top_groups(cycle_ids) -> dict[int, int]:
    """Return each cycle's one top group (team id) of its frozen tree, for cycles whose tree has exactly one."""
    teams: dict[int, dict[int, int | None]] = defaultdict(dict)
    for cycle_id, team_id, parent_id in CycleTeam.objects.filter(cycle_id__in=cycle_ids).values_list(
        "cycle_id", "team_id", "parent_id"
    ):
        teams[cycle_id][team_id] = parent_id
    tops = {c: [t for t, p in tree.items() if p not in tree] for c, tree in teams.items()}
    return {c: found[0] for c, found in tops.items() if len(found) == 1}


def _published(rows: list[DimensionReliability]) -> list[DimensionReliability]:
    """Keep the α whose complete responses are exactly its cycle's top group's shown respondents."""
    top = top_groups({row.cycle_id for row in rows})
    respondents = {
        (score.cycle_id, score.dimension_id): score.respondents
        for score in GroupScore.objects.filter(cycle_id__in=top, team_id__in=set(top.values()), shown=True)
        if top[score.cycle_id] == score.team_id
    }
    return [row for row in rows if respondents.get((row.cycle_id, row.dimension_id)) == row.respondents]


def _reliability(row: DimensionReliability) -> Reliability:
    interval = cronbach_alpha_interval(row.alpha, respondents=row.respondents, items=row.items)
    return Reliability(row.dimension, row.cycle, row.alpha, interval, row.respondents, row.items)


def cycle_reliabilities(
    *, cycle: Cycle, dimension_ids: list[int], root_id: int, parents: dict[int, int | None] | None = None
) -> list[Reliability]:
    """Return α for the given dimensions in one cycle, by dimension name, where it may be shown, for a viewer
    whose dashboard root is `root_id` (nothing unless that is the cycle's top group; three queries, two when
    the cycle's frozen tree is given as `parents`, team → parent)."""
    if parents is None:
        top = top_groups([cycle.id]).get(cycle.id)
    else:
        tops = [team for team, parent in parents.items() if parent not in parents]
        top = tops[0] if len(tops) == 1 else None
    if top != root_id:
        return []
    rows = _shown().filter(cycle=cycle, dimension_id__in=dimension_ids).select_related("dimension", "cycle")
    return sorted((_reliability(row) for row in _published(list(rows))), key=lambda r: r.dimension.name)


def latest_reliabilities() -> dict[int, Reliability]:
    """Return each dimension's α in the latest closed cycle where it may be shown (dimension id → α; three queries)."""
    latest: dict[int, Reliability] = {}
    rows = _shown().select_related("dimension", "cycle").order_by("-cycle__closes_at", "-cycle_id")
    for row in _published(list(rows)):
        if row.dimension_id not in latest:
            latest[row.dimension_id] = _reliability(row)
    return latest
