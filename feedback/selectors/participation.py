"""Participation figures: how many of each group were invited and answered, under disclosure control."""

from collections import defaultdict

from django.db.models import Count

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


def audience_covers(*, team_id: int, audience: set[int], parents: dict[int, int | None]) -> bool:
    """Return whether a cycle's audience took in the whole of a group: everyone (no teams named), or the group
    or a group above it, in the cycle's tree (`parents`, as it stood when the cycle opened)."""
    return not audience or any(group in audience for group in team_ancestor_ids(team_id, parents=parents))


def cycles_reporting(
    *, team_id: int, cycles: list[Cycle], trees: dict[int, dict[int, int | None]] | None = None, figures=None
) -> list[Cycle]:
    """Return the cycles, in the order given, that report on a group: those whose audience took in the whole
    group (`audience_covers`) and that invited someone in it.

    A cycle for a part of the group only (a one-off survey of one of its teams) is left out: its figures are
    for that part, reported on that part's own dashboard, and set beside the group's other cycles they would
    read as a change of the whole group. So every figure a group's dashboard, summary and digest compare is
    between cycles that asked the whole group. `trees` (each cycle's frozen tree) and `figures`
    (`participation_figures` of the cycles) are read when not given.
    """
    ids = [cycle.id for cycle in cycles]
    if trees is None:
        trees = defaultdict(dict)
        for cycle_id, member, parent in CycleTeam.objects.filter(cycle_id__in=ids).values_list(
            "cycle_id", "team_id", "parent_id"
        ):
            trees[cycle_id][member] = parent
    audiences: dict[int, set[int]] = defaultdict(set)
    for cycle_id, named in Cycle.teams.through.objects.filter(cycle_id__in=ids).values_list("cycle_id", "team_id"):
        audiences[cycle_id].add(named)
    figures = participation_figures(cycles=cycles, trees=trees) if figures is None else figures
    return [
        cycle
        for cycle in cycles
        if figures[cycle.id][0].get(team_id)
        and audience_covers(team_id=team_id, audience=audiences[cycle.id], parents=trees.get(cycle.id, {}))
    ]
