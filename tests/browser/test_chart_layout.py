"""Issue 22, charts: on the demo's dashboard and a team report, at 375 and 1280 px, no chart's title, tick label
or legend is cut off by its chart's edge, the legend never lies over the tick labels, and every chart of more
than one series has a legend."""

from io import StringIO

import pytest
from django.core.management import call_command

from feedback.models import Finding
from surveys.models import Team
from tests.browser.test_leader_summary import leader_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each drawn chart: its box, and the boxes of its title, tick labels and legend, and its number of series.
MEASURE = """() => [...document.querySelectorAll('.chart .main-svg:first-of-type')].map(svg => {
  const chart = svg.closest('.chart'), box = chart.getBoundingClientRect();
  const boxes = selector => [...chart.querySelectorAll(selector)]
    .map(e => [e, e.getBoundingClientRect()]).filter(([, b]) => b.width > 0)
    .map(([e, b]) => ({left: b.left, right: b.right, top: b.top, bottom: b.bottom, text: e.textContent}));
  return {
    id: chart.dataset.figure,
    box: {left: box.left, right: box.right, top: box.top, bottom: box.bottom},
    texts: boxes('.gtitle, .xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .legendtext'),
    ticks: boxes('.xtick text'),
    legend: boxes('.legend .bg'),
    series: (chart.data || []).filter(trace => trace.showlegend !== false).length,
  };
})"""


def inside(inner, outer, slack=1.5):
    return (
        inner["left"] >= outer["left"] - slack
        and inner["right"] <= outer["right"] + slack
        and inner["top"] >= outer["top"] - slack
        and inner["bottom"] <= outer["bottom"] + slack
    )


def overlap(a, b):
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO(), teams=12, people=110, cycles=6, seed=3)


@pytest.mark.parametrize("width", [375, 1280])
def test_no_chart_text_is_cut_off_or_covered_and_every_chart_of_several_series_has_a_legend(
    chromium, live_server, demo, width
):
    context, page = leader_dashboard(chromium, live_server, width=width, height=800)
    team = Team.objects.filter(parent__parent__isnull=False).order_by("id").first()
    problems, charts = [], 0
    for url in (f"{live_server.url}/reports/dashboard/", f"{live_server.url}/reports/teams/{team.id}/"):
        page.goto(url)
        page.wait_for_function("() => document.body.dataset.charts === 'drawn'")
        for chart in page.evaluate(MEASURE):
            charts += 1
            cut = [text for text in chart["texts"] if not inside(text, chart["box"])]
            if cut:
                problems.append(f"{url} {chart['id']}: cut off {cut[:2]} of {chart['box']}")
            if chart["legend"] and any(overlap(chart["legend"][0], tick) for tick in chart["ticks"]):
                problems.append(f"{url} {chart['id']}: the legend covers tick labels")
            if chart["series"] > 1 and not chart["legend"]:
                problems.append(f"{url} {chart['id']}: {chart['series']} series and no legend")
    context.close()
    assert charts >= 4
    assert problems == []


@pytest.mark.parametrize("width", [375, 1280])
def test_the_findings_scatter_titles_fit_their_chart_and_the_hover_names_both_axes_in_full(
    chromium, live_server, demo, width
):
    # given: the demo's associations of churn with the survey, significant, so each draws its scatter (the demo's
    # few teams may leave them short of the correction); their titles are the longest of any chart
    Finding.objects.filter(metric__key="churn-rate").update(significant=True)
    assert Finding.objects.filter(significant=True).count() >= 2
    context, page = leader_dashboard(chromium, live_server, width=width, height=800)
    # when
    page.goto(f"{live_server.url}/reports/dashboard/")
    page.wait_for_function("() => document.body.dataset.charts === 'drawn'")
    scatters = [chart for chart in page.evaluate(MEASURE) if chart["id"].startswith("figure-finding-")]
    hovers = page.evaluate(
        "() => [...document.querySelectorAll('.chart')].filter(c => c.dataset.figure.startsWith('figure-finding-'))"
        ".map(c => c.data[0].meta.join(' '))"
    )
    context.close()
    # then: no title, axis title or tick label of a scatter is cut at the chart's edge
    assert len(scatters) >= 2
    cut = [(c["id"], t, c["box"]) for c in scatters for t in c["texts"] if not inside(t, c["box"])]
    assert cut == []
    titles = [t["text"] for c in scatters for t in c["texts"]]
    assert any("Customer churn rate" in text or "churn" in text.lower() for text in titles)
    assert all("(vs the team's own average)" in hover and "churn" in hover.lower() for hover in hovers)
