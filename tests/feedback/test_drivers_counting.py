"""Drivers' intervals by counting equal scipy's BCa over every response (issue #24: aggregation at 100,000 responses).

`drivers_analyse` evaluates each resample by counting its distinct rows of scores and computes the BCa jackknife
once per distinct row for large groups. The reference here is what it replaced: `scipy.stats.bootstrap` with
method="BCa" over the responses, each resample's ranks from `scipy.stats.rankdata`. No database.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from feedback import drivers


def scipys_bca(scores: np.ndarray, *, seed, resamples: int) -> tuple[np.ndarray, np.ndarray]:
    """Return scipy's BCa ends for every ρ and importance share, ranking every resample's rows."""
    n, k = scores.shape
    upper = np.triu_indices(k, 1)

    def statistic(index, axis=-1):
        ranks = stats.rankdata(scores[np.asarray(index)], axis=-2)
        centred = ranks - ranks.mean(axis=-2, keepdims=True)
        cov = np.einsum("...ni,...nj->...ij", centred, centred)
        sd = np.sqrt(np.einsum("...ii->...i", cov))
        corr = np.clip(cov / sd[..., :, None] / sd[..., None, :], -1.0, 1.0)
        parts = [corr[..., upper[0], upper[1]]]
        if k > 2:
            clean = np.where(np.isnan(corr), np.eye(k), corr)
            undefined = np.isnan(corr).any(axis=(-1, -2))
            r_squared = drivers._subset_r_squared(clean)
            for outcome in range(k):
                weights, full = drivers.general_dominance(clean, outcome=outcome, r_squared=r_squared)
                parts.append(np.where(undefined[..., None], np.nan, weights / full[..., None]))
        return np.moveaxis(np.concatenate(parts, axis=-1), -1, 0)

    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        found = stats.bootstrap(
            (np.arange(n),), statistic, n_resamples=resamples, confidence_level=drivers.CONFIDENCE, method="BCa",
            vectorized=True, batch=250, random_state=np.random.default_rng(seed),
        )  # fmt: skip
    return np.array(found.confidence_interval.low), np.array(found.confidence_interval.high)


def intervals(analyses: dict) -> tuple[np.ndarray, np.ndarray]:
    """Return the analyses' interval ends in scipy's statistic order (ρ of each pair, then shares per outcome)."""
    keys = list(analyses)
    k = len(keys)
    ends = {}
    for outcome, analysis in analyses.items():
        for position, driver in enumerate(analysis.drivers):
            a, b = sorted((keys.index(outcome), keys.index(driver.key)))
            ends[("rho", a, b)] = driver.rho_interval or (np.nan, np.nan)
            ends[("share", keys.index(outcome), position)] = driver.importance_interval or (np.nan, np.nan)
    order = [("rho", a, b) for a, b in zip(*np.triu_indices(k, 1), strict=True)]
    if k > 2:
        order += [("share", o, p) for o in range(k) for p in range(k - 1)]
    found = np.array([ends[key] for key in order])
    return found[:, 0], found[:, 1]


answers = st.tuples(st.integers(5, 90), st.integers(2, 4), st.integers(0, 2**16), st.sampled_from(["items", "means"]))


def scores_of(n: int, k: int, seed: int, kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=(n, 1))
    if kind == "items":  # one answer per dimension: five values, ties everywhere
        return np.clip(np.rint(3 + 0.6 * trait + rng.normal(size=(n, k))), 1, 5)
    items = np.clip(np.rint(3 + 0.6 * trait[..., None] + rng.normal(size=(n, k, 3))), 1, 5)
    return items.mean(axis=-1)  # a dimension's score: the mean of its three items


def comparable(scores: np.ndarray) -> bool:
    return all(np.ptp(scores[:, c]) > 0 for c in range(scores.shape[1]))


@settings(max_examples=40, deadline=None)
@given(answers)
def test_below_the_cut_every_interval_is_scipys_bca_over_the_responses_bit_for_bit(case):
    # given: a group's scores (n up to 90, so the jackknife leaves out each response in turn)
    scores = scores_of(*case)
    if not comparable(scores):
        return  # a constant column is left out (tested in test_drivers.py)
    # when
    found = intervals(drivers.drivers_analyse(scores, list(range(scores.shape[1])), seed=[3, 1], resamples=300))
    # then: the same numbers as scipy's BCa ranking every resample's rows (NaN: the percentile stand-in)
    low, high = scipys_bca(scores, seed=[3, 1], resamples=300)
    defined = ~(np.isnan(low) | np.isnan(high))
    np.testing.assert_array_equal(found[0][defined], low[defined])
    np.testing.assert_array_equal(found[1][defined], high[defined])


@settings(max_examples=40, deadline=None)
@given(answers)
def test_above_the_cut_the_jackknife_per_distinct_row_gives_scipys_bca_to_rounding(case):
    # given: the same groups with the cut at 0, so every jackknife is computed once per distinct row of scores
    scores = scores_of(*case)
    if not comparable(scores):
        return
    saved, drivers.PER_RESPONSE_JACKKNIFE = drivers.PER_RESPONSE_JACKKNIFE, 0
    try:
        found = intervals(drivers.drivers_analyse(scores, list(range(scores.shape[1])), seed=[3, 1], resamples=300))
    finally:
        drivers.PER_RESPONSE_JACKKNIFE = saved
    # then: scipy's BCa over every response, to floating-point rounding
    low, high = scipys_bca(scores, seed=[3, 1], resamples=300)
    defined = ~(np.isnan(low) | np.isnan(high))
    assert found[0][defined] == pytest.approx(low[defined], abs=1e-12)
    assert found[1][defined] == pytest.approx(high[defined], abs=1e-12)


def test_a_large_group_is_computed_once_per_distinct_row_and_agrees_with_scipy():
    # given: 2,400 responses (above the cut) of three dimensions that take few values
    scores = scores_of(2400, 3, 5, "means")
    # when
    found = intervals(drivers.drivers_analyse(scores, [0, 1, 2], seed=[9, 9], resamples=200))
    # then
    low, high = scipys_bca(scores, seed=[9, 9], resamples=200)
    assert found[0] == pytest.approx(low, abs=1e-12)
    assert found[1] == pytest.approx(high, abs=1e-12)
