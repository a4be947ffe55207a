"""Every CSV Align hands out opens in Excel as written: UTF-8 with a byte-order mark (round 8 of issue #20 found
the report and comment downloads without one, so Excel showed "Â·" for "·" and garbled every comment beyond
ASCII). One function makes every CSV response (alignsite.downloads.csv_attachment); this checks the code has no
other, and that each download of the dashboard, the team report and the people export carries the mark.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from feedback.forms import EXPORTABLE, TEAM_REPORT_EXPORTS
from surveys.models import Person, Team
from tests.downloads import csv_rows
from tests.factories import manager_of, organisation_with_aggregates

ROOT = Path(__file__).resolve().parents[1]


def test_no_code_but_csv_attachment_makes_a_csv_response():
    makers = [
        str(path.relative_to(ROOT))
        for app in ("alignsite", "surveys", "feedback", "conversations")
        for path in (ROOT / app).rglob("*.py")
        if re.search(r"text/csv", path.read_text()) and "migrations" not in path.parts
    ]
    assert makers == ["alignsite/downloads.py"]


@pytest.mark.django_db
def test_every_report_and_people_download_starts_with_a_byte_order_mark(client):
    root = organisation_with_aggregates(departments=1, teams_per_department=2, cycles=2, name="Zoë's Café · Ωmega")
    ada, _ = manager_of(root, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(ada)
    team = Team.objects.get(name="Team 0.0")
    downloads = [client.get(reverse("feedback:dashboard"), {"export": name}) for name in EXPORTABLE]
    downloads += [
        client.get(reverse("feedback:team_report", args=[team.id]), {"export": name})
        for name in TEAM_REPORT_EXPORTS
        if name != "pdf"
    ]
    downloads.append(client.get(reverse("surveys:manage_people_export")))
    assert len(downloads) == len(EXPORTABLE) + len(TEAM_REPORT_EXPORTS)  # the team report's PDF left out, people in
    for download in downloads:
        rows = csv_rows(download)
        assert rows and not rows[0][0].startswith("\ufeff")
    heatmap = csv_rows(downloads[EXPORTABLE.index("heatmap")])
    assert heatmap[1][0] == "Zoë's Café · Ωmega"
