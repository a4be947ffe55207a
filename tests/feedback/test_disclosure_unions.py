"""The disclosure audit holds for every set of teams, not only the sets it lists up front.

An attacker may ask about any union of teams' own members (two sibling teams together, a team and its
parent's own members, ...). Here every such union is put to the audit's own exact integer programme after
`settle`, on generated organisations: nothing it can pin may remain shown.
"""

import itertools

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench.disclosure import POINTS, QUESTIONS, figures  # the bench's generated organisations are built alike
from feedback.disclosure_audit import (
    PARTICIPATION,
    Publication,
    _audit_targets,
    dimension,
    question,
    settle,
)


@st.composite
def organisations(draw):
    """A tree of 2-5 teams (each under an earlier one), 0-8 invitees each, each not answering or answering q1
    and answering or skipping q2; and a threshold of 3-5."""
    size = draw(st.integers(2, 5))
    parent_of = {"t0": None}
    for i in range(1, size):
        parent_of[f"t{i}"] = f"t{draw(st.integers(0, i - 1))}"
    outcome = st.none() | st.tuples(st.sampled_from(POINTS), st.none() | st.sampled_from(POINTS))
    outcomes_of = {team: draw(st.lists(outcome, max_size=8)) for team in parent_of}
    return parent_of, outcomes_of, draw(st.integers(3, 5))


# Found by a random search before the audit searched every union: the own members of t0 and t1 (2 people)
# known to hold 1-2 respondents, and t2 with t3 known to hold 1-3 of the dimension's.
CHAIN = (
    {"t0": None, "t1": "t0", "t2": "t1", "t3": "t0", "t4": "t3", "t5": "t4"},
    {
        "t0": [(2, None)], "t1": [(4, 3)], "t2": [(2, 3), (3, 1), (5, 4), None, (5, 3), (2, 4)],
        "t3": [(5, 2), (5, None), None, (3, 5)], "t4": [(4, None), (5, 1)], "t5": [(3, 5), None, None, (2, 4), (2, 3)],
    },
    5,
)  # fmt: skip
COUSINS = (
    {"t0": None, "t1": "t0", "t2": "t0", "t3": "t1", "t4": "t3"},
    {
        "t0": [], "t1": [(4, None), (1, None), None, (4, 3), None], "t2": [(2, 2)], "t3": [(2, 2), (4, 4)],
        "t4": [(4, 4), (3, 1), (3, None), (2, 2), (4, 5)],
    },
    4,
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(CHAIN)
@example(COUSINS)
@given(organisations())
def test_no_union_of_teams_is_pinned_by_what_a_settled_cycle_shows(organisation):
    # given a generated organisation and its figures
    parent_of, outcomes_of, threshold = organisation
    invited = {team: len(outcomes) for team, outcomes in outcomes_of.items()}
    answered, items, dimensions = figures(parent_of, outcomes_of)
    everything = Publication(threshold, parent_of, invited, QUESTIONS, answered, items, dimensions)
    # when settled
    publication = settle(
        threshold=threshold, parent_of=parent_of, invited=invited, questions=QUESTIONS,
        answered=answered, items=items, dimensions=dimensions,
    )  # fmt: skip
    # then no union of teams' own members, in any measure, has a count or sum the shown figures pin
    atoms = [team for team, n in invited.items() if n]
    unions = [frozenset(c) for size in range(1, len(atoms) + 1) for c in itertools.combinations(atoms, size)]
    measures = [PARTICIPATION, question("q1"), question("q2"), dimension("D")]
    found = _audit_targets(publication, everything, [(u, m) for u in unions for m in measures])
    assert found == []
