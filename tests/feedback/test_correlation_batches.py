"""Pairs measured at the same points are tested together (association_tests, issue #24): one draw of shuffles
for all of them, and each pair's result exactly what association_test gives it alone with the same seed."""

from dataclasses import astuple

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback import correlation


def points(rng, *, teams, cycles, departments, missing):
    team, cycle = np.repeat(np.arange(teams), cycles), np.tile(np.arange(cycles), teams)
    keep = rng.random(teams * cycles) >= missing
    team, cycle = team[keep], cycle[keep]
    usable = correlation.usable(team)
    team, cycle = team[usable], cycle[usable]
    return team, cycle, team * departments // teams


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    teams=st.integers(5, 14),
    cycles=st.integers(4, 11),
    departments=st.integers(1, 4),
    missing=st.sampled_from([0.0, 0.1, 0.3]),
    pairs=st.integers(1, 5),
    stop_after=st.sampled_from([None, correlation.STOP_AFTER]),
    constant=st.booleans(),
)
def test_pairs_tested_together_get_exactly_what_each_gets_alone(
    seed, teams, cycles, departments, missing, pairs, stop_after, constant
):
    # given several pairs at the same points: related, unrelated, and perhaps one with a constant score
    rng = np.random.default_rng(seed)
    team, cycle, department = points(rng, teams=teams, cycles=cycles, departments=departments, missing=missing)
    if not correlation.enough_data(team):
        return
    xs = rng.normal(size=(pairs, len(team)))
    ys = rng.normal(size=(pairs, len(team))) + rng.uniform(0, 1, (pairs, 1)) * xs
    if constant:
        xs[0] = 3.0
    options = {"departments": department, "permutations": 199, "seed": seed, "stop_after": stop_after}
    # when they are tested together and each alone
    together = correlation.association_tests(team, cycle, xs, ys, team_min_points=6, **options)
    alone = [
        correlation.association_test(team, cycle, x, y, team_min_points=6, **options)
        for x, y in zip(xs, ys, strict=True)
    ]
    # then every figure is identical: the pooled p, φ, the permutations drawn, each team's r, interval and p
    for a, b in zip(together, alone, strict=True):
        assert (a.p, a.phi, a.permutations) == (b.p, b.phi, b.permutations)
        assert [astuple(t) for t in a.per_team] == [astuple(t) for t in b.per_team]


def test_a_strong_pair_tested_with_nulls_is_refined_on_its_own_seed():
    # given a strong pair among null pairs at the same points, with 300 pairs in the family
    rng = np.random.default_rng(5)
    team, cycle, department = points(rng, teams=12, cycles=10, departments=3, missing=0.0)
    xs = rng.normal(size=(3, len(team)))
    ys = rng.normal(size=(3, len(team)))
    ys[1] += 2 * xs[1]
    options = {"departments": department, "permutations": 199, "tests": 300, "stop_after": correlation.STOP_AFTER}
    # when they are tested together
    together = correlation.resolved_association_tests(team, cycle, xs, ys, seed=1, refine_seeds=[10, 11, 12], **options)
    # then the strong pair is the one retested with enough permutations to be read among 300 (its own seed),
    # exactly as it would be alone; the null pairs keep the shared run's result
    alone = correlation.resolved_association_test(team, cycle, xs[1], ys[1], seed=1, refine_seed=11, **options)
    assert together[1].permutations == correlation.permutations_resolving(300) == alone.permutations
    assert together[1].p == alone.p < 1 / 1000
    assert together[0].permutations <= 199 and together[2].permutations <= 199
