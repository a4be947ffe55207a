"""Does the disclosure audit hold on many organisations? Generated organisations through `settle`, then every
union of teams put to the exact audit.

Each organisation: a tree of 3–7 teams (each under an earlier one, so teams have own members and sub-teams),
0–30 invitees per team, a threshold of 3–5, one dimension of a required agreement item and an optional
reverse-scored one (5 points), each invitee not answering (30%) or answering and skipping the optional item
(30%). Its figures are settled as aggregation settles a cycle (`feedback.disclosure_audit.settle`); then
every union of teams' own members × every measure (participation, each item, the dimension) is audited
exactly (`_audit_targets`). Printed: organisations, those where anything is disclosed (the target is 0),
the share of figures the tree rule would show that the audit hides as well, and the seconds per
organisation.

python -m bench disclosure (DISCLOSURE_ORGS organisations, default 200; DISCLOSURE_SEED).
"""

import itertools
import os
import time
from collections import Counter

import numpy as np

from feedback.disclosure_audit import (
    PARTICIPATION,
    DimensionFigure,
    Publication,
    QuestionSpec,
    _audit_targets,
    dimension,
    question,
    settle,
    subtree,
)

POINTS = (1, 2, 3, 4, 5)
QUESTIONS = {
    "q1": QuestionSpec("D", "likert", POINTS, tuple(map(float, POINTS)), tuple(int(v >= 4) for v in POINTS), True),
    "q2": QuestionSpec(
        "D", "likert", POINTS, tuple(6.0 - v for v in POINTS), tuple(int(6 - v >= 4) for v in POINTS), False
    ),
}


def organisation(rng: np.random.Generator) -> tuple[dict, dict, int]:
    """Return (parent_of, outcomes_of, threshold): each outcome None or (q1, q2 or None), as asked."""
    parent_of = {"t0": None}
    for i in range(1, int(rng.integers(3, 8))):
        parent_of[f"t{i}"] = f"t{int(rng.integers(i))}"

    def outcome():
        if rng.random() < 0.3:
            return None
        return int(rng.choice(POINTS)), (None if rng.random() < 0.3 else int(rng.choice(POINTS)))

    outcomes_of = {team: [outcome() for _ in range(int(rng.choice([0, rng.integers(1, 7), rng.integers(1, 31)])))]
                   for team in parent_of}  # fmt: skip
    return parent_of, outcomes_of, int(rng.integers(3, 6))


def figures(parent_of: dict, outcomes_of: dict) -> tuple[dict, dict, dict]:
    """Every group's answered count, item distributions and dimension figure, from who did what."""
    answered, items, dimensions = {}, {}, {}
    for group in parent_of:
        given = [o for t in subtree(group, parent_of) for o in outcomes_of[t] if o is not None]
        answered[group] = len(given)
        for index, asked in enumerate(QUESTIONS):
            counts = Counter(o[index] for o in given if o[index] is not None)
            if counts:
                items[(group, asked)] = dict(counts)
        if given:
            answers = [[(QUESTIONS[q], v) for q, v in zip(QUESTIONS, o, strict=True) if v is not None] for o in given]
            favourable = [spec.favourable[v - 1] for person in answers for spec, v in person]
            dimensions[(group, "D")] = DimensionFigure(
                respondents=len(given),
                mean=float(np.mean([np.mean([spec.scored[v - 1] for spec, v in person]) for person in answers])),
                favourable=sum(favourable) / len(favourable),
                enps=None,
            )
    return answered, items, dimensions


def run():
    count, rng = (
        int(os.environ.get("DISCLOSURE_ORGS", "200")),
        np.random.default_rng(int(os.environ.get("DISCLOSURE_SEED", "0"))),
    )
    disclosed, hidden_share, started = 0, [], time.perf_counter()
    measures = [PARTICIPATION, question("q1"), question("q2"), dimension("D")]
    for _ in range(count):
        parent_of, outcomes_of, threshold = organisation(rng)
        invited = {team: len(outcomes) for team, outcomes in outcomes_of.items()}
        answered, items, dimensions = figures(parent_of, outcomes_of)
        everything = Publication(threshold, parent_of, invited, QUESTIONS, answered, items, dimensions)
        shown = settle(threshold=threshold, parent_of=parent_of, invited=invited, questions=QUESTIONS,
                       answered=answered, items=items, dimensions=dimensions)  # fmt: skip
        atoms = [team for team, n in invited.items() if n]
        unions = [frozenset(c) for size in range(1, len(atoms) + 1) for c in itertools.combinations(atoms, size)]
        if _audit_targets(shown, everything, [(u, m) for u in unions for m in measures]):
            disclosed += 1
        tree_rule = settle_by_tree_rule(parent_of, invited, answered, items, dimensions, threshold)
        audited = len(shown.answered) + len(shown.items) + len(shown.dimensions)
        if tree_rule:
            hidden_share.append(1 - audited / tree_rule)
    seconds = (time.perf_counter() - started) / count
    table = (
        f"organisations: {count}\n"
        f"with anything disclosed after settling (every union of teams x measure, exact): {disclosed}\n"
        f"figures the tree rule shows that the audit hides too: {100 * np.mean(hidden_share):.1f}% on average\n"
        f"seconds per organisation (settle + audit of every union): {seconds:.2f}"
    )
    return [{"table": table}]


def settle_by_tree_rule(parent_of, invited, answered, items, dimensions, threshold) -> int:
    """Return how many figures the per-measure tree rule alone would show (the audit's starting point)."""
    from feedback.disclosure import group_totals, hidden_groups

    members = group_totals(invited, parent_of)
    shown = len(set(members) - hidden_groups({g: answered.get(g, 0) for g in members}, parent_of, threshold,
                                             members=members))  # fmt: skip
    for asked in QUESTIONS:
        counts = {g: sum(d.values()) for (g, q), d in items.items() if q == asked}
        shown += len(set(counts) - hidden_groups(counts, parent_of, threshold))
    counts = {g: f.respondents for (g, _), f in dimensions.items()}
    return shown + len(set(counts) - hidden_groups(counts, parent_of, threshold))
