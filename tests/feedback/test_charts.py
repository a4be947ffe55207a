"""Chart figures: whatever users name things, plotly shows the names as typed and reads no markup in them."""

import re
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback import charts
from feedback.models import Finding, MetricDefinition
from feedback.selectors.dashboard import FindingView, ParticipationPoint, ScatterPoint, Trend, TrendPoint
from feedback.selectors.metrics import MetricPoint, MetricSeries
from surveys.models import Cycle, Dimension
from surveys.scales import Scale

# Pieces of plotly's HTML subset and template syntax, mixed with arbitrary text by the strategy below.
HOSTILE = [
    '<a href="https://evil.example/">click</a>', "<b>", "</b>", "<br>", "<br/>", "<i>x</i>", "<sup>2</sup>",
    '<span style="color:red">', "%{x}", "%{y:.2f}", "%{customdata}", "%{meta[0]}", "&", "&amp;", "&lt;b&gt;",
    "&#60;a&#62;", "&quot;", "<", ">", '"', "'", "{", "}", "%", "$x$",
]  # fmt: skip
# plotly.js's named entities (svg_text_utils); every other name stays as written.
ENTITIES = {"mu": "μ", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\xa0", "times": "×", "plusmn": "±", "deg": "°"}
ENTITY = re.compile(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);")

names = (
    st.lists(
        st.one_of(
            st.sampled_from(HOSTILE), st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
        ),
        min_size=1,
        max_size=6,
    )
    .map("".join)
    .filter(bool)
)


def shown_by_plotly(text: str) -> str:
    """Return what plotly.js draws for text without tags: its convertEntities, one pass over the string."""

    def decode(match):
        entity = match.group(1)
        if entity.startswith("#"):
            code = int(entity[2:], 16) if entity[1] == "x" else int(entity[1:])
            return chr(code) if code <= 0x10FFFF else match.group(0)
        return ENTITIES.get(entity, match.group(0))

    return ENTITY.sub(decode, text)


def strings(value, key=""):
    """Yield (key, string) for every string in a figure, with the key of the dict it sits under."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for inner, item in value.items():
            yield from strings(item, inner)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item, key)


def figures(dimension: str, cycle: str, metric: str, team: str) -> list[dict]:
    """Return every chart the report pages draw, built from report data named as given."""
    opened = Cycle(name=cycle, closes_at=datetime(2025, 3, 1, tzinfo=UTC))
    later = Cycle(name="Later", closes_at=datetime(2025, 6, 1, tzinfo=UTC))
    score = Dimension(name=dimension)
    enps = Dimension(name=f"eNPS {dimension}")
    points = [TrendPoint(cycle=c, shown=True, n=6, value=3.2, interval=(2.8, 3.6)) for c in (opened, later)]
    trends = [
        Trend(dimension=score, points=points),
        Trend(dimension=Dimension(name="Second"), points=points),
        Trend(dimension=enps, points=[TrendPoint(cycle=opened, shown=True, n=6, value=20.0)], enps=True),
    ]
    measured = MetricDefinition(key="m", name=metric, unit=metric)
    series = [
        MetricSeries(
            metric=measured,
            period="week",
            points=[
                MetricPoint(date(2025, 1, 6), date(2025, 1, 12), 3.0, True),
                MetricPoint(date(2025, 1, 13), date(2025, 1, 19), 4.0, True),
            ],
        )
    ]
    finding = Finding(dimension=score, metric=measured, lag=1)
    scatter = [ScatterPoint(team=team, cycle=cycle, score=0.2, metric=-0.1)]
    return [
        charts.trend_figure(trends, enps=False, scales={None: Scale("likert", 5)}),
        charts.trend_figure(trends, enps=True, scales={None: Scale("likert", 5)}),
        charts.participation_figure([ParticipationPoint(cycle=opened, shown=True, invited=8, answered=6)]),
        charts.finding_figure(FindingView(finding=finding, points=scatter)),
        charts.timeline_figure(trends, series, scales={None: Scale("likert", 5)}),
    ]


@settings(max_examples=300, deadline=None)
@given(dimension=names, cycle=names, metric=names, team=names)
def test_no_text_plotly_draws_holds_markup_or_templates_from_names(dimension, cycle, metric, team):
    # given
    plain = figures("Dim", "Cycle", "Metric", "Team")
    # when
    hostile = figures(dimension, cycle, metric, team)
    # then
    for built, reference in zip(hostile, plain, strict=True):
        templates = [text for key, text in strings(built) if key == "hovertemplate"]
        assert templates == [text for key, text in strings(reference) if key == "hovertemplate"]
        for key, text in strings(built):
            if key != "hovertemplate":
                # "<br>" is Align's own line break (charts.fitted): every name's "<" is escaped
                assert "<" not in text.replace("<br>", "") and ">" not in text.replace("<br>", ""), (key, text)
                assert "%{" not in text, (key, text)


@settings(max_examples=200, deadline=None)
@given(name=names)
def test_plotly_shows_each_name_as_it_was_typed(name):
    # given
    cycle = f"{name} cycle"
    # when
    trend, _, participation, finding, timeline = figures(name, cycle, name, name)
    # then
    assert shown_by_plotly(trend["data"][0]["name"]) == name
    assert [shown_by_plotly(x) for x in trend["data"][0]["x"]] == [cycle, "Later"]
    assert [shown_by_plotly(x) for x in participation["data"][0]["x"]] == [cycle]
    assert shown_by_plotly(finding["data"][0]["text"][0]) == f"{name}, {cycle}"
    # the axis title broken into lines to fit (charts.fitted); the hover says it in full
    assert shown_by_plotly(finding["data"][0]["meta"][0]) == f"{name} (vs the team's own average)"
    title = finding["layout"]["xaxis"]["title"]["text"].split("<br>")
    assert len(title) <= 2 and all(len(shown_by_plotly(line)) <= charts.X_TITLE_LINE for line in title)
    assert shown_by_plotly(timeline["data"][-1]["name"]) == f"{name}, per week"
    unit = name if len(name) <= 24 else name[:23] + "…"  # the unit; the legend names the metric in full
    assert shown_by_plotly(timeline["layout"]["yaxis2"]["title"]["text"]) == unit


def test_the_figures_own_text_and_settings_are_unchanged():
    # given
    trend, _, participation, _, _ = figures("Dim", "Cycle", "Metric", "Team")
    # then
    assert participation["layout"]["title"]["text"] == "Response rate"
    assert participation["layout"]["yaxis"]["title"]["text"] == "%"
    assert trend["data"][0]["line"]["color"] == charts.COLOURS[0]
    assert trend["data"][0]["hovertemplate"].endswith("<extra>%{fullData.name}</extra>")
