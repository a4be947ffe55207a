"""Attack finding M3: the summary claimed more than its figures support. In the first cycle ever it said no score
"changed by more than chance" (there was nothing to compare with); an earlier cycle's metrics tile showed the
latest periods; Design's summary counted the organisation's associations as its own.

Each sentence is checked against the figures it is written from, over generated summaries."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.models import MetricDefinition
from feedback.selectors.dashboard import HeatCell, ParticipationPoint, dashboard
from feedback.selectors.metrics import MetricPoint, MetricSeries
from feedback.selectors.summary import DimensionLine, Summary, _latest_move, _sentences, dashboard_summary
from surveys.models import Cycle, Dimension
from tests.feedback.test_dashboard_audiences import acme  # noqa: F401 (a fixture)

NAMES = ["Meaning", "Impact", "Dependability", "Structure & clarity"]
CYCLE = Cycle(id=2, name="Pulse 22 Apr 2026", closes_at=datetime(2026, 4, 22, tzinfo=UTC))
BEFORE = Cycle(id=1, name="Pulse 25 Mar 2026", closes_at=datetime(2026, 3, 25, tzinfo=UTC))

cell_states = st.sampled_from(["hidden", "no change", "unchanged", "rose", "fell"])


def _cell(name: str, state: str) -> HeatCell:
    if state == "hidden":
        return HeatCell(dimension=Dimension(name=name), shown=False)
    change = {"no change": None, "unchanged": 0.1, "rose": 0.6, "fell": -0.6}[state]
    return HeatCell(
        dimension=Dimension(name=name), shown=True, n=8, value=3.4, change=change, flagged=state in ("rose", "fell")
    )


@settings(max_examples=400)
@given(
    states=st.lists(cell_states, min_size=1, max_size=4),
    earlier=st.booleans(),
    whole=st.booleans(),
    findings=st.integers(min_value=0, max_value=3),
)
def test_every_sentence_of_the_summary_holds_for_its_figures(states, earlier, whole, findings):
    cells = [_cell(name, state) for name, state in zip(NAMES, states, strict=False)]
    summary = Summary(
        cycle=CYCLE,
        participation=ParticipationPoint(cycle=CYCLE, shown=False),
        previous_participation=None,
        dimensions=[DimensionLine(cell=cell, spark=[], scale="5") for cell in cells],
        enps=None,
        movers=[],
        drivers=None,
        findings=findings,
        metrics=[],
        previous_cycle=BEFORE if earlier else None,
        whole_organisation=whole,
    )
    text = " ".join(_sentences(summary, SimpleNamespace(root=SimpleNamespace(id=1, name="Design"))))
    shown = [c for c in cells if c.shown]
    compared = [c for c in shown if c.change is not None]
    moved = [c for c in compared if c.flagged]
    # a claim about changes only where a change was computed, and the names moved are the flagged ones
    assert ("changed by more than chance and the practical size" in text) == bool(compared and not moved)
    for cell in moved:
        assert cell.dimension.name in text.split("Since the previous cycle, ", 1)[1].split(" in Design", 1)[0]
    if compared and not moved and len(compared) < len(shown):
        assert f"({len(compared)} of the {len(shown)} scores shown have an earlier figure to compare with)" in text
    # nothing to compare with: said exactly when no score has a change, and of the first cycle as such
    nothing = "there is nothing to compare its scores with yet" in text
    assert nothing == bool(shown and not compared and not earlier)
    assert ("can be compared with Pulse 25 Mar 2026" in text) == bool(shown and not compared and earlier)
    assert ("are not shown: too few people" in text) == (not shown)
    # the associations are said to be the organisation's wherever the group is not the organisation
    if findings:
        assert ("Over all the organisation's teams" in text) == (not whole)
        assert ("not Design's alone" in text) == (not whole)
    else:
        assert "association" not in text


@settings(max_examples=300)
@given(
    lengths=st.lists(st.integers(min_value=0, max_value=3), min_size=0, max_size=12),
    close=st.integers(min_value=0, max_value=60),
)
def test_a_summarys_metrics_are_the_periods_ended_by_its_cycles_close(lengths, close):
    start = date(2026, 3, 1)
    points, day = [], start
    for i, gap in enumerate(lengths):
        end = day + timedelta(days=6)
        points.append(MetricPoint(start=day, end=end, value=float(i), ended=i < len(lengths) - 1))
        day = end + timedelta(days=1 + gap)
    cycle = Cycle(name="Pulse", closes_at=datetime.combine(start + timedelta(days=close), datetime.min.time(), UTC))
    series = MetricSeries(metric=MetricDefinition(name="Deployments"), period="week", points=points)
    move = _latest_move(series, cycle)
    closed = cycle.closes_at.date()
    candidates = [p for p in points if p.ended and p.end <= closed]
    if len(candidates) < 2:
        assert move is None
    else:
        assert (move.latest, move.previous) == (candidates[-1], candidates[-2])
        assert move.latest.end <= closed


@pytest.mark.django_db
def test_the_first_cycle_of_a_group_says_there_is_nothing_to_compare_with_yet(acme):  # noqa: F811
    first = acme["whole"][0]
    data = dashboard(root=acme["engineering"], first_cycle=first.id, last_cycle=first.id, heat_cycle=first.id)
    text = " ".join(dashboard_summary(data=data, drivers=None).sentences)
    assert f"{first.name} is the first cycle that asked the whole of Engineering" in text
    assert "changed by more than chance" not in text
    later = " ".join(dashboard_summary(data=dashboard(root=acme["engineering"]), drivers=None).sentences)
    assert "nothing to compare" not in later and "changed by more than chance" in later
    assert dashboard_summary(data=data, drivers=None).previous_cycle is None
    assert dashboard_summary(data=dashboard(root=acme["engineering"]), drivers=None).previous_cycle == first
