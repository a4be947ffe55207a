"""Aggregation's array computation against a plain-Python one, answer by answer, on generated cycles.

The reference below is how aggregation read before it worked on arrays: a dictionary of answers per response,
each response's scale score per dimension as the mean of its answered items, counted in its team and every
ancestor, and every figure summarised from plain lists. Both must give the very same numbers (compared with ==).
"""

import math
import uuid
from collections import Counter, defaultdict
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback import statistics
from feedback.services import scores
from feedback.services.drivers import _response_scores
from surveys.selectors import team_ancestor_ids

CASES = 300


@st.composite
def cycles(draw):
    """Return (parents, questions, rows): a forest of up to 8 teams, up to 6 questions in up to 3 dimensions
    (agreement items of 5 or 7 points, some reversed, and eNPS; a dimension may mix them), and responses of
    some teams (others have none) that skip items now and then, some skipping every item of a dimension."""
    teams = draw(st.integers(1, 8))
    parents = {1: None}
    for team in range(2, teams + 1):
        parents[team] = draw(st.one_of(st.none(), st.integers(1, team - 1)))
    questions = {}
    for question in range(1, draw(st.integers(1, 6)) + 1):
        dimension = draw(st.integers(1, 3))
        if draw(st.booleans()):
            questions[question * 10] = (dimension, "enps", 11, False)
        else:
            questions[question * 10] = (dimension, "likert", draw(st.sampled_from([5, 7])), draw(st.booleans()))
    rows = []
    for key in draw(st.lists(st.integers(0, 2**128 - 1), max_size=30, unique=True)):
        response, team = uuid.UUID(int=key), draw(st.integers(1, teams))
        answered = draw(st.lists(st.sampled_from(sorted(questions)), min_size=1, unique=True))
        for question in answered:
            dimension, kind, points, _ = questions[question]
            value = draw(st.integers(0, 10) if kind == "enps" else st.integers(1, points))
            rows.append((response, team, question, value))
    draw(st.randoms()).shuffle(rows)  # the database's order is any order
    return parents, questions, rows


def scales_of(questions):
    kinds = defaultdict(set)
    for dimension, kind, points, _ in questions.values():
        kinds[dimension].add((kind, points))
    return {dimension: None if len(found) > 1 else "one scale" for dimension, found in kinds.items()}


def reference(parents, questions, rows):
    """Return (tallies, items, per-response dimension scores, α matrices) computed one answer at a time."""
    values, raw, team_of = defaultdict(dict), defaultdict(dict), {}
    for response, team, question, value in rows:
        _, _, points, reverse = questions[question]
        team_of[response] = team
        raw[response][question] = value
        values[response][question] = points + 1 - value if reverse else value
    mixed = {d for d, scale in scales_of(questions).items() if scale is None}
    tallies = defaultdict(lambda: {"scores": [], "favourable": 0, "agreement": 0, "enps": []})
    items = defaultdict(list)
    per_response = {}
    for response in sorted(values):
        by_dimension = defaultdict(list)
        for question in sorted(values[response]):
            by_dimension[questions[question][0]].append(question)
        per_response[response] = {d: sum(values[response][q] for q in qs) / len(qs) for d, qs in by_dimension.items()}
        for group in team_ancestor_ids(team_of[response], parents=parents):
            for dimension, asked in by_dimension.items():
                if dimension in mixed:
                    continue
                tally = tallies[(group, dimension)]
                tally["scores"].append(per_response[response][dimension])
                for question in asked:
                    _, kind, points, _ = questions[question]
                    if kind == "enps":
                        tally["enps"].append(values[response][question])
                    else:
                        tally["agreement"] += 1
                        tally["favourable"] += values[response][question] >= points - 1
            for question, value in values[response].items():
                items[(group, question)].append((value, raw[response][question]))
    alphas = {}
    for dimension in {d for d, kind, _, _ in questions.values() if kind == "likert"}:
        asked = sorted(q for q in {q for _, _, q, _ in rows} if questions[q][:2] == (dimension, "likert"))
        if asked:
            complete = [[values[r][q] for q in asked] for r in sorted(values) if all(q in values[r] for q in asked)]
            alphas[dimension] = (len(complete), len(asked), complete)
    return tallies, items, per_response, alphas


@settings(max_examples=CASES, deadline=None)
@given(cycles())
def test_the_array_computation_gives_the_very_figures_a_plain_python_one_gives(cycle):
    # given: a generated cycle's answers, in the order the database happened to return them
    parents, questions, rows = cycle
    tallies, items, per_response, alphas = reference(parents, questions, rows)
    answers = scores._Answers.from_rows(rows, questions)

    # when
    with mock.patch.object(scores, "dimension_scales", lambda dimension_ids: scales_of(questions)):
        found_tallies = scores._dimension_tallies(answers, parents)
    found_items = scores._item_scores(7, answers, parents)
    found_reliabilities = scores._reliabilities(7, answers)
    dimension_ids, found_scores = _response_scores(answers)

    # then: every group × dimension's scale scores (in the order of the responses' ids), counts and eNPS answers
    assert {
        key: (t.scale_scores, t.favourable_answers, t.item_answers, t.enps_values) for key, t in found_tallies.items()
    } == {key: (t["scores"], t["favourable"], t["agreement"], t["enps"]) for key, t in tallies.items()}
    # and every group × question's n, mean, SD, favourable share and distribution of answers as asked
    expected_items = {}
    for (group, question), found in items.items():
        _, kind, points, _ = questions[question]
        scored = [float(v) for v, _ in found]
        summary = statistics.summarise(
            scored,
            favourable_answers=0 if kind == "enps" else sum(v >= points - 1 for v in scored),
            item_answers=0 if kind == "enps" else len(scored),
        )
        distribution = {str(k): n for k, n in sorted(Counter(r for _, r in found).items())}
        expected_items[(group, question)] = (
            summary.respondents,
            summary.mean,
            summary.sd,
            summary.favourable,
            distribution,
        )
    assert {
        (i.team_id, i.question_id): (i.respondents, i.mean, i.sd, i.favourable, i.distribution) for i in found_items
    } == expected_items
    # and each dimension's reliability over the responses that answered all its agreement items
    assert {r.dimension_id: (r.respondents, r.items, r.alpha) for r in found_reliabilities} == {
        d: (n, k, statistics.cronbach_alpha(np.array(m)) if m else None) for d, (n, k, m) in alphas.items()
    }
    # and each response's score per dimension, as drivers read them (NaN where it answered none of it)
    assert [{d: s for d, s in zip(dimension_ids, row, strict=True) if not math.isnan(s)} for row in found_scores] == [
        per_response[r] for r in sorted(per_response)
    ]


@settings(max_examples=CASES, deadline=None)
@given(
    st.lists(
        st.builds(lambda total, items: total / items, st.integers(0, 70), st.integers(1, 7)), min_size=1, max_size=60
    ),
    st.integers(0, 5),
)
def test_a_summary_from_counts_is_the_summary_of_the_repeated_scores(scale_scores, favourable):
    # given: respondents' scale scores (sums of whole answers over items answered), and the same as counts
    counted = Counter(scale_scores)

    # when / then: n, mean, SD and share are the same floats, to the last bit
    assert statistics.summarise_counts(counted, favourable_answers=favourable, item_answers=5) == statistics.summarise(
        scale_scores, favourable_answers=favourable, item_answers=5
    )


def test_an_exact_sum_rounds_once_where_adding_in_turn_would_not():
    # given: a value whose repeated sum rounds at every step
    values, counts = [0.1, 1e16, -1e16], [10, 1, 1]

    # when / then: the sum is the correctly rounded one, as math.fsum of the repeated values gives it
    assert statistics.exact_sum(values, counts) == math.fsum([0.1] * 10 + [1e16, -1e16]) == 1.0
    assert sum([0.1] * 10) != 1.0
