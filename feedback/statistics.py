"""Survey statistics: scale scores, summaries, eNPS, changes between cycles, reliability. Pure: numbers in and out."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


def reverse_score(value: int, *, points: int) -> int:
    """Return a reverse-scored item's value on the same scale: 1 ↔ points, 2 ↔ points − 1, …"""
    return points + 1 - value


def is_favourable(value: int, *, points: int) -> bool:
    """Return whether an (already reverse-scored) answer is in the top two points of its scale."""
    return value >= points - 1


def favourability(shares: Mapping[int, float], *, points: int, reverse: bool) -> tuple[float, float, float]:
    """Return an agreement item's (unfavourable, neutral, favourable) shares from its answers' shares as asked.

    `shares`: {answer as asked (1…points): share 0–1}. Favourable is the top two points after reverse scoring
    (`is_favourable`, as the favourable share of a dimension counts it), unfavourable the bottom two, neutral
    what lies between (the middle point of 5, the middle three of 7). A reverse-scored item's "strongly agree"
    is unfavourable.
    """
    unfavourable = neutral = favourable = 0.0
    for answer, share in shares.items():
        scored = reverse_score(answer, points=points) if reverse else answer
        if is_favourable(scored, points=points):
            favourable += share
        elif scored <= 2:
            unfavourable += share
        else:
            neutral += share
    return unfavourable, neutral, favourable


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


def exact_sum(values: Sequence[float], counts: Sequence[int]) -> float:
    """Return the sum of each value repeated its count of times, rounded once: what `math.fsum` gives for the
    repeated values (both are the correctly rounded exact sum), without building them."""
    ratios = [value.as_integer_ratio() for value in values]  # each denominator a power of two
    common = max((q for _, q in ratios), default=1)
    return sum(count * p * (common // q) for (p, q), count in zip(ratios, counts, strict=True)) / common


def summarise_counts(counts: Mapping[float, int], *, favourable_answers: int, item_answers: int) -> Summary:
    """Return `summarise` of scale scores given as {score: respondents}: the same n, mean, SD and share."""
    n = sum(counts.values())
    if n == 0:
        raise ValueError("cannot summarise a group with no respondents")
    mean = exact_sum(list(counts), list(counts.values())) / n
    squares = [(s - mean) ** 2 for s in counts]
    sd = math.sqrt(exact_sum(squares, list(counts.values())) / (n - 1)) if n > 1 else None
    favourable = favourable_answers / item_answers if item_answers else None
    return Summary(respondents=n, mean=mean, sd=sd, favourable=favourable)


def enps(values: Sequence[int]) -> float:
    """Return the employee Net Promoter Score: % promoters (9–10) − % detractors (0–6)."""
    if not values:
        raise ValueError("eNPS needs at least one answer")
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return 100.0 * (promoters - detractors) / len(values)


@dataclass(frozen=True)
class EnpsGroups:
    """eNPS's three groups as counts of respondents: promoters (9–10), passives (7–8), detractors (0–6)."""

    promoters: int
    passives: int
    detractors: int

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    def share(self, count: int) -> float:
        """Return a count as a share (0–1) of the respondents."""
        return count / self.n if self.n else 0.0


def enps_groups(distribution: Mapping[int, int]) -> EnpsGroups:
    """Sort a 0–10 answer distribution ({answer: respondents}) into eNPS's promoters, passives and detractors.

    Raises ValueError for an answer outside 0–10 or a negative count.
    """
    if any(not 0 <= answer <= 10 or count < 0 for answer, count in distribution.items()):
        raise ValueError("an eNPS distribution holds answers 0–10 with counts of at least 0")
    return EnpsGroups(
        promoters=sum(count for answer, count in distribution.items() if answer >= 9),
        passives=sum(count for answer, count in distribution.items() if 7 <= answer <= 8),
        detractors=sum(count for answer, count in distribution.items() if answer <= 6),
    )


# A change smaller than this is not flagged, however significant: on a 5-point scale 0.3 is less than a third of
# a step, below what a team would notice; for eNPS (−100…100) 10 points is one respondent in ten moving a
# category. Stated, adjustable judgements.
PRACTICAL_CHANGE = 0.3
PRACTICAL_ENPS_CHANGE = 10.0
Z_95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class ChangeTest:
    difference: float  # current − previous, in the figure's own unit (scale points, or eNPS points)
    ci_low: float
    ci_high: float
    p: float  # two-sided; p < 0.05 exactly when the 95% interval excludes zero
    flagged: bool  # significant and at least the practical size


def change_between(previous: Sequence[float], current: Sequence[float]) -> ChangeTest:
    """Compare two cycles' respondent scale scores for one group: independent samples (responses are unlinkable).

    The difference of means with Welch's 95% t interval and Welch's two-sided t-test (Welch 1947), which agree
    by construction: p < 0.05 exactly when the interval excludes zero. At survey teams' sizes (5–30, unequal)
    Welch's interval keeps its 95% coverage where a percentile bootstrap's fell to about 92%
    (tests/feedback/test_statistics.py simulates it). Flagged when p < 0.05 and |difference| ≥
    PRACTICAL_CHANGE. Both groups constant: a zero-width interval, p 1 if equal else 0.
    """
    before, after = np.asarray(previous, dtype=float), np.asarray(current, dtype=float)
    if len(before) < 2 or len(after) < 2:
        raise ValueError("each cycle needs at least two respondents")
    difference = float(after.mean() - before.mean())
    v_before, v_after = before.var(ddof=1) / len(before), after.var(ddof=1) / len(after)
    se = math.sqrt(v_before + v_after)
    if se == 0:
        return ChangeTest(difference, difference, difference, 1.0 if difference == 0 else 0.0, difference != 0 and
                          abs(difference) >= PRACTICAL_CHANGE)  # fmt: skip
    df = (v_before + v_after) ** 2 / (v_before**2 / (len(before) - 1) + v_after**2 / (len(after) - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    p = float(2 * stats.t.sf(abs(difference) / se, df))
    return ChangeTest(difference, difference - half, difference + half, p, p < 0.05 and abs(difference) >=
                      PRACTICAL_CHANGE)  # fmt: skip


def enps_change_between(previous: Sequence[int], current: Sequence[int]) -> ChangeTest:
    """Compare two cycles' eNPS for one group, in eNPS points (−200…200), from their 0–10 answers.

    eNPS is a difference of two shares of one multinomial (promoters − detractors), so its interval is an
    adjusted Wald interval: half a pseudo-answer is added to each of the three categories of each cycle
    before the shares and their variance, (p₊ + p₋ − (p₊ − p₋)²)/ñ, are taken — the adjustment Agresti & Caffo
    (2000) make for a difference of two proportions, here per category (Rocks 2016, *The American
    Statistician* 70(4), studies such intervals for NPS). Half a count was chosen by simulation: at 5–30
    respondents per cycle the 95% interval covers a zero change at least 94.5% of the time across answer
    mixes from mostly detractors to mostly promoters (tests/feedback/test_statistics.py), where Welch's on
    the ±100 scores fell to 93%. The difference shown is the plain eNPS difference; p is the matching
    two-sided z-test. Flagged when p < 0.05 and |difference| ≥ PRACTICAL_ENPS_CHANGE.
    """
    if len(previous) < 2 or len(current) < 2:
        raise ValueError("each cycle needs at least two respondents")

    def shares(values: Sequence[int]) -> tuple[float, float]:
        n = len(values) + 1.5
        promoters = (sum(1 for v in values if v >= 9) + 0.5) / n
        detractors = (sum(1 for v in values if v <= 6) + 0.5) / n
        return promoters - detractors, (promoters + detractors - (promoters - detractors) ** 2) / n

    (m_before, v_before), (m_after, v_after) = shares(previous), shares(current)
    difference = enps(current) - enps(previous)
    se = 100 * math.sqrt(v_before + v_after)
    centre = 100 * (m_after - m_before)
    p = float(2 * stats.norm.sf(abs(centre) / se))
    return ChangeTest(difference, centre - Z_95 * se, centre + Z_95 * se, p, p < 0.05 and abs(difference) >=
                      PRACTICAL_ENPS_CHANGE)  # fmt: skip


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


# Below this α a dimension's questions are read as not measuring one thing consistently: the usual floor for
# group-level research scales (Nunnally 1978, *Psychometric Theory*, 2nd ed., p. 245). A stated judgement.
RELIABLE_ALPHA = 0.7


def cronbach_alpha_interval(
    alpha: float, *, respondents: int, items: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Return Feldt's interval for Cronbach's α of `respondents` × `items` answers, or None below 3 × 2.

    (1 − α)/(1 − α̂) follows an F distribution with n − 1 and (n − 1)(k − 1) degrees of freedom (Feldt 1965,
    *Psychometrika* 30(3); Feldt, Woodruff & Salih 1987), so the bounds are 1 − (1 − α̂)·F at the two tails.
    The interval pingouin's `cronbach_alpha` gives (the tests' oracle).
    """
    if respondents < 3 or items < 2:
        return None
    df1 = respondents - 1
    df2 = df1 * (items - 1)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha) * float(stats.f.isf(tail, df1, df2))
    high = 1 - (1 - alpha) * float(stats.f.ppf(tail, df1, df2))
    return low, high


def mean_interval(mean: float, sd: float | None, n: int, *, confidence: float = 0.95) -> tuple[float, float] | None:
    """Return the t-based confidence interval of a mean, or None when it cannot be estimated (n < 2)."""
    if sd is None or n < 2:
        return None
    half = stats.t.ppf((1 + confidence) / 2, n - 1) * sd / math.sqrt(n)
    return mean - half, mean + half
