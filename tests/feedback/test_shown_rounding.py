"""Issue (attack 09, #2): the summary tile and heatmap cell read 3.13 where the trends table, trends CSV and
heatmap CSV read 3.12, for a mean of 3.125. Every figure is rounded by one rule (`feedback.numbers`)."""

from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback import numbers, tables
from feedback.models import GroupScore
from surveys.csv_table import safe_cell
from surveys.models import Person
from surveys.scales import Scale
from tests.downloads import csv_rows
from tests.factories import manager_of, organisation_with_aggregates

URL = reverse("feedback:dashboard")


@dataclass
class Point:  # a participation point, as `tables.participation_table` reads one
    answered: int
    invited: int
    shown: bool = True
    cycle: object = field(default_factory=lambda: SimpleNamespace(name="Pulse 1"))

    @property
    def rate(self) -> float:
        return self.answered / self.invited


# Scores, changes, intervals and rates: zero, or at least a millionth from it (Django's floatformat prints a
# figure under about 1e-200 as it came, "2.5e-222").
figures = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda v: v == 0 or abs(v) >= 1e-6)


@settings(max_examples=2000)
@given(value=figures, digits=st.integers(0, 4))
def test_for_any_figure_the_pages_text_and_the_csvs_text_agree(value, digits):
    page = floatformat(value, digits)  # what the pages print
    written = safe_cell(tables._r(value, digits))  # what the data tables and CSVs write
    assert float(written) == float(page)
    assert numbers.text(value, digits) == page


@settings(max_examples=1000)
@given(count=st.integers(0, 500), extra=st.integers(0, 500))
def test_a_percentage_reads_the_same_on_the_page_in_a_sentence_and_in_a_csv(count, extra):
    total = count + extra
    if total == 0:
        return
    page = Template("{% load figures %}{{ a|share_of:b }}").render(Context({"a": count, "b": total}))
    assert page == str(numbers.percent(count / total))
    written = safe_cell(tables.participation_table([Point(count, total)]).rows[0][3])
    assert float(written) == float(numbers.rounded(Decimal(repr(count / total)) * 100, 1))


def test_the_named_example_3_125_reads_3_13_everywhere():
    assert numbers.text(3.125) == "3.13" and tables._r(3.125) == 3.13 and numbers.percent(0.285) == 29
    assert numbers.text(-3.125) == "-3.13" and numbers.text(-0.001) == "0.00" and tables._r(-0.001) == 0.0


@pytest.mark.django_db
def test_the_summary_tile_the_heatmap_and_the_trends_table_and_csvs_all_read_3_13(client):
    # given: Acme's latest score of a dimension is 3.125 (Platform's Structure & clarity in the demo)
    acme = organisation_with_aggregates(departments=1, teams_per_department=2, cycles=2)
    score = GroupScore.objects.filter(team=acme, shown=True).order_by("-cycle__opens_at").first()
    GroupScore.objects.filter(id=score.id).update(mean=3.125)
    admin, _ = manager_of(acme, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    # when
    page = client.get(URL, {"root": acme.id}).content.decode()
    trends = list(csv_rows(client.get(URL, {"root": acme.id, "export": "trends"})))
    heatmap = list(csv_rows(client.get(URL, {"root": acme.id, "export": "heatmap"})))
    # then
    name = score.dimension.name
    tile = page.split('class="score-name">' + name)[1].split("</li>")[0]
    assert "3.13" in tile
    assert ">3.13" in page.split(">Acme</a></th>")[1].split("</tr>")[0]  # the heatmap cell
    assert f'<th scope="row">{name}</th><td>{score.cycle.name}</td><td>3.13</td>' in page  # the trends data table
    assert [row[2] for row in trends if row[:2] == [name, score.cycle.name]] == ["3.13"]
    assert dict(zip(heatmap[0], heatmap[1], strict=True))[f"{name} (scale points, 1–5)"] == "3.13"


def test_a_trend_charts_hover_reads_the_figure_as_the_table_does():
    from datetime import UTC, datetime

    from feedback import charts
    from feedback.selectors.dashboard import Trend, TrendPoint
    from surveys.models import Cycle, Dimension

    cycle = Cycle(name="Pulse 12 Aug 2026", closes_at=datetime(2026, 8, 12, tzinfo=UTC))
    point = TrendPoint(cycle=cycle, shown=True, n=12, value=1.005, interval=(0.9, 1.1))
    figure = charts.trend_figure(
        [Trend(dimension=Dimension(name="Structure & clarity"), points=[point])],
        enps=False,
        scales={None: Scale("likert", 5)},
    )
    assert (
        figure["data"][0]["text"] == ["1.01"]
        and tables.trend_table([Trend(Dimension(name="S"), [point])]).rows[0][2] == 1.01
    )
    assert "%{text}" in figure["data"][0]["hovertemplate"] and "%{y:" not in figure["data"][0]["hovertemplate"]
