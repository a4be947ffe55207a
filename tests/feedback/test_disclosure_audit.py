"""The disclosure auditor against an independent attacker: every organisation the published figures allow.

The brute-force attacker here shares no code with `feedback.disclosure_audit`: it lists every way a tiny
organisation's invitees could have answered, keeps those that reproduce every published figure, and reads off
what all of them agree on. What it can pin, the audit must prevent.
"""

import dataclasses
import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.disclosure import hidden_groups, participation_hidden
from feedback.disclosure_audit import (
    PARTICIPATION,
    DimensionFigure,
    Publication,
    QuestionSpec,
    audit,
    dimension,
    question,
    settle,
)

AGREE = {"kind": "likert", "values": (1, 2), "scored": (1.0, 2.0), "favourable": (0, 1)}
QUESTIONS = {
    "q1": QuestionSpec(dimension="D", required=True, **AGREE),
    "q2": QuestionSpec(dimension="D", required=False, **AGREE),
}
# What one invitee can do: not answer (None), or answer q1 and answer or skip q2.
OUTCOMES = [None] + [(q1, q2) for q1 in (1, 2) for q2 in (1, 2, None)]
SKIPPED = OUTCOMES.index((1, None))


def figures(parent_of, outcomes_of):
    """Every group's figures, computed from who did what (plain Python, no Align code)."""
    below = {g: {t for t in parent_of if _is_under(t, g, parent_of)} for g in parent_of}
    answered, items, dimensions = {}, {}, {}
    for group, teams in below.items():
        given = [o for t in teams for o in outcomes_of[t] if o is not None]
        answered[group] = len(given)
        for index, asked in enumerate(("q1", "q2")):
            counts = Counter(o[index] for o in given if o[index] is not None)
            if counts:
                items[(group, asked)] = dict(counts)
        if given:
            scores = [np.mean([v for v in o if v is not None]) for o in given]
            item_answers = [v for o in given for v in o if v is not None]
            dimensions[(group, "D")] = DimensionFigure(
                respondents=len(given),
                mean=float(np.mean(scores)),
                favourable=sum(v == 2 for v in item_answers) / len(item_answers),
                enps=None,
            )
    return answered, items, dimensions


def _is_under(team, group, parent_of):
    while team is not None:
        if team == group:
            return True
        team = parent_of[team]
    return False


def consistent_worlds(publication, parent_of):
    """Every assignment of outcomes to invitees (as multisets per team) that reproduces the publication."""
    per_team = {
        team: list(itertools.combinations_with_replacement(range(len(OUTCOMES)), n))
        for team, n in publication.invited.items()
    }
    teams = sorted(per_team)
    for choice in itertools.product(*(per_team[t] for t in teams)):
        outcomes_of = {t: [OUTCOMES[i] for i in picks] for t, picks in zip(teams, choice, strict=True)}
        answered, items, dimensions = figures(parent_of, outcomes_of)
        if any(answered.get(g) != n for g, n in publication.answered.items()):
            continue
        if any(items.get(key) != {v: n for v, n in d.items() if n} for key, d in publication.items.items()):
            continue
        if any(not _same(dimensions.get(key), f) for key, f in publication.dimensions.items()):
            continue
        yield outcomes_of


def _same(found, shown):
    # The dimension's mean is left out: with an optional item it is a mean of per-person means, which the
    # audit's linear programme only bounds (its stated limit, in the module and the README); the attacker here
    # is held to what the audit models, so that everything else is checked against it exactly.
    return (
        found is not None and found.respondents == shown.respondents and abs(found.favourable - shown.favourable) < 1e-9
    )


def quantities(outcomes_of, teams):
    """The counts and sums an attacker wants about a set of teams' own members, per measure."""
    given = [o for t in teams for o in outcomes_of[t] if o is not None]
    found = {(PARTICIPATION, "count"): len(given)}
    for index, asked in enumerate(("q1", "q2")):
        answers = [o[index] for o in given if o[index] is not None]
        found[(asked, "count")] = len(answers)
        found[(asked, "answer total")] = sum(answers)
        found[(asked, "favourable answers")] = sum(v == 2 for v in answers)
        found[(asked, "answers")] = frozenset(answers)
    found[("D", "count")] = len(given)
    found[("D", "score total")] = round(sum(np.mean([v for v in o if v is not None]) for o in given), 9)
    found[("D", "favourable answers")] = sum(v == 2 for o in given for v in o if v is not None)
    return found


def brute_force_disclosures(publication, parent_of, truth_of):
    """Return what every consistent organisation agrees on about a small set, by the rules of the README."""
    worlds = list(consistent_worlds(publication, parent_of))
    assert worlds, "the true organisation must be consistent with its own figures"
    k = publication.threshold
    teams = [t for t, n in publication.invited.items() if n]
    found = []
    for size in range(1, len(teams) + 1):
        for subset in itertools.combinations(teams, size):
            seen = [quantities(w, subset) for w in worlds]
            true = quantities(truth_of, subset)
            for measure in (PARTICIPATION, "q1", "q2", "D"):
                count = true[(measure, "count")]
                if count >= k or (count == 0 and measure != PARTICIPATION):
                    continue
                low, high = min(s[(measure, "count")] for s in seen), max(s[(measure, "count")] for s in seen)
                implied = rate_bound(publication, parent_of, subset, measure)
                if high < k and ((low >= 1 and low > implied) or (high == 0 and measure == PARTICIPATION)):
                    found.append((subset, measure, "count", low, high))
                    continue
                if count == 0 or measure == PARTICIPATION:
                    continue
                asked = ["q1", "q2"] if measure == "D" else [measure]
                unanimous = all(len(set().union(*(s[(q, "answers")] for s in seen))) <= 1 for q in asked)
                for name in ("score total" if measure == "D" else "answer total", "favourable answers"):
                    values = {s[(measure, name)] for s in seen}
                    if len(values) == 1 and true[(measure, name)] != 0 and not unanimous:
                        found.append((subset, measure, name, true[(measure, name)]))
    return found


def rate_bound(publication, parent_of, subset, measure):
    """The least count a shown group containing the set implies alone: its count less its other invitees."""
    if measure == PARTICIPATION:
        shown = publication.answered
    elif measure == "D":
        shown = {g: f.respondents for (g, _), f in publication.dimensions.items()}
    else:
        shown = {g: sum(d.values()) for (g, q), d in publication.items.items() if q == measure}
    bounds = [0]
    for group, count in shown.items():
        inside = [t for t in parent_of if _is_under(t, group, parent_of)]
        if set(subset) <= set(inside):
            bounds.append(count - sum(publication.invited[t] for t in inside if t not in subset))
    return max(bounds)


@st.composite
def tiny_organisations(draw):
    """A root with 0-1 own invitees and two teams of 1-2, each invitee not answering or answering (q2 optional)."""
    parent_of = {"root": None, "a": "root", "b": "root"}
    invited = {"root": draw(st.integers(0, 1)), "a": draw(st.integers(1, 2)), "b": draw(st.integers(1, 2))}
    outcomes_of = {
        team: sorted(draw(st.lists(st.sampled_from(range(len(OUTCOMES))), min_size=n, max_size=n)))
        for team, n in invited.items()
    }
    return parent_of, invited, {t: [OUTCOMES[i] for i in picks] for t, picks in outcomes_of.items()}


def settled(parent_of, invited, outcomes_of, threshold, questions=QUESTIONS):
    answered, items, dimensions = figures(parent_of, outcomes_of)
    return settle(
        threshold=threshold, parent_of=parent_of, invited=invited, questions=questions,
        answered=answered, items=items, dimensions=dimensions,
    )  # fmt: skip


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_organisations())
def test_an_exhaustive_attacker_learns_nothing_from_what_the_audit_lets_a_cycle_show(organisation):
    # given a tiny organisation, threshold 3 (the smallest allowed)
    parent_of, invited, outcomes_of = organisation
    # when its figures are settled by the tree rule and the audit
    publication = settled(parent_of, invited, outcomes_of, threshold=3)
    # then listing every organisation that reproduces what is shown pins nothing about any small set
    assert brute_force_disclosures(publication, parent_of, outcomes_of) == []


def tree_rule_only(parent_of, invited, outcomes_of, threshold):
    """What the per-measure tree rule alone would show (before the audit existed)."""
    answered, items, dimensions = figures(parent_of, outcomes_of)
    totals = {g: sum(invited[t] for t in parent_of if _is_under(t, g, parent_of)) for g in parent_of}
    hidden = participation_hidden(totals, answered, parent_of, threshold)
    shown = {}
    for measure, counts in (
        ("q1", {g: sum(d.values()) for (g, q), d in items.items() if q == "q1"}),
        ("q2", {g: sum(d.values()) for (g, q), d in items.items() if q == "q2"}),
        ("D", {g: f.respondents for (g, _), f in dimensions.items()}),
    ):
        shown[measure] = set(counts) - hidden_groups(counts, parent_of, threshold)
    return Publication(
        threshold=threshold, parent_of=parent_of, invited=invited, questions=QUESTIONS,
        answered={g: n for g, n in answered.items() if g not in hidden},
        items={key: d for key, d in items.items() if key[0] in shown[key[1]]},
        dimensions={key: f for key, f in dimensions.items() if key[0] in shown["D"]},
    )  # fmt: skip


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_organisations())
def test_what_an_exhaustive_attacker_pins_about_a_team_the_audit_reports(organisation):
    # given what the tree rule alone would show of a tiny organisation
    parent_of, invited, outcomes_of = organisation
    publication = tree_rule_only(parent_of, invited, outcomes_of, threshold=3)
    answered, items, dimensions = figures(parent_of, outcomes_of)
    everything = Publication(3, parent_of, invited, QUESTIONS, answered, items, dimensions)
    # when the exhaustive attacker and the audit examine it
    tagged = {PARTICIPATION: PARTICIPATION, "q1": question("q1"), "q2": question("q2"), "D": dimension("D")}
    pinned = {
        (frozenset(subset), tagged[measure])
        for subset, measure, *_ in brute_force_disclosures(publication, parent_of, outcomes_of)
        if len(subset) == 1  # a team's own members: a set the audit always examines
    }
    reported = {(d.atoms, d.measure) for d in audit(publication, everything)}
    # then every team the attacker learns about is reported
    assert pinned <= reported


def test_the_named_example_a_skipped_optional_item_is_pinned_by_the_dimension_and_then_hidden():
    # given the organisation: T (5 invited, 5 answered, one skipped the optional q2), A (6, 4), S (1, 1),
    # B (12, 10), threshold 5
    parent_of = {"root": None, "T": "root", "A": "root", "S": "root", "B": "root"}
    invited = {"root": 0, "T": 5, "A": 6, "S": 1, "B": 12}
    rng = np.random.default_rng(3)
    outcomes_of = {"root": []}
    for team, n in (("T", 5), ("A", 4), ("S", 1), ("B", 10)):
        outcomes_of[team] = [(int(rng.integers(1, 3)), int(rng.integers(1, 3))) for _ in range(n)]
        outcomes_of[team] += [None] * (invited[team] - n)
    outcomes_of["T"][0] = (outcomes_of["T"][0][0], None)
    answered, items, dimensions = figures(parent_of, outcomes_of)
    everything = Publication(5, parent_of, invited, QUESTIONS, answered, items, dimensions)
    # when the tree rule alone decides: T's dimension (n=5) and q1 (n=5) are shown, its q2 (n=4) hidden
    before = tree_rule_only(parent_of, invited, outcomes_of, threshold=5)
    assert ("T", "D") in before.dimensions and ("T", "q2") not in before.items
    # then the audit finds T's q2 respondents pinned at 4: the dimension's favourable share counts q2's answers
    found = audit(before, everything)
    assert [(set(d.atoms), d.measure, d.quantity, d.low, d.high) for d in found] == [
        ({"T"}, question("q2"), "count", 4, 4)
    ]
    # and settling hides T's dimension — and, since D pools a required q1 with an optional q2 and T's q2 is
    # hidden, the root's too — after which the audit and the exhaustive attacker find nothing
    after = settled(parent_of, invited, outcomes_of, threshold=5)
    assert ("T", "D") not in after.dimensions and ("root", "D") not in after.dimensions
    assert ("root", "q1") in after.items and ("root", "q2") in after.items
    assert audit(after, everything) == []
    # A's answered count (4 < 5) and S's (1) are never shown, nor what subtracting them from the root leaves
    assert "A" not in after.answered and "S" not in after.answered and after.answered["root"] == 20


@pytest.mark.parametrize("threshold", [3, 5])
def test_a_group_where_everyone_answered_is_shown_and_tells_no_member_apart(threshold):
    # given a root whose every invitee answered every (required) item, with a team of two
    parent_of = {"root": None, "small": "root", "big": "root"}
    invited = {"root": 0, "small": 2, "big": 8}
    outcomes_of = {"root": [], "small": [(2, 2), (2, 1)], "big": [(1, 1)] * 4 + [(2, 2)] * 4}
    required = {**QUESTIONS, "q2": dataclasses.replace(QUESTIONS["q2"], required=True)}
    # when settled
    publication = settled(parent_of, invited, outcomes_of, threshold, required)
    # then the root's 10 of 10 is shown: that both of the small team answered is true of every invitee alike
    assert publication.answered["root"] == 10 and "small" not in publication.answered
    assert ("root", "D") in publication.dimensions


def test_a_shown_enps_says_someone_answered_its_optional_item_and_the_audit_counts_that():
    # given a dimension of a required agreement item and an optional eNPS item, where 2 of 5 answered the eNPS
    questions = {
        "agree": QuestionSpec(dimension="D", required=True, **AGREE),
        "enps": QuestionSpec(
            dimension="D", kind="enps", values=tuple(range(11)), scored=tuple(map(float, range(11))),
            favourable=(0,) * 11, required=False,
        ),
    }  # fmt: skip
    parent_of, invited = {"team": None}, {"team": 5}
    items = {("team", "agree"): {1: 2, 2: 3}, ("team", "enps"): {10: 1, 8: 1}}
    dimension_figure = DimensionFigure(respondents=5, mean=1.6, favourable=0.6, enps=50.0)
    everything = Publication(5, parent_of, invited, questions, {"team": 5}, items, {("team", "D"): dimension_figure})
    # when the eNPS item is hidden (2 answers) and the dimension, with its eNPS of 50, is shown
    shown = Publication(5, parent_of, invited, questions, {"team": 5}, {("team", "agree"): items[("team", "agree")]},
                        {("team", "D"): dimension_figure})  # fmt: skip
    # then the audit knows a shown eNPS needs one answer or more: 100 (P - D) = 50 A allows only A = 2 or 4
    found = audit(shown, everything)
    assert [(d.measure, d.quantity) for d in found] == [(question("enps"), "count")]
    assert (found[0].low, found[0].high) == (2, 4)
