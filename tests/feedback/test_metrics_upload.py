"""The metric upload's preview: every line as it will be stored, and every problem of every line in one upload. It
said only "add 2", and showed one kind of error per upload (the rules were checked only once every cell read)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.models import MetricDefinition, MetricValue
from surveys.models import Person
from tests.factories import TeamFactory, manager_of

pytestmark = pytest.mark.django_db

HEADER = "metric;team;period_start;period_end;value\r\n"
B = '<td class="breakable">'  # a cell of what the file said: it wraps a long unbroken value


@pytest.fixture
def alice(client):
    """Alice is an admin of Acme, whose team Data the issue's line names."""
    acme = TeamFactory(name="Acme")
    TeamFactory(name="Data", parent=acme)
    user, _ = manager_of(acme, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user


def upload(client, data: bytes):
    return client.post(reverse("feedback:manage_metrics_upload"), {"file": SimpleUploadedFile("m.csv", data)})


def confirm(client, page: str):
    token = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    return client.post(reverse("feedback:manage_metrics_upload"), {"confirm": token})


def test_the_issue_s_semicolon_file_previews_each_line_as_stored_and_saves_a_half(client, alice):
    text = HEADER + "churn-rate;Acme/Data;2026-10-01;2026-10-31;0,5\r\nrevenue;;2026-10-01;2026-10-31;1.250.000,75\r\n"
    preview = upload(client, ("\ufeff" + text).encode())
    page = preview.content.decode()
    assert preview.status_code == 200 and "add 2 and replace 0 values" in page
    assert f"<td>2</td>{B}churn-rate</td>{B}Acme/Data</td><td>2026-10-01 – 2026-10-31</td>{B}0.5</td>" in page
    assert f"<td>3</td>{B}revenue</td>{B}(whole organisation)</td>" in page and f"{B}1250000.75</td>" in page
    confirm(client, page)
    stored = dict(MetricValue.objects.values_list("metric__key", "value"))
    assert stored == {"churn-rate": 0.5, "revenue": 1_250_000.75}


def test_excel_unicode_text_is_read_and_a_windows_1252_file_refused(client, alice):
    text = "metric\tteam\tperiod_start\tperiod_end\tvalue\r\nnps\tAcme/Data\t2026-10-01\t2026-10-31\t−3,5\r\n"
    page = upload(client, text.encode("utf-16")).content.decode()
    assert '<td class="breakable">-3.5</td>' in page
    refused = upload(client, (HEADER + "nps;Acme/Data;2026-10-01;2026-10-31;3 €\r\n").encode("cp1252"))
    assert refused.status_code == 400 and "not UTF-8 text (line 2" in refused.content.decode()


def test_one_upload_shows_every_problem_of_every_line(client, alice):
    # given: a cell that does not read, an unknown team, an unknown metric with a bad date, a % on a score,
    # and a duplicate; before, the rule errors appeared only once every cell had been read
    text = HEADER + (
        "nps;Acme;2026-10-01;2026-10-31;1,250\r\n"
        "nps;Nowhere;2026-10-01;2026-10-31;5\r\n"
        "unknown;Acme;October;2026-10-31;5\r\n"
        "nps;Acme/Data;2026-10-01;2026-10-31;5%\r\n"
        "churn-rate;Acme;2026-10-01;2026-10-31;5 %\r\n"
        "churn-rate;acme;2026-10-01;2026-10-31;6\r\n"
    )
    response = upload(client, text.encode())
    page = response.content.decode()
    assert response.status_code == 400 and 'name="confirm"' not in page
    problems = dict(re.findall(r"<tr><td>(\d+)</td><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td></tr>", page))
    assert "could be 1.25 or 1250" in problems["2"]
    assert "There is no team “Nowhere”" in problems["3"]
    assert "Unknown metric “unknown”" in problems["4"] and "period_start “October” is not a date" in problems["4"]
    assert "“nps” is not measured in %" in problems["5"]
    assert problems["7"] == "Same metric, team and period as line 6."
    assert "6" not in problems  # churn-rate is measured in %: 5 % is 5
    assert not MetricValue.objects.exists()


def test_a_cell_that_does_not_read_is_reported_once_and_its_line_shown_unread(client, alice):
    page = upload(client, (HEADER + "nps;Acme;2026-10-01;2026-10-31;abc\r\n").encode()).content.decode()
    assert page.count("value “abc” is not a number.") == 1 and "The value is missing" not in page
    assert '<td class="breakable">? (not saved)</td>' in page


def test_an_upload_whose_metric_was_removed_before_confirming_saves_nothing(client, alice):
    page = upload(client, (HEADER + "nps;Acme/Data;2026-10-01;2026-10-31;7\r\n").encode()).content.decode()
    MetricDefinition.objects.filter(key="nps").delete()
    response = confirm(client, page)
    assert response.status_code == 302 and not MetricValue.objects.exists()


def test_the_people_import_preview_shows_each_line_as_read(client, alice):
    text = "Email;Name;Team;Role;Manager\r\nbo@example.com;Bo;Acme/Data;manager;yes\r\n"
    text += "alice@example.com;Alice;Acme;admin;yes\r\n"  # an import may not take the importer's own access
    response = client.post(
        reverse("surveys:manage_people_import"), {"file": SimpleUploadedFile("p.csv", text.encode("utf-16"))}
    )
    page = response.content.decode()
    assert response.status_code == 200
    kept = "<td><small>(not in the file: unchanged)</small></td>"  # the language: the file has no such column
    row = f"<td>2</td>{B}bo@example.com</td>{B}Bo</td>{B}Acme/Data</td>{B}manager</td><td>yes</td>{kept}<td>add</td>"
    assert row in page


def test_the_save_button_counts_its_values_in_the_right_number(client, alice):
    header = "metric,team,period_start,period_end,value\n"
    one = upload(client, (header + "nps,,2026-10-01,2026-10-31,5\n").encode()).content.decode()
    two = upload(client, (header + "nps,,2026-10-01,2026-10-31,5\nnps,,2026-11-01,2026-11-30,6\n").encode())
    assert "Save 1 value</button>" in one and "Save 2 values</button>" in two.content.decode()


def test_the_preview_shows_the_metric_and_team_each_line_matched_not_the_spelling_typed(client, alice):
    # (an outside tester's line: a team typed in capitals and full-width letters previewed as typed)
    page = upload(client, (HEADER + "CHURN-Rate;ACME/ｄａｔａ;2026-10-01;2026-10-31;0.5\r\n").encode()).content.decode()
    assert f"<td>2</td>{B}churn-rate</td>{B}Acme/Data</td>" in page
