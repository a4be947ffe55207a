"""Survey statistics: scale scores, summaries, eNPS, changes between cycles, reliability. Pure: numbers in and out."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


def reverse_score(value: int, *, points: int) -> int:
    """Return a reverse-scored item's value on the same scale: 1 ↔ points, 2 ↔ points − 1, …"""
    return points + 1 - value


def is_favourable(value: int, *, points: int) -> bool:
    """Return whether an (already reverse-scored) answer is in the top two points of its scale."""
    return value >= points - 1


@dataclass(frozen=True)
class Summary:
    respondents: int
    mean: float
    sd: float | None
    favourable: float | None


def summarise(scale_scores: Sequence[float], *, favourable_answers: int, item_answers: int) -> Summary:
    """Return n, mean, sample SD and favourable share for respondents' scale scores."""
    n = len(scale_scores)
    if n == 0:
        raise ValueError("cannot summarise a group with no respondents")
    mean = math.fsum(scale_scores) / n
    sd = math.sqrt(math.fsum((s - mean) ** 2 for s in scale_scores) / (n - 1)) if n > 1 else None
    favourable = favourable_answers / item_answers if item_answers else None
    return Summary(respondents=n, mean=mean, sd=sd, favourable=favourable)


def enps(values: Sequence[int]) -> float:
    """Return the employee Net Promoter Score: % promoters (9–10) − % detractors (0–6)."""
    if not values:
        raise ValueError("eNPS needs at least one answer")
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return 100.0 * (promoters - detractors) / len(values)


# A change smaller than this many scale points is not flagged, however significant: on a 5-point scale it
# is less than a third of a step, below what a team would notice (a stated, adjustable judgement).
PRACTICAL_CHANGE = 0.3


@dataclass(frozen=True)
class ChangeTest:
    difference: float
    ci_low: float
    ci_high: float
    p: float
    flagged: bool


def change_between(
    previous: Sequence[float], current: Sequence[float], *, resamples: int = 2000, seed: int = 0
) -> ChangeTest:
    """Compare two cycles' respondent scores for one group: independent samples, as responses are unlinkable.

    The difference of means with a 95% percentile-bootstrap interval, and the two-sided Mann–Whitney U test
    (no normality assumed for Likert-based scores). Flagged only when p < 0.05 *and* the difference is at
    least PRACTICAL_CHANGE.
    """
    before, after = np.asarray(previous, dtype=float), np.asarray(current, dtype=float)
    if len(before) < 2 or len(after) < 2:
        raise ValueError("each cycle needs at least two respondents")
    rng = np.random.default_rng(seed)
    diffs = after[rng.integers(0, len(after), (resamples, len(after)))].mean(axis=1) - before[
        rng.integers(0, len(before), (resamples, len(before)))
    ].mean(axis=1)
    low, high = np.percentile(diffs, [2.5, 97.5])
    difference = float(after.mean() - before.mean())
    p = float(stats.mannwhitneyu(after, before, alternative="two-sided").pvalue)
    return ChangeTest(difference, float(low), float(high), p, p < 0.05 and abs(difference) >= PRACTICAL_CHANGE)


def cronbach_alpha(items: np.ndarray) -> float | None:
    """Return Cronbach's α of a respondents × items matrix (complete rows only), or None if undefined."""
    items = np.asarray(items, dtype=float)
    if items.ndim != 2 or items.shape[1] < 2 or items.shape[0] < 3:
        return None
    k = items.shape[1]
    total_variance = items.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return None
    return float(k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / total_variance))


def mean_interval(mean: float, sd: float | None, n: int, *, confidence: float = 0.95) -> tuple[float, float] | None:
    """Return the t-based confidence interval of a mean, or None when it cannot be estimated (n < 2)."""
    if sd is None or n < 2:
        return None
    half = stats.t.ppf((1 + confidence) / 2, n - 1) * sd / math.sqrt(n)
    return mean - half, mean + half
