"""Drivers and focus areas: how each dimension's score goes with an outcome's across one group's responses.

Pure: numbers in and out, no Django. A response keeps its answers together, so within one cycle each response
gives one score per dimension, and the association between two dimensions can be read across responses
without linking anything to a person.

- Association: Spearman's rank correlation ρ (Pearson's r of average ranks, so ties count as `scipy.stats.
  spearmanr` counts them), its two-sided p from the t approximation with n − 2 degrees of freedom (what
  `spearmanr` gives; fair at the n ≥ 30 drivers need), and a 95% BCa bootstrap interval (Efron 1987;
  `scipy.stats.bootstrap`, resampling whole responses, seeded so a rerun gives the same interval; where BCa
  is undefined, the percentile interval of the same resamples).
- Correction: Holm's step-down adjustment (Holm 1979) across the drivers of one outcome in one group.
- Relative importance: general dominance (Budescu 1993; Azen & Budescu 2003), also called LMG (Lindeman,
  Merenda & Gold 1980): each driver's increase in R² averaged over every subset of the other drivers, from the
  regression of the outcome's ranks on the drivers' ranks. The contributions sum to the full R²; shown as each
  driver's share of it, with a BCa interval from the same resamples.

Words: these are associations between answers in one cycle. A "driver" is the field's name for a dimension
read this way; nothing here says that changing it would change the outcome.
"""

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np
from scipy import special, stats

# A driver needs this many responses with every dimension answered, and never fewer than the group's
# reporting threshold. At n = 30 a 95% interval for ρ is about ±0.3 wide: narrower is not possible with
# fewer answers, wider would be noise dressed as a ranking. A stated judgement.
MIN_RESPONDENTS = 30
RESAMPLES = 2000
CONFIDENCE = 0.95
# Dominance analysis fits every subset of drivers: 2^k regressions. Beyond this many dimensions in one cycle
# importance is not computed (associations still are); a pulse asks far fewer.
MAX_DOMINANCE_DIMENSIONS = 12
MAX_EACH = 3
# Up to this many responses the BCa jackknife leaves out each response in turn, as scipy's does (bit for bit);
# beyond, once per distinct row of scores (`_Patterns.jackknife`): the same values, in time linear in n.
PER_RESPONSE_JACKKNIFE = 2000


def minimum_respondents(threshold: int) -> int:
    """Return the responses a group needs before its drivers are computed: MIN_RESPONDENTS, never below k."""
    return max(MIN_RESPONDENTS, threshold)


def holm(p_values: Sequence[float]) -> list[float]:
    """Return Holm's step-down adjusted p-values (each at most 1), in the order given.

    Sort ascending; the i-th smallest (0-based) is multiplied by m − i; a running maximum keeps them in order.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Return average ranks down the responses axis (−2) of a (…, n, k) array."""
    return stats.rankdata(scores, axis=-2)


def rank_correlations(scores: np.ndarray) -> np.ndarray:
    """Return the k × k Spearman matrix of an n × k array of scores (…-batched); NaN for a constant column."""
    ranks = _ranks(np.asarray(scores, dtype=float))
    centred = ranks - ranks.mean(axis=-2, keepdims=True)
    cov = np.einsum("...ni,...nj->...ij", centred, centred)
    sd = np.sqrt(np.einsum("...ii->...i", cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / sd[..., :, None] / sd[..., None, :]
    return np.clip(corr, -1.0, 1.0)


def spearman_p(rho: float, n: int) -> float:
    """Return the two-sided p of a Spearman ρ over n responses by the t approximation (as `spearmanr`)."""
    if n < 3:
        raise ValueError("a rank correlation's p needs at least 3 responses")
    if abs(rho) >= 1:
        return 0.0
    t = rho * np.sqrt((n - 2) / (1 - rho * rho))
    return float(2 * stats.t.sf(abs(t), n - 2))


def _subset_r_squared(corr: np.ndarray) -> np.ndarray:
    """Return R² of each variable regressed on each subset of the others, from (…-batched) k × k correlations.

    Shape (…, k, 2^k): [o, mask] is R² of variable o on the variables of bitmask `mask` (0 where the mask holds
    o). For a set T of variables, R² of o ∈ T on T − o is 1 − 1 / (R_TT⁻¹)_oo, so one inverse per subset serves
    every outcome in it (2^k inverses, not k · 2^(k−1)).
    """
    k = corr.shape[-1]
    found = np.zeros((*corr.shape[:-2], k, 1 << k))
    for size in range(2, k + 1):
        for members in combinations(range(k), size):
            index = np.array(members)
            block = corr[..., index[:, None], index[None, :]]
            try:
                inverse = np.linalg.inv(block)
            except np.linalg.LinAlgError:  # a driver that is an exact copy of others: the pseudo-inverse's fit
                inverse = np.linalg.pinv(block, hermitian=True)
            mask = sum(1 << m for m in members)
            for position, o in enumerate(members):
                with np.errstate(divide="ignore", invalid="ignore"):
                    r2 = 1 - 1 / inverse[..., position, position]
                found[..., o, mask & ~(1 << o)] = np.clip(r2, 0.0, 1.0)
    return found


@lru_cache(maxsize=64)
def _dominance_matrix(k: int, outcome: int) -> np.ndarray:
    """Return the (2^k, k − 1) matrix that turns an outcome's R² per subset into each driver's general dominance.

    Driver j's general dominance is Σ over subsets S of the other m − 1 drivers of w(|S|)·(R²(S ∪ j) − R²(S)),
    w(s) = 1 / (m · C(m − 1, s)): R²(T) enters driver j's sum with +w(|T| − 1) when T holds j, −w(|T|) when not.
    """
    drivers = [j for j in range(k) if j != outcome]
    m = len(drivers)
    matrix = np.zeros((1 << k, m))
    for column, j in enumerate(drivers):
        others = [d for d in drivers if d != j]
        for size in range(m):
            weight = 1.0 / (m * comb(m - 1, size))
            for subset in combinations(others, size):
                mask = sum(1 << d for d in subset)
                matrix[mask | (1 << j), column] += weight
                matrix[mask, column] -= weight
    return matrix


def general_dominance(
    corr: np.ndarray, *, outcome: int, r_squared: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return each other variable's general dominance for `outcome` and the full R², from k × k correlations.

    Shapes: corr (…, k, k) → weights (…, k − 1) in column order without the outcome, R² (…). General dominance
    of driver j: the mean over subset sizes s = 0…m − 1 of the mean, over subsets S of the other m − 1
    drivers of size s, of R²(S ∪ j) − R²(S). The weights sum to the full R² (Azen & Budescu 2003).
    `r_squared`: `_subset_r_squared(corr)` when the caller already has it (it serves every outcome).
    """
    corr = np.asarray(corr, dtype=float)
    k = corr.shape[-1]
    if k - 1 > MAX_DOMINANCE_DIMENSIONS:
        raise ValueError(f"dominance analysis is limited to {MAX_DOMINANCE_DIMENSIONS} drivers")
    r2 = (_subset_r_squared(corr) if r_squared is None else r_squared)[..., outcome, :]
    everyone = ((1 << k) - 1) & ~(1 << outcome)
    return r2 @ _dominance_matrix(k, outcome), r2[..., everyone]


@dataclass(frozen=True)
class Driver:
    key: Hashable  # the driver's label as given (a dimension id)
    rho: float  # Spearman's ρ with the outcome, −1…1
    rho_interval: tuple[float, float] | None  # 95% BCa bootstrap; None when the resamples left it undefined
    p: float  # two-sided, uncorrected
    p_holm: float  # Holm-adjusted across this outcome's drivers
    importance: float | None  # share of the full R² (0–1; shares sum to 1), None when not computed
    importance_interval: tuple[float, float] | None

    @property
    def significant(self) -> bool:
        """Return whether the association holds after Holm's correction (adjusted p < 0.05)."""
        return self.p_holm < 1 - CONFIDENCE


@dataclass(frozen=True)
class DriverAnalysis:
    outcome: Hashable
    respondents: int  # responses with every dimension answered
    r_squared: float | None  # of the outcome's ranks on every driver's ranks, 0–1
    drivers: list[Driver]


def _interval(low, high, i) -> tuple[float, float] | None:
    lo, hi = float(low[i]), float(high[i])
    return None if np.isnan(lo) or np.isnan(hi) else (lo, hi)


class _Patterns:
    """A group's responses as their distinct rows of scores, each with its multiplicity.

    The drivers' statistic depends on a resample only through how often it holds each distinct row, and scores
    take few values (means of a few items on a short scale), so a resample's average ranks come from counting:
    a value's rank is the count below it plus (its own count + 1) / 2, `scipy.stats.rankdata`'s average. Ranks
    are then half-integers and every sum of their products is a multiple of 1/4 below 2^53 for up to 200,000
    responses, so the correlations equal those of ranking every row (`rank_correlations`) exactly, bit for bit,
    whatever the order of summation.

    rows: P × k distinct rows; of_response: each response's row (n,). (Counting is done with sums, not matrix
    products, which on this shared machine's threaded BLAS cost ten times as much at these sizes.)
    """

    def __init__(self, scores: np.ndarray):
        self.rows, self.of_response = np.unique(scores, axis=0, return_inverse=True)
        self.of_response = self.of_response.reshape(-1)
        self.columns = []  # per column: rows in value order, where each value starts, each row's value index
        for column in self.rows.T:
            codes = np.unique(column, return_inverse=True)[1].reshape(-1)
            order = np.argsort(codes, kind="stable")
            starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
            self.columns.append((order, starts, codes))

    def counts(self, index: np.ndarray) -> np.ndarray:
        """Return how often each resample (…, m) of response positions holds each distinct row: (…, P)."""
        rows = self.of_response[np.asarray(index)]
        lead, width = rows.shape[:-1], len(self.rows)
        flat = rows.reshape(-1, rows.shape[-1]) + (np.arange(int(np.prod(lead))) * width)[:, None]
        return np.bincount(flat.ravel(), minlength=flat.shape[0] * width).reshape(*lead, width).astype(float)

    def rank_correlations(self, weights: np.ndarray) -> np.ndarray:
        """Return the k × k Spearman matrix of the resamples whose row counts are `weights` (…, P)."""
        total = weights.sum(axis=-1, keepdims=True)
        centred = []  # per column (…, P): each distinct row's average rank less the mean rank, (m + 1) / 2
        for order, starts, codes in self.columns:
            counts = np.add.reduceat(weights[..., order], starts, axis=-1)  # (…, values): how many of each
            below = np.cumsum(counts, axis=-1) - counts
            centred.append((below + (counts + 1) / 2)[..., codes] - (total + 1) / 2)
        k = len(centred)
        cov = np.empty((*weights.shape[:-1], k, k))
        for i in range(k):
            weighted = weights * centred[i]
            for j in range(i, k):
                cov[..., i, j] = cov[..., j, i] = np.sum(weighted * centred[j], axis=-1)
        sd = np.sqrt(np.einsum("...ii->...i", cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = cov / sd[..., :, None] / sd[..., None, :]
        return np.clip(corr, -1.0, 1.0)

    def jackknife(self, statistic, batch: int) -> np.ndarray:
        """Return the statistic of each leave-one-response-out sample, (components, n), as the jackknife of
        `scipy.stats.bootstrap` orders them.

        Up to PER_RESPONSE_JACKKNIFE responses, one sample per response in scipy's batches (so that even a batch
        whose correlation matrices need the pseudo-inverse, `_subset_r_squared`, is computed as scipy would);
        beyond, responses with the same row leave the same sample, so the statistic is computed once per
        distinct row (P evaluations, not n) and may differ from scipy's in the last bit where a batch falls back
        to the pseudo-inverse.
        """
        counts = np.bincount(self.of_response, minlength=len(self.rows)).astype(float)
        n = len(self.of_response)
        left_out = self.of_response if n <= PER_RESPONSE_JACKKNIFE else np.arange(len(self.rows))
        values = []
        for start in range(0, len(left_out), batch):
            chunk = left_out[start : start + batch]
            weights = np.repeat(counts[None, :], len(chunk), axis=0)
            weights[np.arange(len(chunk)), chunk] -= 1
            values.append(statistic(weights))
        found = np.concatenate(values, axis=-1)
        return found if n <= PER_RESPONSE_JACKKNIFE else found[:, self.of_response]


def _bca(statistic, patterns: _Patterns, distribution: np.ndarray, estimate: np.ndarray, batch: int):
    """Return BCa interval ends (low, high) from a bootstrap distribution (components, B).

    Efron 1987 (JASA 82:171) as Efron & Tibshirani 1993 (*An Introduction to the Bootstrap*, §14.3, eq. 14.9-14.15)
    give it, step for step as `scipy.stats.bootstrap` computes it (its `_bca_interval`): bias from the share of
    resamples below the estimate, acceleration from the jackknife's skewness. Only the jackknife is computed
    differently — once per distinct row of scores (`_Patterns.jackknife`) instead of once per response, which
    gives the same n values — so the interval is scipy's exactly, at a cost that no longer grows with n².
    """
    alpha = (1 - CONFIDENCE) / 2
    theta_hat = estimate[:, None]
    share = np.count_nonzero(distribution < theta_hat, axis=-1) + np.count_nonzero(distribution <= theta_hat, axis=-1)
    z0 = special.ndtri(share.astype(float) / (2 * distribution.shape[-1]))
    jackknife = patterns.jackknife(statistic, batch)
    n = float(jackknife.shape[-1])
    spread = (n - 1) * (np.mean(jackknife, axis=-1, keepdims=True) - jackknife)
    acceleration = 1 / 6 * (np.sum(spread**3, axis=-1) / n**3) / (np.sum(spread**2, axis=-1) / n**2) ** (3 / 2)
    z_alpha = float(special.ndtri(alpha))
    ends = []
    for z in (z_alpha, -z_alpha):
        ends.append(special.ndtr(z0 + (z0 + z) / (1 - acceleration * (z0 + z))))
    interval = stats.quantile(distribution, np.stack(ends, axis=-1), axis=-1)
    return interval[..., 0], interval[..., 1]


def drivers_analyse(
    scores: np.ndarray, keys: Sequence[Hashable], *, seed: Sequence[int] | int, resamples: int = RESAMPLES
) -> dict[Hashable, DriverAnalysis]:
    """Return, for every column taken as the outcome, the association of each other column with it.

    `scores`: n responses × k dimensions, each a response's score (mean of its answered items, or 0–10 for
    eNPS), every cell present; `keys`: the k columns' labels. One bootstrap of whole responses (`resamples`
    BCa resamples, `numpy.random.default_rng(seed)`) gives every interval. A column with one value throughout
    has no rank correlation and is left out. Raises ValueError for fewer than 3 responses or 2 columns.

    The resamples are `scipy.stats.bootstrap`'s own (the same draws); each is evaluated by counting its distinct
    rows of scores (`_Patterns`), and the BCa interval is scipy's computed with a jackknife per distinct row
    (`_bca`): the same intervals as scipy's BCa over every response, in time linear in the responses.
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    varying = [c for c in range(scores.shape[1]) if np.ptp(scores[:, c]) > 0] if n else []
    if n < 3 or len(varying) < 2:
        raise ValueError("drivers need at least 3 responses and 2 dimensions that vary")
    scores, keys = scores[:, varying], [keys[c] for c in varying]
    k = len(keys)
    upper = np.triu_indices(k, 1)
    with_importance = k - 1 <= MAX_DOMINANCE_DIMENSIONS and k > 2
    patterns = _Patterns(scores)
    batch = 250

    def of_counts(counts):  # the statistic of resamples given as counts of each distinct row (…, P)
        corr = patterns.rank_correlations(counts)
        parts = [corr[..., upper[0], upper[1]]]
        if with_importance:
            clean = np.where(np.isnan(corr), np.eye(k), corr)  # a resample with a constant column: NaN below
            undefined = np.isnan(corr).any(axis=(-1, -2))
            r_squared = _subset_r_squared(clean)
            for outcome in range(k):
                weights, full = general_dominance(clean, outcome=outcome, r_squared=r_squared)
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = weights / full[..., None]
                parts.append(np.where(undefined[..., None], np.nan, share))
        return np.moveaxis(np.concatenate(parts, axis=-1), -1, 0)

    def statistic(index, axis=-1):
        return of_counts(patterns.counts(index))

    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        estimate = statistic(np.arange(n))
        found = stats.bootstrap(
            (np.arange(n),),
            statistic,
            n_resamples=resamples,
            confidence_level=CONFIDENCE,
            method="percentile",  # the same resamples as BCa's; the BCa ends follow (`_bca`)
            vectorized=True,
            batch=batch,
            random_state=np.random.default_rng(seed),
        )
        low, high = _bca(of_counts, patterns, found.bootstrap_distribution, estimate, batch)
    low, high = np.array(low), np.array(high)
    # BCa is undefined when every resample lies on one side of the estimate (a share of R² near 0, which
    # resampling can only raise): the percentile interval stands in for it there.
    undefined = np.isnan(low) | np.isnan(high)
    if undefined.any():
        tail = 100 * (1 - CONFIDENCE) / 2
        percentile = np.nanpercentile(found.bootstrap_distribution[undefined], [tail, 100 - tail], axis=-1)
        low[undefined], high[undefined] = percentile
    pair_index = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(*upper, strict=True))}
    corr = rank_correlations(scores)
    analyses = {}
    for outcome in range(k):
        others = [j for j in range(k) if j != outcome]
        rhos = [float(corr[outcome, j]) for j in others]
        p_values = [spearman_p(rho, n) for rho in rhos]
        adjusted = holm(p_values)
        r_squared = None
        if with_importance:
            _, full = general_dominance(corr, outcome=outcome)
            r_squared = float(full)
        drivers = []
        for position, j in enumerate(others):
            pair = pair_index[(min(outcome, j), max(outcome, j))]
            importance = importance_interval = None
            if with_importance:
                slot = len(pair_index) + outcome * (k - 1) + position
                importance = float(estimate[slot]) if not np.isnan(estimate[slot]) else None
                importance_interval = _interval(low, high, slot)
            elif k == 2:
                importance = 1.0  # a single driver carries all the explained variation
            drivers.append(
                Driver(
                    key=keys[j],
                    rho=rhos[position],
                    rho_interval=_interval(low, high, pair),
                    p=p_values[position],
                    p_holm=adjusted[position],
                    importance=importance,
                    importance_interval=importance_interval,
                )
            )
        if k == 2:
            r_squared = float(corr[0, 1] ** 2)
        analyses[keys[outcome]] = DriverAnalysis(
            outcome=keys[outcome], respondents=n, r_squared=r_squared, drivers=drivers
        )
    return analyses


@dataclass(frozen=True)
class Candidate:
    """A driver as focus areas read it: its association, importance, score and change."""

    key: Hashable
    significant: bool  # association with the outcome holds after Holm's correction
    rho: float
    importance: float | None  # share of R², 0–1
    level: float  # where its score lies on its own scale, 0 (lowest answer) to 1 (highest)
    falling: bool  # a shown change from the previous cycle, significant, at least the practical size, downward


@dataclass(frozen=True)
class FocusAreas:
    strengths: list[Candidate]
    focus: list[Candidate]
    watch: list[Candidate]


def important(candidate: Candidate, *, drivers: int) -> bool:
    """Return whether a driver counts as important: a positive association that holds after correction and
    at least an equal share (1 / drivers) of what the drivers together explain."""
    return (
        candidate.significant
        and candidate.rho > 0
        and candidate.importance is not None
        and candidate.importance >= 1 / drivers - 1e-12
    )


def focus_areas(candidates: Sequence[Candidate], *, most: int = MAX_EACH) -> FocusAreas:
    """Return strengths, focus areas and dimensions to watch, at most `most` of each, most important first.

    1. Important drivers (`important`) scoring at or above the median level of all the candidates are
       strengths; those below it are focus areas.
    2. Any candidate whose score fell (significantly, and by at least the practical size) is to watch,
       whatever its importance.
    Ties in importance keep the order given.
    """
    if not candidates:
        return FocusAreas([], [], [])
    median = float(np.median([c.level for c in candidates]))

    def by_importance(found):
        return sorted(found, key=lambda c: -(c.importance or 0.0))[:most]

    chosen = [c for c in candidates if important(c, drivers=len(candidates))]
    return FocusAreas(
        strengths=by_importance(c for c in chosen if c.level >= median),
        focus=by_importance(c for c in chosen if c.level < median),
        watch=by_importance(c for c in candidates if c.falling),
    )
