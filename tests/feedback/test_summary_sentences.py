"""The summary's sentences (attack 09, #5–#7): nothing said of changes when no score is shown, "each" only of
two or more, and drivers that say they are of all dimensions under a dimension filter."""

from datetime import UTC, datetime
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.selectors.dashboard import HeatCell, ParticipationPoint
from feedback.selectors.summary import DimensionLine, Summary, _sentences
from surveys.models import Cycle, Dimension

CYCLE = Cycle(id=1, name="Pulse 12 Aug 2026", closes_at=datetime(2026, 8, 12, tzinfo=UTC))
NAMES = ["Meaning", "Impact", "Dependability", "Structure & clarity"]


def summary_of(cells: list[HeatCell], *, filtered: bool = False, drivers=None) -> Summary:
    return Summary(
        cycle=CYCLE,
        participation=ParticipationPoint(cycle=CYCLE, shown=False),
        previous_participation=None,
        dimensions=[DimensionLine(cell=cell, spark=[], scale="5") for cell in cells],
        enps=None,
        movers=[],
        drivers=drivers,
        findings=0,
        metrics=[],
        filtered=filtered,
    )


def said(summary: Summary, group: str = "Research") -> str:
    data = SimpleNamespace(root=SimpleNamespace(id=1, name=group))
    return " ".join(_sentences(summary, data))


def test_a_group_whose_every_score_is_suppressed_is_told_nothing_of_changes():
    cells = [HeatCell(dimension=Dimension(name=name), shown=False) for name in NAMES]
    text = said(summary_of(cells), group="Onboarding")
    assert "changed" not in text
    assert "The scores of Onboarding in Pulse 12 Aug 2026 are not shown: too few people." in text


def test_one_score_that_fell_is_not_each():
    cells = [HeatCell(dimension=Dimension(name="Meaning"), shown=True, n=8, value=3.1, change=-0.6, flagged=True)]
    text = said(summary_of(cells))
    assert "Since the previous cycle, Meaning fell in Research, by more than chance would explain" in text
    assert "each" not in text


@settings(max_examples=200)
@given(changes=st.lists(st.sampled_from([-0.6, 0.6, 0.0]), min_size=1, max_size=4), shown=st.booleans())
def test_each_is_said_exactly_when_two_or_more_scores_moved(changes, shown):
    cells = [
        HeatCell(dimension=Dimension(name=name), shown=shown, n=8, value=3.1, change=change, flagged=bool(change))
        if shown
        else HeatCell(dimension=Dimension(name=name), shown=False)
        for name, change in zip(NAMES, changes, strict=False)
    ]
    text = said(summary_of(cells))
    moved = sum(1 for change in changes if change) if shown else 0
    assert ("each by more than chance" in text) == (moved >= 2)
    assert ("changed by more than chance" in text) == (shown and moved == 0)
    assert ("are not shown: too few people" in text) == (not shown)


def test_under_a_dimension_filter_the_suggested_focus_says_it_is_of_all_dimensions():
    area = SimpleNamespace(driver=SimpleNamespace(dimension=Dimension(name="Meaning")))
    drivers = SimpleNamespace(focus=[area], strengths=[], outcome=Dimension(name="eNPS"))
    cells = [HeatCell(dimension=Dimension(name="eNPS"), shown=True, n=8, value=20, enps=True)]
    assert "of all dimensions whatever the dimension filter" in said(summary_of(cells, filtered=True, drivers=drivers))
    assert "whatever the dimension filter" not in said(summary_of(cells, drivers=drivers))
