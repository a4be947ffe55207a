"""Plotly figures (plain dicts) for the report pages, drawn in the browser by the plotly.js bundle served locally.

Pure: report data in, figure dicts out. Every chart also has a data table on its page with the same numbers.

plotly.js reads the text it draws (titles, tick labels, legend and hover text) as its own HTML subset, where
`<a href>` is a live link and `<br>` a line break, and fills `%{…}` templates. Names come from users, so every
figure leaves through `_literal_figure`: each string is escaped, and plotly's entity decoding shows it back as
the characters typed. Only hover templates stay as written: they are Align's own markup, and user text reaches
them through placeholders (`%{x}`, `%{customdata}`), whose values plotly does not read as templates again.
"""

import functools
import html
from collections.abc import Callable

from surveys import cadence

from . import numbers

# Series colours: five of Okabe & Ito's colour-blind-safe set, each at least 3:1 against the white page (WCAG
# 1.4.11) and apart from the others under simulated protanopia, deuteranopia and tritanopia (tests/
# test_visual_system.py). Colour is never a series' only mark: each also has its own marker shape and dash
# (`series_style`), so a sixth series, a grey-scale print or a reader who sees no colour still tells them apart.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "triangle-down", "star", "cross", "pentagon", "hourglass"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
LAYOUT = {
    "margin": {"l": 56, "r": 16, "t": 40, "b": 8},
    "height": 360,
    "font": {"family": "system-ui, sans-serif", "size": 13, "color": "#1b1b1b"},
    # Below the plot on the page's edge, never over the tick labels: the margins grow to hold both.
    "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
    "hovermode": "closest",
}
# Axes make room for their tick labels and titles (rotated cycle names on a phone), so none is cut off.
AXIS = {"automargin": True}
AXIS_TITLE_LENGTH = 24  # characters of a timeline panel's axis title that fit its 220 px at 11 px
# Characters a line of a scatter's text holds on a 375 px phone, where its chart is about 300 px wide and 300 px
# tall: the title at 15 px, the x-axis title at 13 px across the plot, the y-axis title at 13 px up its side.
TITLE_LINE, X_TITLE_LINE, Y_TITLE_LINE = 26, 24, 20


class HoverTemplate(str):
    """A hover template written here: plotly markup kept as written. Text joined to it is a plain str again."""


def _literal(text: str) -> str:
    """Return text that plotly shows as typed: no tags or entities of its HTML subset, no `%{…}` template."""
    # plotly decodes &amp; &lt; &gt; and numeric entities, not &quot; (quotes only matter inside a tag). "{" as an
    # entity keeps a name's "%{…}" from becoming a template should a figure get `meta`: plotly then fills
    # templates in titles, legend names and annotations too.
    return html.escape(text, quote=False).replace("{", "&#123;")


class _Literal(str):
    """Text already made literal (`_literal`), kept as it is: a scatter's 13,000 point labels at 500 teams are
    made from a few hundred names, each escaped once."""


# What `_escaped` passes as it is without a closer look: a scatter's lists hold tens of thousands of these.
_KEPT = frozenset({int, float, bool, type(None), HoverTemplate, _Literal})


def _escaped(value):
    if isinstance(value, HoverTemplate | _Literal):
        return value
    if isinstance(value, str):
        return _literal(value)
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [item if type(item) in _KEPT else _escaped(item) for item in value]
    return value


def _literal_figure(build: Callable[..., dict]) -> Callable[..., dict]:
    """Escape every string of the figure that `build` returns, except its hover templates.

    Colours, trace types and other settings hold none of the escaped characters, so they pass unchanged.
    """

    @functools.wraps(build)
    def built(*args, **kwargs) -> dict:
        return _escaped(build(*args, **kwargs))

    return built


def series_style(number: int) -> dict:
    """Return the line and marker settings of a figure's series `number` (0-based): colour, dash and marker shape.

    Shape and dash advance together, so the first len(SYMBOLS) series of a figure differ in shape whatever their
    colours; after that the shapes repeat with another dash.
    """
    colour, symbol = COLOURS[number % len(COLOURS)], SYMBOLS[number % len(SYMBOLS)]
    dash = DASHES[(number + number // len(SYMBOLS)) % len(DASHES)]
    return {"line": {"color": colour, "dash": dash}, "marker": {"color": colour, "symbol": symbol, "size": 8}}


def fitted(text: str, *, width: int, lines: int) -> _Literal:
    """Return text broken between words into at most `lines` lines of at most `width` characters (plotly's
    `<br>`), the last shortened with an ellipsis where the rest does not fit; made literal (`_literal`).

    For chart text whose space is fixed (a title, an axis title): plotly draws text as one line and cuts it at
    the chart's edge. The full text stays where the chart's numbers are (its data table, its hover text).
    """
    rows: list[str] = []
    for word in text.split():
        while len(word) > width:  # a word longer than a line (a long name without spaces): cut across lines
            if rows and len(rows[-1]) + 1 < width:
                room = width - len(rows[-1]) - 1
                rows[-1], word = f"{rows[-1]} {word[:room]}", word[room:]
            else:
                rows.append(word[:width])
                word = word[width:]
        if rows and len(rows[-1]) + 1 + len(word) <= width:
            rows[-1] += " " + word
        elif word:
            rows.append(word)
    if len(rows) > lines:
        last = " ".join(rows[lines - 1 :])
        rows = [*rows[: lines - 1], last[: width - 1].rstrip() + "…"]
    return _Literal("<br>".join(_literal(row) for row in rows))


def _layout(title: str, **extra) -> dict:
    axes = {key: AXIS | extra.pop(key, {}) for key in ("xaxis", "yaxis")}
    return LAYOUT | {"title": {"text": title, "font": {"size": 15}}} | axes | extra


def score_axis(trends, scales: dict) -> dict:
    """Return the y axis of agreement scores drawn together: from 1 to the largest of their dimensions' scales
    (`scales`: dimension id → `surveys.scales.Scale`, from `surveys.selectors.dimension_scales`), so a 7-point
    dimension is never cut at 5, and a title naming the scales when they differ."""
    points = sorted({scales[trend.dimension.id].points for trend in trends})
    title = "Score" if len(points) <= 1 else "Score (" + " and ".join(f"1–{p}" for p in points) + " scales)"
    return {"range": [1, max(points, default=5)], "title": {"text": title}}


@_literal_figure
def trend_figure(trends, *, enps: bool, scales: dict) -> dict:
    """Return each dimension's score over cycles with its 95% interval (eNPS on its own chart, no interval);
    agreement scores on the whole of their scales (`score_axis`)."""
    data = []
    for number, trend in enumerate(t for t in trends if t.enps == enps):
        shown = [p for p in trend.points if p.shown]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": trend.dimension.name,
                "x": [p.cycle.name for p in shown],
                "y": [round(p.value, 3) for p in shown],
                "customdata": [p.n for p in shown],
                # The figure as the data table shows it (`feedback.numbers`): plotly's own %{y:.2f} rounds the
                # binary value, and 1.005 would read 1.00 in the hover beside 1.01 in the table.
                "text": [numbers.text(p.value, 0 if enps else 2) for p in shown],
                "hovertemplate": HoverTemplate("%{x}: %{text} (n = %{customdata})<extra>%{fullData.name}</extra>"),
                **series_style(number),
                **(
                    {}
                    if enps
                    else {
                        "error_y": {
                            "type": "data",
                            "symmetric": False,
                            "array": [round(p.interval[1] - p.value, 3) if p.interval else 0 for p in shown],
                            "arrayminus": [round(p.value - p.interval[0], 3) if p.interval else 0 for p in shown],
                        }
                    }
                ),
            }
        )
    drawn = [t for t in trends if t.enps == enps]
    axis = {"range": [-100, 100], "title": {"text": "eNPS"}} if enps else score_axis(drawn, scales)
    title = "eNPS over cycles" if enps else "Scores over cycles, with 95% intervals"
    # Cycles in time order whichever trace names them first: a rotating template leaves a dimension out of some
    # cycles, and plotly would otherwise order the categories as the first trace that has each one.
    closing = {p.cycle.name: p.cycle.closes_at for t in trends for p in t.points if p.shown}
    xaxis = {"type": "category", "categoryorder": "array", "categoryarray": sorted(closing, key=closing.get)}
    return {"data": data, "layout": _layout(title, yaxis=axis, xaxis=xaxis)}


@_literal_figure
def participation_figure(points) -> dict:
    """Return the response rate over cycles (cycles hidden by disclosure control are left out)."""
    shown = [p for p in points if p.shown]
    return {
        "data": [
            {
                "type": "bar",
                "name": "Response rate",
                "x": [p.cycle.name for p in shown],
                "y": [numbers.percent(p.rate, 1) for p in shown],
                "customdata": [[p.answered, p.invited] for p in shown],
                "hovertemplate": HoverTemplate("%{x}: %{y}% (%{customdata[0]} of %{customdata[1]})<extra></extra>"),
                "marker": {"color": COLOURS[0]},
            }
        ],
        "layout": _layout(
            "Response rate", yaxis={"range": [0, 100], "title": {"text": "%"}}, xaxis={"type": "category"}
        ),
    }


@_literal_figure
def finding_figure(view) -> dict:
    """Return a finding's scatter: each team-cycle's score and metric, both against the team's own average."""
    finding = view.finding
    names = {name: _literal(name) for name in {p.team for p in view.points} | {p.cycle for p in view.points}}
    title = f"{finding.dimension.name} and {finding.metric.name}" + (" a cycle later" if finding.lag else "")
    x_title = f"{finding.dimension.name} (vs the team's own average)"
    y_title = f"{finding.metric.name} (vs the team's own average)"
    # The hover says both axes in full, whatever their titles had to leave out to fit: the names reach the
    # template through `meta`, as values plotly does not read as templates again.
    hover = "%{text}<br>%{meta[0]}: %{x:+.2f}<br>%{meta[1]}: %{y:+.3g}<extra></extra>"
    title_text = fitted(title, width=TITLE_LINE, lines=2)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": [round(p.score, 3) for p in view.points],
                "y": [round(p.metric, 4) for p in view.points],
                "text": [_Literal(f"{names[p.team]}, {names[p.cycle]}") for p in view.points],
                "meta": [x_title, y_title],
                "hovertemplate": HoverTemplate(hover),
                "marker": {"color": COLOURS[0], "opacity": 0.6, "size": 7},
            }
        ],
        "layout": _layout(
            title_text,
            xaxis={"title": {"text": fitted(x_title, width=X_TITLE_LINE, lines=2)}, "zeroline": True},
            yaxis={"title": {"text": fitted(y_title, width=Y_TITLE_LINE, lines=3)}, "zeroline": True},
            height=300 + (20 if "<br>" in title_text else 0),
            # A title of two lines needs the room of two above the plot.
            margin=LAYOUT["margin"] | {"t": 60 if "<br>" in title_text else 40},
        ),
    }


@_literal_figure
def timeline_figure(trends, metrics, *, scales: dict) -> dict:
    """Return survey scores (when given) and every metric on one time axis, one stacked panel each.

    With neither (a group nobody in a reported cycle was invited from, and no metrics), an empty figure whose
    title says so: the panels' heights divide the plot by their number.
    """
    scores = [t for t in trends if not t.enps]
    panels = (1 if scores else 0) + len(metrics)
    if not panels:
        return {"data": [], "layout": _layout("No survey scores or metrics yet")}
    gap = 0.04
    height = (1 - gap * (panels - 1)) / panels
    title = "Survey scores and metrics over time" if scores else "Metrics over time"
    # One series a line, in smaller type: a metric's name with its period ("…, per week, so far") is wider
    # than a phone's chart in a row of them.
    legend = LAYOUT["legend"] | {"orientation": "v", "font": {"size": 11}}
    layout = _layout(title, height=220 * panels, showlegend=True, legend=legend)
    data = []
    for number, trend in enumerate(scores):
        shown = [p for p in trend.points if p.shown]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": trend.dimension.name,
                "x": [cadence.local_date(p.cycle.closes_at, p.cycle.time_zone).isoformat() for p in shown],
                "y": [round(p.value, 3) for p in shown],
                **series_style(number),
                "yaxis": "y",
            }
        )
    top = 1.0 + height + gap
    if scores:
        top -= height + gap
        layout["yaxis"] = {"domain": [top - height, top], **score_axis(scores, scales)}
    first = 2 if scores else 1
    for number, series in enumerate(metrics, start=first):
        top -= height + gap
        # Series are numbered on from the scores' so that no two lines of the figure look alike.
        style, axis = series_style(len(scores) + number - first), f"y{number}" if number > 1 else "y"
        for ended in (True, False):
            points = [p for p in series.points if p.ended == ended]
            if not points:
                continue
            # A period still running (DORA's current week) is its own hollow marker, off the line: its value
            # so far would read as a drop at the line's end.
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines" if ended else "markers",
                    "name": f"{series.metric.name}, per {series.period}" + ("" if ended else ", so far"),
                    "x": [p.start.isoformat() for p in points],
                    "y": [round(p.value, 4) for p in points],
                    "yaxis": axis,
                }
                | (
                    {"line": style["line"]}
                    if ended
                    else {"marker": {"color": style["line"]["color"], "symbol": "circle-open"}}
                )
            )
        # The panel's axis says the unit, the legend names the series in full: a metric's full name runs longer
        # than a 220 px panel on a phone, and plotly would cut it off at the panel's ends.
        title = series.metric.unit or series.metric.name
        title = title if len(title) <= AXIS_TITLE_LENGTH else title[: AXIS_TITLE_LENGTH - 1] + "…"
        axis_title = {"text": title, "font": {"size": 11}}
        layout[f"yaxis{number}" if number > 1 else "yaxis"] = AXIS | {
            "domain": [max(0, top - height), top],
            "title": axis_title,
        }
    layout["xaxis"] = AXIS | {"type": "date", "anchor": f"y{panels}" if panels > 1 else "y"}
    return {"data": data, "layout": layout}
