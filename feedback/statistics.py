"""Survey statistics for one group: scale scores, summaries and eNPS. Pure: numbers in, numbers out."""

import math
from collections.abc import Sequence
from dataclasses import dataclass


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
