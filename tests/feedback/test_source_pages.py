"""Admin pages for metric sources: CSV upload with preview, custom metrics, repositories."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.models import MetricDefinition, MetricValue, Repository
from surveys.models import Person
from tests.factories import TeamFactory, manager_of

pytestmark = pytest.mark.django_db

HEADER = "metric,team,period_start,period_end,value\n"


@pytest.fixture
def ada(client):
    engineering = TeamFactory(name="Engineering")
    TeamFactory(name="Platform", parent=engineering)
    user, _ = manager_of(engineering, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user


def upload(client, text):
    return client.post(reverse("feedback:manage_metrics_upload"), {"file": SimpleUploadedFile("m.csv", text.encode())})


def test_a_valid_upload_is_previewed_then_saved_on_confirm(client, ada):
    MetricValue.objects.create(
        metric=MetricDefinition.objects.get(key="nps"), team=None, period_start="2026-10-01",
        period_end="2026-10-31", value=10, source="api",
    )  # fmt: skip
    text = HEADER + 'revenue,Engineering/Platform,2026-10-01,2026-10-31,"1,250,000"\nnps,,2026-10-01,2026-10-31,42\n'
    preview = upload(client, text)
    page = preview.content.decode()
    assert preview.status_code == 200 and "add 1 and replace 1 value" in page
    assert MetricValue.objects.count() == 1
    confirm = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    client.post(reverse("feedback:manage_metrics_upload"), {"confirm": confirm})
    assert dict(MetricValue.objects.values_list("metric__key", "value")) == {"revenue": 1_250_000.0, "nps": 42.0}


def test_an_upload_with_errors_lists_them_by_line_and_saves_nothing(client, ada):
    text = HEADER + (
        "revenue,Engineering/Platform,2026-10-01,2026-10-31,abc\n"
        "revenue,Engineering/Platform,October,2026-10-31,5\n"
        "revenue,Engineering/Platform,2026-10-01,2026-10-31,5\n"
    )
    response = upload(client, text)
    page = response.content.decode()
    assert response.status_code == 400
    assert "value “abc” is not a number" in page and "period_start “October” is not a date" in page
    assert not MetricValue.objects.exists()


def test_rule_errors_are_shown_on_their_lines(client, ada):
    text = HEADER + "unknown,Engineering,2026-10-01,2026-10-31,5\nrevenue,Nowhere,2026-10-01,2026-10-31,5\n"
    page = upload(client, text).content.decode()
    assert '<td>2</td><td class="breakable">unknown</td><td class="breakable">Unknown metric' in page
    assert '<td>3</td><td class="breakable">revenue</td><td class="breakable">There is no team' in page


def test_a_custom_metric_is_defined_on_the_page_and_a_bad_one_refused(client, ada):
    data = {"key": "arr", "name": "Annual recurring revenue", "unit": "EUR", "category": "business",
            "direction": "higher", "time_rollup": "last", "team_rollup": "sum"}  # fmt: skip
    assert client.post(reverse("feedback:manage_metrics"), data).status_code == 302
    assert MetricDefinition.objects.get(key="arr").builtin is False
    again = client.post(reverse("feedback:manage_metrics"), {**data, "key": "not a slug"})
    assert again.status_code == 400


def test_a_repository_is_connected_to_a_team_and_a_bad_name_refused(client, ada):
    platform = TeamFactory(name="Web")
    assert (
        client.post(reverse("feedback:manage_repositories"), {"full_name": "acme/web", "team": platform.id}).status_code
        == 302
    )
    assert Repository.objects.get().team == platform
    bad = client.post(reverse("feedback:manage_repositories"), {"full_name": "just-a-name", "team": platform.id})
    assert bad.status_code == 400 and "owner/name" in bad.content.decode()


def test_the_source_pages_are_a_404_for_a_manager(client):
    manager, _ = manager_of(TeamFactory(), email="m@example.com")
    client.force_login(manager)
    for name in ("manage_metrics", "manage_metrics_upload", "manage_repositories", "manage_api_tokens"):
        assert client.get(reverse(f"feedback:{name}")).status_code == 404
