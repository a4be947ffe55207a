"""Participation figures: how many of each group were invited and answered, under disclosure control."""

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Subquery

from surveys.models import Cycle, CycleTeam, Invitation, Response
from surveys.selectors import team_ancestor_ids

from ..disclosure import group_totals, participation_hidden
from ..models import ParticipationFigure

SETTLED_STATES = (Cycle.State.CLOSED, Cycle.State.PUBLISHED)


def participation_figures(
    *, cycles: list[Cycle], trees: dict[int, dict]
) -> dict[int, tuple[dict[int, int], dict[int, int], set[int]]]:
    """Return per cycle each group's invited and answered counts and the groups whose answered count is hidden.

    trees: each cycle's frozen tree (team → parent). A closed cycle's figures were settled with all its other
    figures by the disclosure audit when it was aggregated (`ParticipationFigure`); until its aggregation has
    written them, no answered count of it is shown (the tree rule's figures, taken with the settled ones
    after, would give away what the audit hides). An open cycle's follow the tree rule alone
    (`disclosure.participation_hidden`: at least the threshold answered, and no smaller group's count, nor
    "none of these invitees answered", by subtraction). Three queries at most whatever the cycles.
    """
    ids = [cycle.id for cycle in cycles]
    settled: dict[int, tuple[dict, dict, set]] = {}
    for row in ParticipationFigure.objects.filter(cycle_id__in=ids).values_list(
        "cycle_id", "team_id", "invited", "answered", "shown"
    ):
        invited, answered, hidden = settled.setdefault(row[0], ({}, {}, set()))
        invited[row[1]], answered[row[1]] = row[2], row[3]
        if not row[4]:
            hidden.add(row[1])
    live = [cycle for cycle in cycles if cycle.id not in settled or cycle.state not in SETTLED_STATES]
    invited_of: dict[int, dict[int, int]] = defaultdict(dict)
    answered_of: dict[int, dict[int, int]] = defaultdict(dict)
    live_ids = [cycle.id for cycle in live]
    for cycle_id, team_id, n in (
        Invitation.objects.filter(cycle_id__in=live_ids).values_list("cycle_id", "team_id").annotate(n=Count("id"))
    ):
        invited_of[cycle_id][team_id] = n
    for cycle_id, team_id, n in (
        Response.objects.filter(cycle_id__in=live_ids).values_list("cycle_id", "team_id").annotate(n=Count("id"))
    ):
        answered_of[cycle_id][team_id] = n
    for cycle in live:
        parents = trees.get(cycle.id, {})
        invited, answered = group_totals(invited_of[cycle.id], parents), group_totals(answered_of[cycle.id], parents)
        if cycle.state in SETTLED_STATES:  # closed, its aggregation not done yet: nothing answered is shown
            settled[cycle.id] = (invited, {}, set(invited))
        else:
            settled[cycle.id] = (invited, answered, participation_hidden(invited, answered, parents, cycle.threshold))
    return settled


def group_participation_figures(
    *, team_id: int, cycles: list[Cycle]
) -> tuple[dict[int, tuple[dict[int, int], dict[int, int], set[int]]], dict[int, dict[int, int | None]]]:
    """Return `participation_figures` of the cycles for one group only (each cycle's invited and answered
    counts and hidden set holding the group at most), and the frozen trees read on the way (team → parent).

    A cycle whose figures are settled (`ParticipationFigure`) gives the group's own row, and no tree is read
    for it: at 5,000 teams a cycle has 5,551 of each. A cycle not settled yet is worked out whole by
    `participation_figures`, its tree read. Two queries, five with cycles not settled, whatever the cycles.
    """
    ids = [cycle.id for cycle in cycles]
    own = ParticipationFigure.objects.filter(cycle_id=OuterRef("pk"), team_id=team_id)
    rows = (
        Cycle.objects.filter(id__in=ids)
        .annotate(
            settled=Exists(ParticipationFigure.objects.filter(cycle_id=OuterRef("pk"))),
            own_invited=Subquery(own.values("invited")[:1]),
            own_answered=Subquery(own.values("answered")[:1]),
            own_shown=Subquery(own.values("shown")[:1]),
        )
        .filter(settled=True)
        .values_list("id", "own_invited", "own_answered", "own_shown")
    )
    figures: dict[int, tuple[dict[int, int], dict[int, int], set[int]]] = {}
    for cycle_id, invited, answered, shown in rows:  # one query: each cycle settled, with the group's row if any
        figures[cycle_id] = ({}, {}, set())
        if invited is not None:
            figures[cycle_id][0][team_id], figures[cycle_id][1][team_id] = invited, answered
            if not shown:
                figures[cycle_id][2].add(team_id)
    settled_ids = set(figures)
    unsettled = [cycle for cycle in cycles if cycle.id not in settled_ids]
    trees: dict[int, dict[int, int | None]] = defaultdict(dict)
    for cycle_id, member, parent in CycleTeam.objects.filter(cycle_id__in=[c.id for c in unsettled]).values_list(
        "cycle_id", "team_id", "parent_id"
    ):
        trees[cycle_id][member] = parent
    if unsettled:
        figures |= participation_figures(cycles=unsettled, trees=trees)
    return figures, trees


def group_cycles_reporting(*, team_id: int, cycles: list[Cycle]) -> tuple[list[Cycle], dict]:
    """Return `cycles_reporting` for a group, and its `group_participation_figures` (the group's own figures in
    each cycle), reading a cycle's whole tree only where the rule needs it: a cycle not settled yet, or one
    for a named audience. Three queries when every cycle is settled, whatever the number of teams."""
    figures, trees = group_participation_figures(team_id=team_id, cycles=cycles)
    audiences = cycle_audiences([cycle.id for cycle in cycles])
    for cycle_id, member, parent in CycleTeam.objects.filter(
        cycle_id__in=[c for c in audiences if c not in trees]
    ).values_list("cycle_id", "team_id", "parent_id"):
        trees[cycle_id][member] = parent
    reporting = cycles_reporting(team_id=team_id, cycles=cycles, trees=trees, figures=figures, audiences=audiences)
    return reporting, figures


def cycle_audiences(cycle_ids: list[int]) -> dict[int, set[int]]:
    """Return each cycle's named audience (team ids); a cycle for everyone names none (no entry)."""
    audiences: dict[int, set[int]] = defaultdict(set)
    for cycle_id, named in Cycle.teams.through.objects.filter(cycle_id__in=cycle_ids).values_list(
        "cycle_id", "team_id"
    ):
        audiences[cycle_id].add(named)
    return audiences


def audience_covers(*, team_id: int, audience: set[int], parents: dict[int, int | None]) -> bool:
    """Return whether a cycle's audience took in the whole of a group: everyone (no teams named), or the group
    or a group above it, in the cycle's tree (`parents`, as it stood when the cycle opened)."""
    return not audience or any(group in audience for group in team_ancestor_ids(team_id, parents=parents))


def cycles_reporting(
    *,
    team_id: int,
    cycles: list[Cycle],
    trees: dict[int, dict[int, int | None]] | None = None,
    figures=None,
    audiences: dict[int, set[int]] | None = None,
) -> list[Cycle]:
    """Return the cycles, in the order given, that report on a group: those whose audience took in the whole
    group (`audience_covers`) and that invited someone in it.

    A cycle for a part of the group only (a one-off survey of one of its teams) is left out: its figures are
    for that part, reported on that part's own dashboard, and set beside the group's other cycles they would
    read as a change of the whole group. So every figure a group's dashboard, summary and digest compare is
    between cycles that asked the whole group. `trees` (each cycle's frozen tree; only a cycle with a named
    audience needs one), `figures` (`participation_figures` of the cycles, or the group's own:
    `group_participation_figures`) and `audiences` (`cycle_audiences`) are read when not given.
    """
    ids = [cycle.id for cycle in cycles]
    if trees is None:
        trees = defaultdict(dict)
        for cycle_id, member, parent in CycleTeam.objects.filter(cycle_id__in=ids).values_list(
            "cycle_id", "team_id", "parent_id"
        ):
            trees[cycle_id][member] = parent
    audiences = cycle_audiences(ids) if audiences is None else audiences
    figures = participation_figures(cycles=cycles, trees=trees) if figures is None else figures
    return [
        cycle
        for cycle in cycles
        if figures[cycle.id][0].get(team_id)
        and audience_covers(team_id=team_id, audience=audiences.get(cycle.id, set()), parents=trees.get(cycle.id, {}))
    ]
