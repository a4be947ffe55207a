"""A dimension's scale: the one kind of question it holds and the range its figure is read on.

A dimension holds ONE kind of question on ONE scale — agreement items all on 5 points or all on 7, or eNPS
(0–10, its figure −100 to 100), or free text — because its score is one mean (or one eNPS) of its items, read
"of 5", "of 7" or "of −100 to 100", its change in that unit and its trend on one axis. Every rule about it and
every output that says a dimension's unit reads `scale_of` (through `surveys.selectors.dimension_scales` where
the questions come from the database), so no page assumes 5 points. Pure: plain data in, plain data out.
"""

from collections.abc import Iterable
from dataclasses import dataclass

# Question.Kind's values, repeated here so that this module needs no Django.
AGREEMENT, ENPS, COMMENT = "likert", "enps", "comment"


@dataclass(frozen=True)
class Scale:
    """What a dimension's figure is: `kind` one of AGREEMENT, ENPS, COMMENT; `points` 5 or 7 for agreement, 11
    for eNPS's 0–10 answers, None for comments."""

    kind: str
    points: int | None = None

    @property
    def enps(self) -> bool:
        return self.kind == ENPS

    @property
    def scored(self) -> bool:
        """Whether the dimension has a figure (a comment dimension has none)."""
        return self.kind != COMMENT

    @property
    def low(self) -> float:
        """Return the lowest value its figure can take: 1 for agreement, −100 for eNPS."""
        return -100.0 if self.enps else 1.0

    @property
    def high(self) -> float:
        """Return the highest value its figure can take: the number of points for agreement, 100 for eNPS."""
        return 100.0 if self.enps else float(self.points or 5)

    @property
    def spark(self) -> str:
        """Return the scale as a sparkline reads it: "enps" or the number of points ("7")."""
        return "enps" if self.enps else str(self.points)

    @property
    def range_text(self) -> str:
        """Return the figure's range as written beside it: "1–7", "−100 to 100"."""
        return "−100 to 100" if self.enps else f"1–{self.points}"

    @property
    def unit(self) -> str:
        """Return a column's unit: "eNPS points, −100 to 100" or "scale points, 1–7"."""
        return "eNPS points, −100 to 100" if self.enps else f"scale points, 1–{self.points}"


def _scale(kind: str, points: int) -> Scale:
    if kind == ENPS:
        return Scale(ENPS, 11)
    if kind == COMMENT:
        return Scale(COMMENT)
    return Scale(AGREEMENT, points)


def _described(scale: Scale) -> str:
    if scale.kind == ENPS:
        return "0–10 eNPS"
    if scale.kind == COMMENT:
        return "open comment"
    return f"{scale.points}-point agreement"


def scales_of(items: Iterable[tuple[str, int]]) -> set[Scale]:
    """Return the distinct scales of (kind, scale points) items; more than one is a mixed dimension."""
    return {_scale(kind, points) for kind, points in items}


def scale_of(items: Iterable[tuple[str, int]]) -> Scale | None:
    """Return the one scale of a dimension's (kind, scale points) items; None for no items or a mix of scales
    (a dimension saved before the rule was enforced: it has no scale, and is not scored)."""
    found = scales_of(items)
    return next(iter(found)) if len(found) == 1 else None


def scale_problem(name: str, items: Iterable[tuple[str, int]]) -> str | None:
    """Return why (kind, scale points) items cannot share dimension `name`, or None when they hold one scale."""
    found = scales_of(items)
    if len(found) <= 1:
        return None
    used = " and ".join(sorted(_described(scale) for scale in found))
    return (
        f"{name} would mix {used} questions. A dimension holds one kind of question on one scale (all agreement "
        "items on the same number of points, or eNPS, or open comments), so that its score, changes and trend "
        "are on one scale. Put the question in a dimension of its own."
    )
