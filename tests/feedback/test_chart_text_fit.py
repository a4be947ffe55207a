"""Attack finding M5: chart text longer than its space was cut at the chart's edge ("mer churn rate (vs the team's
own av"). Text of a fixed space is broken between words and, where it still does not fit, shortened with an
ellipsis; the full text stays in the chart's hover and data table."""

import html

from hypothesis import given
from hypothesis import strategies as st

from feedback import charts
from feedback.models import Finding, MetricDefinition
from feedback.selectors.dashboard import FindingView, ScatterPoint
from surveys.models import Dimension

words = st.lists(st.text(min_size=1, max_size=30).filter(lambda w: w.split() == [w]), min_size=1, max_size=12)


@given(words=words, width=st.integers(min_value=8, max_value=40), lines=st.integers(min_value=1, max_value=3))
def test_fitted_text_has_at_most_its_lines_each_within_its_width_and_loses_nothing_it_does_not_say(words, width, lines):
    text = " ".join(words)
    rows = [
        html.unescape(row).replace("&#123;", "{") for row in charts.fitted(text, width=width, lines=lines).split("<br>")
    ]
    assert 1 <= len(rows) <= lines
    assert all(len(row) <= width for row in rows)
    if rows[-1].endswith("…") and not text.endswith("…"):
        kept = " ".join(rows)[:-1].rstrip()
        assert text.replace(" ", "").startswith(kept.replace(" ", ""))  # the start of the text, in order
    else:
        assert " ".join(rows).replace(" ", "") == text.replace(" ", "")  # all of it


def test_the_attacks_scatter_titles_are_wrapped_and_the_hover_names_both_axes_in_full():
    finding = Finding(
        dimension=Dimension(name="Business clarity"), metric=MetricDefinition(name="Customer churn rate"), lag=1
    )
    figure = charts.finding_figure(FindingView(finding=finding, points=[ScatterPoint("Risk", "Pulse 1", 0.1, -0.2)]))
    layout = figure["layout"]
    assert layout["yaxis"]["title"]["text"] == "Customer churn rate<br>(vs the team's own<br>average)"
    assert layout["xaxis"]["title"]["text"] == "Business clarity (vs the<br>team's own average)"
    assert "<br>" in layout["title"]["text"] and layout["margin"]["t"] > charts.LAYOUT["margin"]["t"]
    trace = figure["data"][0]
    assert trace["meta"] == [
        "Business clarity (vs the team's own average)",
        "Customer churn rate (vs the team's own average)",
    ]
    assert "%{meta[0]}: %{x:+.2f}" in trace["hovertemplate"] and "%{meta[1]}: %{y:+.3g}" in trace["hovertemplate"]


def test_a_name_with_markup_stays_literal_in_the_scatters_titles_and_hover():
    finding = Finding(dimension=Dimension(name="<b>Bold</b> {x}"), metric=MetricDefinition(name="A & B"), lag=0)
    figure = charts.finding_figure(FindingView(finding=finding, points=[ScatterPoint("T", "C", 0.1, 0.2)]))
    texts = [
        figure["layout"]["title"]["text"],
        figure["layout"]["xaxis"]["title"]["text"],
        *figure["data"][0]["meta"],  # the hover's full axis names
    ]
    assert all("<b>" not in text and "{x}" not in text for text in texts)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in texts[2] and "A &amp; B" in texts[3]
