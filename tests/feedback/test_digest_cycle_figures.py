"""Attack findings M2 and L5: the digest filed an earlier cycle's figure under the current cycle's heading (the
trend's last point, from the last cycle that asked the dimension), and stated each association's r, interval and
q twice. Every figure under a heading is that cycle's; a dimension it did not ask is said to be, with its last
figure and cycle."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.correlation import RmCorr, describe
from feedback.models import Finding, GroupScore, MetricDefinition
from feedback.selectors.dashboard import Trend, TrendPoint, dashboard
from feedback.selectors.summary import figure_in_cycle
from feedback.services.digest import digest_message, digest_text
from surveys.models import Cycle, Dimension, Person
from tests.factories import manager_of
from tests.feedback.test_rotation_gaps import asked, rotated  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _lines(text: str, heading: str) -> dict[str, str]:
    """Return the digest's dimension lines under a heading: dimension name → what follows the colon."""
    block = text.split(heading, 1)[1].split("\n\n", 1)[0]
    return dict(line[2:].split(": ", 1) for line in block.splitlines() if line.startswith("- "))


def test_each_dimension_under_the_heading_is_that_cycles_figure_or_said_not_asked(rotated):  # noqa: F811
    admin, _ = manager_of(rotated["root"], email="alice@example.com", role=Person.Role.ADMIN)
    data = dashboard(root=rotated["root"])
    last = data.heat_cycle
    lines = _lines(digest_text(user=admin), f"== Acme: {last.name} ==")
    said_not_asked = 0
    for trend in data.trends:
        line = lines[trend.dimension.name]
        if trend.dimension.key in asked(last):
            score = GroupScore.objects.get(cycle=last, team=rotated["root"], dimension=trend.dimension)
            figure = f"eNPS {score.enps:.0f}" if trend.enps else f"{score.mean:.2f}"
            assert line.startswith(figure) and line.endswith(f"n = {score.respondents}"), line
            continue
        said_not_asked += 1
        before = [p for p in trend.points if p.shown and p.cycle != last]
        assert before, "the fixture's rotation asks every dimension in some earlier cycle"
        # an agreement score with its scale beside it, as every figure of the digest ("2.82 (1–5)")
        value = f"eNPS {before[-1].value:.0f}" if trend.enps else f"{before[-1].value:.2f} ({trend.scale.range_text})"
        assert line == f"not asked this cycle (last: {before[-1].cycle.name}, {value}, n = {before[-1].n})"
    assert said_not_asked  # the rotation leaves something out of the last cycle


def test_the_html_digest_says_the_same_as_its_text(rotated):  # noqa: F811
    admin, _ = manager_of(rotated["root"], email="alice@example.com", role=Person.Role.ADMIN)
    message = digest_message(user=admin)
    body = message.alternatives[0][0]
    for line in re.findall(r"not asked this cycle \(last: [^)]*\)", message.body):
        assert line in body


def _cycle(i: int) -> Cycle:
    return Cycle(id=i + 1, name=f"Pulse {i + 1}", opens_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(30 * i))


@given(
    shown=st.lists(st.sampled_from(["shown", "hidden", "not asked"]), min_size=1, max_size=8),
    heading=st.integers(min_value=0, max_value=7),
)
def test_the_figure_in_a_cycle_is_never_another_cycles(shown, heading):
    cycles = [_cycle(i) for i in range(len(shown))]
    heading = cycles[heading % len(cycles)]
    points = [
        TrendPoint(cycle=c, shown=state == "shown", n=6 if state == "shown" else None, value=float(c.id))
        for c, state in zip(cycles, shown, strict=True)
        if state != "not asked"
    ]
    figure = figure_in_cycle(Trend(dimension=Dimension(name="Meaning"), points=points), heading)
    if shown[cycles.index(heading)] == "not asked":
        assert figure.point is None
        earlier = [p for p in points if p.shown and p.cycle.opens_at < heading.opens_at]
        assert figure.earlier == (earlier[-1] if earlier else None)
    else:
        assert figure.point.cycle == heading and figure.earlier is None


def test_each_association_states_its_r_interval_and_q_once(rotated):  # noqa: F811
    admin, _ = manager_of(rotated["root"], email="alice@example.com", role=Person.Role.ADMIN)
    metric = MetricDefinition.objects.create(key="velocity", name="Velocity")
    result = RmCorr(r=0.62, dof=30, p_parametric=0.001, ci_low=0.3, ci_high=0.8, n_teams=8, n_points=40)
    _, sentence = describe(dimension="meaning", metric="velocity", lower_is_better=False, lag=0, result=result, q=0.004)
    Finding.objects.create(
        dimension=Dimension.objects.get(key="meaning"), metric=metric, lag=0, n_teams=8, n_points=40, r=0.62,
        ci_low=0.3, ci_high=0.8, p=0.001, q=0.004, direction="better", significant=True, sentence=sentence,
    )  # fmt: skip
    message = digest_message(user=admin)
    for text in (message.body, message.alternatives[0][0]):
        line = next(line for line in text.splitlines() if "velocity" in line)
        assert line.count("r = ") == 1 and line.count("q = ") == 1 and line.count("95%") == 1, line
        assert "the organisation's, found over all its teams" in text
