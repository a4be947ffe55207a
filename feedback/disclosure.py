"""Disclosure control: which groups may be shown without revealing a group below the threshold.

Pure: plain data in, plain data out. DESIGN.md §3.3–3.4.

Groups form a tree (a team counts its own respondents and everyone below it). Showing a group and some
groups inside it reveals the rest by subtraction, so the rule is applied to what remains after subtraction,
not just to each group on its own.
"""

from collections.abc import Hashable, Iterable, Mapping

Group = Hashable


def hidden_groups(
    counts: Mapping[Group, int],
    parent_of: Mapping[Group, Group | None],
    threshold: int,
    *,
    members: Mapping[Group, int] | None = None,
    hidden: Iterable[Group] = (),
) -> set[Group]:
    """Return the groups that must not be shown.

    counts: respondents of each group, its descendants included.
    parent_of: each group's parent, or None for a root; every group in counts must be a key.
    members: when the counts are of people out of a known membership (who answered, out of who was invited),
        each group's members: a remainder of 0 respondents among 1 or more members is then as unsafe as a
        small one — it says that each of those members did not answer.
    hidden: groups to hide whatever their counts (chosen by the cross-figure audit, `disclosure_audit.settle`).

    1. Hide every group with fewer than `threshold` respondents.
    2. For each shown group, find its frontier: the nearest shown groups below it (seen through hidden ones).
       Subtracting the frontier from the group reveals the remainder, so if the remainder has between 1 and
       threshold − 1 respondents, hide the smallest frontier group as well (complementary suppression; the
       remainder then grows by that group).
    3. Repeat step 2 until no shown group has such a remainder.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    children: dict[Group, list[Group]] = {group: [] for group in counts}
    for group, parent in parent_of.items():
        if parent is not None and group in counts and parent in counts:
            children[parent].append(group)

    hidden = {group for group, n in counts.items() if n < threshold} | (set(hidden) & set(counts))

    def frontier(group: Group) -> list[Group]:
        found, stack = [], list(children[group])
        while stack:
            child = stack.pop()
            if child in hidden:
                stack.extend(children[child])
            else:
                found.append(child)
        return found

    changed = True
    while changed:
        changed = False
        for group in sorted(counts, key=repr):
            if group in hidden:
                continue
            shown_below = frontier(group)
            remainder = counts[group] - sum(counts[child] for child in shown_below)
            nobody_of_some = (
                members is not None
                and remainder == 0
                and members[group] - sum(members[child] for child in shown_below) > 0
            )
            if (0 < remainder < threshold or nobody_of_some) and shown_below:
                smallest = min(shown_below, key=lambda child: (counts[child], repr(child)))
                hidden.add(smallest)
                changed = True
    return hidden


def shown_pairs(
    counts: Mapping[tuple[Group, Hashable], int], parent_of: Mapping[Group, Group | None], threshold: int
) -> set[tuple[Group, Hashable]]:
    """Return the (group, measure) pairs that may be shown, applying `hidden_groups` to each measure on its own.

    counts: respondents of each group for each measure (a dimension, a question): who answered may differ
    from one measure to the next, so each measure's groups are checked over the tree separately.
    """
    by_measure: dict[Hashable, dict[Group, int]] = {}
    for (group, measure), n in counts.items():
        by_measure.setdefault(measure, {})[group] = n
    shown = set()
    for measure, groups in by_measure.items():
        hidden = hidden_groups(groups, parent_of, threshold)
        shown.update((group, measure) for group in groups if group not in hidden)
    return shown


def group_totals(counts: Mapping[Group, int], parent_of: Mapping[Group, Group | None]) -> dict[Group, int]:
    """Return each group's total: its own count plus every count below it (what `hidden_groups` takes).

    counts: a count per group for its own members only (invitations, responses per team).
    """
    totals: dict[Group, int] = {}
    for group, n in counts.items():
        seen = set()
        while group is not None and group not in seen:  # a malformed (cyclic) tree must not hang a report
            seen.add(group)
            totals[group] = totals.get(group, 0) + n
            group = parent_of.get(group)
    return totals


def participation_hidden(
    invited: Mapping[Group, int], answered: Mapping[Group, int], parent_of: Mapping[Group, Group | None], threshold: int
) -> set[Group]:
    """Return the invited groups whose answered count (and so response rate) must not be shown.

    invited, answered: each group's totals, descendants included (`group_totals`).

    The threshold counts respondents, as for every other figure (DESIGN.md §3.3): a group where fewer than
    `threshold` answered — none at all included, which would say that each of its members did not — is hidden,
    with complementary suppression so that no count below the threshold, and no "nobody answered" among
    invitees, follows by subtraction. Invited counts are the
    organisation chart's and are shown.
    """
    return hidden_groups({group: answered.get(group, 0) for group in invited}, parent_of, threshold, members=invited)
