"""Reliability of each dimension's questions: Cronbach's α over the whole organisation, with its interval.

α is computed at aggregation over the organisation's responses that answered every item of the dimension
(`DimensionReliability`); it is shown only where those responses are at least the cycle's threshold.
"""

from dataclasses import dataclass

from django.db.models import F

from surveys.models import Cycle, Dimension

from ..models import DimensionReliability
from ..statistics import RELIABLE_ALPHA, cronbach_alpha_interval


@dataclass(frozen=True)
class Reliability:
    dimension: Dimension
    cycle: Cycle
    alpha: float  # Cronbach's α, at most 1 (negative when the items disagree outright)
    interval: tuple[float, float] | None  # Feldt's 95% interval
    respondents: int  # responses that answered every item of the dimension
    items: int

    @property
    def items_disagree(self) -> bool:
        """Return whether α is below RELIABLE_ALPHA: the questions do not measure one thing consistently."""
        return self.alpha < RELIABLE_ALPHA


def _shown():
    return DimensionReliability.objects.filter(alpha__isnull=False, respondents__gte=F("cycle__threshold"))


def _reliability(row: DimensionReliability) -> Reliability:
    interval = cronbach_alpha_interval(row.alpha, respondents=row.respondents, items=row.items)
    return Reliability(row.dimension, row.cycle, row.alpha, interval, row.respondents, row.items)


def cycle_reliabilities(*, cycle: Cycle, dimension_ids: list[int]) -> list[Reliability]:
    """Return α for the given dimensions in one cycle, by dimension name, where it may be shown (one query)."""
    rows = _shown().filter(cycle=cycle, dimension_id__in=dimension_ids).select_related("dimension", "cycle")
    return sorted((_reliability(row) for row in rows), key=lambda r: r.dimension.name)


def latest_reliabilities() -> dict[int, Reliability]:
    """Return each dimension's α in the latest closed cycle where it may be shown (dimension id → α; one query)."""
    latest: dict[int, Reliability] = {}
    for row in _shown().select_related("dimension", "cycle").order_by("-cycle__closes_at", "-cycle_id"):
        if row.dimension_id not in latest:
            latest[row.dimension_id] = _reliability(row)
    return latest
