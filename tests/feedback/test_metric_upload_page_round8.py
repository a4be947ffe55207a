"""The metric upload page with the attack's files (issue 20, attack round 8): Excel-shortened numbers are refused on
their lines in the preview and nothing is saved; the page's help names a real path of the organisation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.models import MetricValue
from surveys.models import Person
from tests.factories import TeamFactory, manager_of

pytestmark = pytest.mark.django_db

# /tmp/attack08/csv/excel_sci.csv: what Excel's General format and its Scientific format saved.
EXCEL_SCI = (
    "metric,team,period_start,period_end,value\n"
    'revenue,Acme/Engineering/Platform,2026-07-01,2026-07-01,"1.23457E+11"\n'
    'revenue,Acme/Engineering/Platform,2026-07-02,2026-07-02,"1,23457E+11"\n'
    'revenue,Acme/Engineering/Platform,2026-07-05,2026-07-05,"1.23457E+15"\n'
    'revenue,Acme/Engineering/Platform,2026-07-06,2026-07-06,"1.5E+03"\n'
    'revenue,Acme/Engineering/Platform,2026-07-09,2026-07-09,"1.23457E-05"\n'
)


@pytest.fixture
def alice(client):
    """Alice is an admin of Acme, which has Engineering/Platform."""
    acme = TeamFactory(name="Acme")
    TeamFactory(name="Platform", parent=TeamFactory(name="Engineering", parent=acme))
    user, _ = manager_of(acme, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user


def test_the_preview_refuses_each_shortened_number_on_its_line_and_saves_nothing(client, alice):
    upload = SimpleUploadedFile("revenue.csv", EXCEL_SCI.encode())
    response = client.post(reverse("feedback:manage_metrics_upload"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 400 and 'name="confirm"' not in page
    for cell in ("1.23457E+11", "1,23457E+11", "1.23457E+15"):
        assert f"Excel shortened this number to 6 significant digits ({cell}); format the column as Number" in page
    assert "1.5E+03" not in page.split("problems")[1].split("Each line as read")[0]  # read: 1500
    assert not MetricValue.objects.exists()


def test_the_upload_page_names_a_real_path_of_the_organisation(client, alice):
    page = client.get(reverse("feedback:manage_metrics_upload")).content.decode()
    assert "team as a path from the top-level team, such as Acme/Engineering/Platform" in page
    assert "a path from the top-level team, such as Acme/Engineering/Platform; empty for the whole organisation" in page
