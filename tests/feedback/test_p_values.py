"""p- and q-values on every page and CSV: never 0, and the page and its CSV say the same.

A permutation p is at least 1 / (1 + permutations) and an analytic one only underflows to 0, so rounding one to
0 shows a wrong number: below what four decimals show, every output says "<0.0001" (in prose, "< 0.0001").
"""

import csv
import html
import io
import re

import numpy as np
import pytest
from django.template import Context, Template
from django.urls import reverse

from feedback.correlation import RmCorr, describe
from feedback.models import Finding, MetricDefinition
from feedback.services.digest import digest_text
from feedback.tables import p_text
from surveys.models import Dimension, Person
from tests.factories import manager_of, organisation_with_aggregates

# Below, at and above the floor; halves that round up; 1; and a spread of magnitudes.
VALUES = [0.0, 3e-300, 1e-9, 4.3e-5, 9.9999e-5, 0.0001, 0.00015, 0.00025, 0.012345, 0.04999, 0.05, 0.99995, 1.0]
VALUES += list(np.logspace(-6, 0, 200)) + list(np.random.default_rng(7).uniform(0, 1, 300))


def page_text(value: float) -> str:
    """Return what the dashboard's and digest's prose shows for q, as their templates write it."""
    template = Template("{% if q < 0.0001 %}< 0.0001{% else %}{{ q|floatformat:4 }}{% endif %}")
    return template.render(Context({"q": value}, autoescape=False))


@pytest.mark.parametrize("value", VALUES)
def test_a_p_value_is_never_shown_as_zero_and_reads_the_same_in_prose_and_in_a_csv(value):
    text = p_text(value)
    assert text == "<0.0001" if value < 0.0001 else float(text) > 0 and abs(float(text) - value) <= 0.00005 + 1e-12
    assert page_text(value) == text.replace("<", "< ")


def test_a_missing_p_value_is_an_empty_cell():
    assert p_text(None) is None and p_text(float("nan")) is None


def _sentence(metric: str, *, r: float, q: float, lag, n_teams, n_points, ci_low, ci_high, direction) -> str:
    """The finding's sentence as the analysis writes it (`correlation.describe`): it carries r, its interval and q."""
    result = RmCorr(r=r, dof=n_points - n_teams - 1, p_parametric=q, ci_low=ci_low, ci_high=ci_high,
                    n_teams=n_teams, n_points=n_points)  # fmt: skip
    return describe(dimension="dependability", metric=metric, lower_is_better=False, lag=lag, result=result, q=q)[1]


@pytest.mark.django_db
def test_the_findings_csv_dashboard_and_digest_show_a_tiny_q_as_below_four_decimals(client):
    # given: a finding whose p and q are below four decimals (as a re-tested permutation p can be), one above
    root = organisation_with_aggregates(departments=1, teams_per_department=2, cycles=1)
    dimension = Dimension.objects.get(key="dependability")
    common = {"lag": 0, "n_teams": 12, "n_points": 60, "ci_low": 0.3, "ci_high": 0.7, "direction": "better"}
    strong = Finding.objects.create(
        dimension=dimension,
        metric=MetricDefinition.objects.create(key="velocity", name="Velocity"),
        r=0.5,
        p=4.3e-5,
        q=2.1e-5,
        significant=True,
        sentence=_sentence("velocity", r=0.5, q=2.1e-5, **common),
        **common,
    )
    Finding.objects.create(
        dimension=dimension,
        metric=MetricDefinition.objects.create(key="morale", name="Morale"),
        r=0.2,
        p=0.012345,
        q=0.04567,
        significant=True,
        sentence=_sentence("morale", r=0.2, q=0.04567, **common),
        **common,
    )
    admin, _ = manager_of(root, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    # when
    page = html.unescape(client.get(reverse("feedback:dashboard")).content.decode())
    exported = client.get(reverse("feedback:dashboard"), {"export": "findings"}).content.decode()
    digest = digest_text(user=admin)
    # then: the CSV carries "<0.0001" or four decimals, never 0; the page's prose and the digest say the same
    rows = list(csv.reader(io.StringIO(exported)))
    p, q = rows[0].index("p"), rows[0].index("q (BH)")
    by_metric = {row[1]: (row[p], row[q]) for row in rows[1:]}
    assert by_metric == {"Velocity": ("<0.0001", "<0.0001"), "Morale": ("0.0123", "0.0457")}
    for text in (page, digest):
        assert "q < 0.0001" in text and "q = 0.0457" in text
        assert not re.search(r"\b[pq] = 0(\.0*)?\b(?![.\d])", text)
    # the page's data table is the CSV's rows
    table = page.split("Associations of survey dimensions with metrics (not causes)</caption>", 1)[1]
    assert "<td><0.0001</td>" in table.split(strong.sentence, 1)[0].rsplit("<tr>", 1)[1]
