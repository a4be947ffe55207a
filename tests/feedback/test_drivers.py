"""Drivers' statistics against independent computations (scipy's spearmanr, pingouin's relative importance,
pingouin's Holm), the bootstrap interval's coverage, and the focus-area rule. No database."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from feedback import drivers
from feedback.drivers import Candidate, drivers_analyse, focus_areas
from feedback.services.drivers import readable_groups


def pulse_answers(rng, n: int, weights=(0.9, 0.6, 0.3, 0.0)) -> np.ndarray:
    """Return n responses × (len(weights) dimension scores on 1–5 + eNPS 0–10), related through one trait."""
    trait = rng.normal(size=n)
    columns = [np.clip(np.rint(3 + w * trait + rng.normal(size=n)), 1, 5) for w in weights]
    columns.append(np.clip(np.rint(6 + 2 * trait + rng.normal(scale=1.5, size=n)), 0, 10))
    return np.column_stack(columns)


@settings(max_examples=60, deadline=None)
@given(arrays(np.int8, st.tuples(st.integers(4, 40), st.integers(2, 5)), elements=st.integers(1, 5)))
def test_rank_correlations_and_their_p_are_scipys_spearmanr_with_ties(scores):
    # given: small integer answers, so ties everywhere
    if any(np.ptp(scores[:, c]) == 0 for c in range(scores.shape[1])):
        return  # a constant column has no rank correlation (tested below)
    # when
    found = drivers.rank_correlations(scores)
    # then
    oracle = stats.spearmanr(scores)
    expected = (
        np.array([[1.0, oracle.statistic], [oracle.statistic, 1.0]]) if scores.shape[1] == 2 else oracle.statistic
    )
    assert found == pytest.approx(expected, abs=1e-12)
    p = drivers.spearman_p(float(found[0, 1]), len(scores))
    assert p == pytest.approx(stats.spearmanr(scores[:, 0], scores[:, 1]).pvalue, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=12))
def test_holm_is_pingouins_holm(p_values):
    assert drivers.holm(p_values) == pytest.approx(list(pingouin.multicomp(p_values, method="holm")[1]), abs=1e-12)


def test_importance_is_pinguoins_relative_importance_of_the_ranks_and_sums_to_one():
    # given: 120 responses, four dimensions associated with eNPS to different degrees
    scores = pulse_answers(np.random.default_rng(4), 120)
    keys = ["safety", "clarity", "trust", "meaning", "enps"]
    # when
    analysis = drivers_analyse(scores, keys, seed=1, resamples=200)["enps"]
    # then: each share is pingouin's LMG share of R² for the ranks (its independent subset regressions)
    ranks = stats.rankdata(scores, axis=0)
    oracle = pingouin.linear_regression(pd.DataFrame(ranks[:, :4], columns=keys[:4]), ranks[:, 4], relimp=True)
    expected = dict(zip(oracle.names[1:], oracle.relimp_perc[1:] / 100, strict=True))
    assert {d.key: d.importance for d in analysis.drivers} == pytest.approx(expected, abs=1e-9)
    assert analysis.r_squared == pytest.approx(oracle.r2[0], abs=1e-9)
    assert sum(d.importance for d in analysis.drivers) == pytest.approx(1)
    for d in analysis.drivers:
        column = scores[:, keys.index(d.key)]
        oracle_rho = stats.spearmanr(column, scores[:, 4])
        assert (d.rho, d.p) == pytest.approx((oracle_rho.statistic, oracle_rho.pvalue), abs=1e-12)
        assert d.rho_interval[0] < d.rho < d.rho_interval[1]
        assert d.importance_interval[0] <= d.importance <= d.importance_interval[1]
    holm = pingouin.multicomp([d.p for d in analysis.drivers], method="holm")[1]
    assert [d.p_holm for d in analysis.drivers] == pytest.approx(list(holm))


def test_every_dimension_can_be_the_outcome_and_the_bootstrap_is_reproducible_for_a_seed():
    scores = pulse_answers(np.random.default_rng(5), 40, weights=(0.9, 0.3))
    first = drivers_analyse(scores, ["a", "b", "enps"], seed=[7, 3], resamples=300)
    again = drivers_analyse(scores, ["a", "b", "enps"], seed=[7, 3], resamples=300)
    assert set(first) == {"a", "b", "enps"}
    assert first == again
    assert all(len(analysis.drivers) == 2 for analysis in first.values())


def test_a_dimension_everyone_answered_alike_is_left_out_and_one_driver_carries_all_it_explains():
    scores = pulse_answers(np.random.default_rng(6), 40, weights=(0.9, 0.0))
    scores[:, 1] = 4
    found = drivers_analyse(scores, ["a", "same", "enps"], seed=1, resamples=200)
    assert set(found) == {"a", "enps"}
    (driver,) = found["enps"].drivers
    assert driver.key == "a" and driver.importance == 1.0
    assert found["enps"].r_squared == pytest.approx(driver.rho**2)


def test_the_bootstrap_interval_covers_the_true_rank_correlation_about_95_percent_of_the_time():
    # given: 200 samples of 40 responses from a bivariate normal with r = 0.5, whose Spearman ρ is
    # (6/π)·arcsin(r/2) (Pearson 1907)
    r = 0.5
    true_rho = 6 / np.pi * np.arcsin(r / 2)
    rng = np.random.default_rng(11)
    covered = 0
    runs = 200
    for run in range(runs):
        sample = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=40)
        # when
        (driver,) = drivers_analyse(sample, ["x", "y"], seed=run, resamples=999)["y"].drivers
        covered += driver.rho_interval[0] <= true_rho <= driver.rho_interval[1]
    # then: within three simulation errors of 95% (BCa at n = 40 runs a little short)
    assert abs(covered / runs - 0.95) <= 3 * np.sqrt(0.95 * 0.05 / runs)


def test_the_minimum_is_thirty_and_never_below_the_threshold():
    assert drivers.minimum_respondents(5) == 30
    assert drivers.minimum_respondents(30) == 30
    assert drivers.minimum_respondents(45) == 45


def candidate(key, *, level, importance=0.3, significant=True, rho=0.4, falling=False):
    return Candidate(key=key, significant=significant, rho=rho, importance=importance, level=level, falling=falling)


def test_important_drivers_split_into_strengths_and_focus_at_the_median_score_most_important_first():
    # given: five drivers, four important (shares above 1/5), split by score
    found = focus_areas(
        [
            candidate("high", level=0.9, importance=0.30),
            candidate("higher", level=0.8, importance=0.35),
            candidate("low", level=0.2, importance=0.21),
            candidate("lower", level=0.3, importance=0.25),
            candidate("middle", level=0.5, importance=0.05),
        ]
    )
    assert [c.key for c in found.strengths] == ["higher", "high"]
    assert [c.key for c in found.focus] == ["lower", "low"]
    assert found.watch == []


def test_a_driver_that_does_not_hold_after_correction_is_negative_or_explains_little_is_no_focus_area():
    found = focus_areas(
        [
            candidate("not significant", level=0.9, significant=False),
            candidate("negative", level=0.1, rho=-0.5),
            candidate("little", level=0.1, importance=0.1),
            candidate("unknown", level=0.9, importance=None),
        ]
    )
    assert found.strengths == found.focus == []


def test_at_most_three_of_each_and_watch_is_every_falling_driver_whatever_its_importance():
    many = [candidate(f"s{i}", level=0.9, importance=0.2 + i / 100, falling=True) for i in range(4)]
    many += [candidate(f"f{i}", level=0.1, importance=0.2 + i / 100) for i in range(4)]
    many += [candidate("unimportant", level=0.5, importance=0.0, significant=False, falling=True)]
    found = focus_areas(many)
    assert [c.key for c in found.strengths] == ["s3", "s2", "s1"]
    assert [c.key for c in found.focus] == ["f3", "f2", "f1"]
    assert [c.key for c in found.watch] == ["s3", "s2", "s1"]
    assert focus_areas([]) == drivers.FocusAreas([], [], [])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(
            Candidate,
            key=st.integers(),
            significant=st.booleans(),
            rho=st.floats(-1, 1),
            importance=st.none() | st.floats(0, 1),
            level=st.floats(0, 1),
            falling=st.booleans(),
        ),
        max_size=12,
    )
)
def test_focus_areas_are_at_most_three_each_and_strengths_and_focus_never_overlap(candidates):
    found = focus_areas(candidates)
    assert all(len(group) <= 3 for group in (found.strengths, found.focus, found.watch))
    assert not {id(c) for c in found.strengths} & {id(c) for c in found.focus}
    assert all(c.falling for c in found.watch)
    assert all(c.significant and c.rho > 0 for c in found.strengths + found.focus)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(1, 6), st.integers(1, 4)),
        st.tuples(st.integers(1, 80), st.booleans()),
        max_size=24,
    ),
    st.integers(3, 60),
)
def test_drivers_are_read_only_for_groups_whose_shown_figures_all_count_at_least_the_minimum(figures, threshold):
    # given: group figures (team × dimension → respondents, shown), as aggregation stores them
    scores = [
        SimpleNamespace(team_id=team, dimension_id=dimension, respondents=n, shown=shown)
        for (team, dimension), (n, shown) in figures.items()
    ]
    # when
    groups = readable_groups(threshold=threshold, scores=scores)
    # then: every dimension read is a shown figure counting exactly the drivers' n, at least max(30, threshold)
    for team, (dimensions, n) in groups.items():
        shown = {d: m for (t, d), (m, s) in figures.items() if t == team and s}
        assert n >= max(30, threshold)
        assert sorted(shown) == dimensions and set(shown.values()) == {n}
    # and a group left out has fewer than two shown figures, unequal counts, or too few respondents
    for team in {t for t, _ in figures} - set(groups):
        counts = [m for (t, _), (m, s) in figures.items() if t == team and s]
        assert len(counts) < 2 or len(set(counts)) > 1 or counts[0] < max(30, threshold)
