"""The leader's summary at the top of the dashboard says only what the rest of the dashboard shows, with the
same numbers: each figure is read off the page and compared with the dashboard's CSV exports (which the
oracle in test_oracle.py recomputes from raw rows) or recomputed here from the raw answers.
"""

import html
import re
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from feedback.templatetags.sparklines import HEIGHT, WIDTH, sparkline_segments
from surveys.models import Answer, Cycle, Question, Response
from tests.downloads import csv_rows

pytestmark = pytest.mark.django_db


def summary_text(page: str) -> str:
    start = page.index('<section aria-labelledby="h-summary"')
    section = page[start : page.index("</section>", start)]
    section = re.sub(r"<svg.*?</svg>", " ", section, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", section)))


def half_up_percent(count: int, total: int) -> int:
    """Return count / total as a whole percentage, a half rounded up: every figure's rule (feedback.numbers)."""
    return int((Decimal(100 * count) / Decimal(total)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def export(client, name: str) -> list[dict]:
    header, *rows = csv_rows(client.get(reverse("feedback:dashboard"), {"export": name}))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def leader_view(client):
    call_command("seed_demo", stdout=StringIO(), teams=12, people=110, cycles=6, seed=3)
    client.force_login(get_user_model().objects.get(username="admin@example.com"))
    page = client.get(reverse("feedback:dashboard")).content.decode()
    return client, page, summary_text(page)


def test_the_summary_figures_are_the_dashboards_own_and_the_answers_counted_again(leader_view):
    client, _, text = leader_view
    # participation: the heatmap cycle's row
    heat = re.search(r"Summary: (.+?) In ", text).group(1)
    (row,) = [r for r in export(client, "participation") if r["Cycle"] == heat]
    assert f"{row['Answered']} of {row['Invited']} invited" in text
    assert f"{half_up_percent(int(row['Answered']), int(row['Invited']))}% answered" in text
    # each score this cycle asked: the heatmap's row for the whole group, value and n
    root = export(client, "heatmap")[0]
    asked = [key[: -len(" n")] for key, value in root.items() if key.endswith(" n") and value not in ("not asked", "")]
    assert asked
    for name in asked:
        column = next(key for key in root if key.startswith(f"{name} (") and "change" not in key)
        value = float(root[column])
        shown = f"{value:.0f} of −100 to 100" if "eNPS" in column else f"{value:.2f} of "
        assert re.search(rf"{re.escape(name)} {re.escape(shown)}\S* n = {root[name + ' n']}\b", text), name
    # the three largest movers, in order
    movers = export(client, "movers")[:3]
    listed = re.findall(r"(\S[^,]*?), ([^:,]+): (up|down) ([\d.]+) (points|eNPS points) n = (\d+)", text)
    assert [(m[0].split("  ")[-1].split()[-1], m[1]) for m in listed][: len(movers)] == [
        (r["Group"].split()[-1], r["Dimension"]) for r in movers
    ]
    for found, row in zip(listed, movers, strict=False):
        assert float(found[3]) == abs(float(row["Change"])) and found[5] == row["n"]
    # strengths and focus areas: the drivers table's choice
    chosen = {
        kind: [r["Dimension"] for r in export(client, "drivers") if r["Focus area"] == kind]
        for kind in ("Strength", "Focus")
    }
    for kind, names in chosen.items():
        if names:
            assert f"{'Strengths' if kind == 'Strength' else 'Focus'}: {', '.join(names)}" in text
    # each metric's last two periods ended by the close of the summary's cycle
    closed = Cycle.objects.get(name=heat).closes_at.date().isoformat()
    metrics = [
        r for r in export(client, "metrics") if r["Period ended"] == "yes" and r["Period end (inclusive)"] <= closed
    ]
    for name in {r["Metric"] for r in metrics}:
        latest, previous = [r for r in metrics if r["Metric"] == name][-2:][::-1]
        now, before = (f"{float(r['Value']):,.2f}".removesuffix(".00") for r in (latest, previous))
        assert re.search(rf"{re.escape(name)}: {re.escape(now)} [^;]*; was {re.escape(before)}\b", text), name
    # the eNPS groups, counted again from the answers; and no word of causes
    assert_enps_breakdown_is_the_answers_counted_again(text)
    assert_it_says_associated_never_causes(text)


def assert_enps_breakdown_is_the_answers_counted_again(text):
    heat = re.search(r"Summary: (.+?) In ", text).group(1)
    responses = Response.objects.filter(cycle__name=heat).values_list("id", flat=True)
    values = list(
        Answer.objects.filter(response_id__in=responses, question__kind=Question.Kind.ENPS).values_list(
            "value", flat=True
        )
    )
    promoters = sum(v >= 9 for v in values)
    passives = sum(7 <= v <= 8 for v in values)
    detractors = sum(v <= 6 for v in values)
    assert (
        f"{promoters} promoters ({half_up_percent(promoters, len(values))}%) · {passives} passives "
        f"({half_up_percent(passives, len(values))}%) · {detractors} detractors "
        f"({half_up_percent(detractors, len(values))}%) n = {len(values)}"
    ) in text


def assert_it_says_associated_never_causes(text):
    assert "cause" not in text.replace("not causes", "")


@given(
    st.lists(st.one_of(st.none(), st.floats(min_value=-150, max_value=150)), max_size=30),
    st.sampled_from(["enps", "5", "7"]),
)
def test_a_sparkline_stays_in_its_box_and_breaks_where_a_figure_is_hidden(values, scale):
    runs = sparkline_segments(values, scale)
    shown_runs = [run for run in "".join("x" if v is not None else " " for v in values).split(" ") if run]
    assert [len(run["dots"]) for run in runs] == [len(run) for run in shown_runs]
    for run in runs:
        assert all(0 <= x <= WIDTH and 0 <= y <= HEIGHT for x, y in run["dots"])


def test_a_sparkline_is_drawn_on_the_whole_scale():
    (run,) = sparkline_segments([3.0, 3.2], "5")
    assert run["dots"] == [(0.0, 12.0), (96.0, 10.8)]  # 3 of 1–5 is halfway up; 0.2 points is a twentieth
