"""Reports printed to PDF by Debian's Chromium, charts drawn, suppression kept."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from feedback.models import ReportAccess
from feedback.services import scores_aggregate
from surveys.models import Person
from tests.conftest import IN_CI
from tests.factories import TeamFactory, manager_of, organisation_with_aggregates

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    if not Path(settings.ALIGN_CHROMIUM_PATH).exists():
        message = "Debian's chromium is not installed (apt-get install chromium)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    root = organisation_with_aggregates(departments=2, teams_per_department=3, cycles=3)
    user, _ = manager_of(root, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return client


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_dashboard_prints_with_its_charts_and_suppressed_cells_marked(admin_client):
    text = pdf_text(admin_client.get(reverse("feedback:dashboard"), {"export": "pdf"}))
    assert "Heatmap" in text and "Team 0.0" in text and "suppressed" in text
    assert "Scores over cycles, with 95% intervals" in text  # a chart's title, drawn by plotly.js
    assert "Download" not in text  # links and filters are left off the printout
    assert ReportAccess.objects.filter(report="dashboard", format="pdf").count() == 1


def test_a_team_report_prints_with_its_answer_distributions(admin_client, run_closed_cycle):
    team = TeamFactory(name="Platform")
    cycle = run_closed_cycle([(team, [{"comment": "More pairing, please"}] * 6)])
    scores_aggregate(cycle_id=cycle.id)
    text = pdf_text(admin_client.get(reverse("feedback:team_report", args=[team.id]), {"export": "pdf"}))
    assert "Platform" in text and cycle.name in text and "More pairing, please" in text
    assert "Answers per question" in text and "% favourable" in text  # each question's bar and its shares


def test_without_chromium_the_pdf_is_a_clear_503(client, settings):
    settings.ALIGN_CHROMIUM_PATH = "/nonexistent/chromium"
    root = organisation_with_aggregates(departments=1, teams_per_department=2, cycles=1)
    user, _ = manager_of(root, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    response = client.get(reverse("feedback:dashboard"), {"export": "pdf"})
    assert response.status_code == 503 and "needs Chromium" in response.content.decode()
