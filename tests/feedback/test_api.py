"""The metrics API: authentication, batch upserts all-or-nothing, reads, and responses that match the schema."""

import json
import re

import jsonschema
import pytest
from django.test import Client
from django.urls import reverse

from feedback import services
from feedback.models import ApiToken, MetricValue
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

BATCH = reverse("api-metric-values-batch")


@pytest.fixture
def teams():
    engineering = TeamFactory(name="Engineering")
    return {"Engineering": engineering, "Platform": TeamFactory(name="Platform", parent=engineering)}


@pytest.fixture
def machine():
    """A client holding a live ingestion token."""
    _, secret = services.api_token_create(name="CI exporter", created_by=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client, values):
    return client.post(BATCH, data=json.dumps({"values": values}), content_type="application/json")


def row(**overrides):
    value = {
        "metric": "revenue", "team": "Engineering/Platform", "period_start": "2026-10-01",
        "period_end": "2026-10-31", "value": 125000.0,
    }  # fmt: skip
    value.update(overrides)
    return value


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    with django_db_blocker.unblock():
        return json.loads(Client().get(reverse("api-schema"), {"format": "json"}).content)


def matches_schema(openapi, component: str, instance) -> None:
    """Validate instance against a component of the OpenAPI 3 schema (nullable turned into JSON Schema)."""

    def convert(node):
        if isinstance(node, dict):
            node = {k: convert(v) for k, v in node.items()}
            if node.pop("nullable", False) and "type" in node:
                node["type"] = [node["type"], "null"]
            return node
        return [convert(v) for v in node] if isinstance(node, list) else node

    document = {"$ref": f"#/components/schemas/{component}", "components": convert(openapi["components"])}
    jsonschema.Draft7Validator(document).validate(instance)


def test_without_a_token_the_api_answers_401_and_names_the_scheme(client, teams):
    response = post(client, [row()])
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_or_made_up_token_is_refused(teams):
    token, secret = services.api_token_create(name="old", created_by=None)
    services.api_token_revoke(token_id=token.id)
    assert post(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), [row()]).status_code == 401
    assert post(Client(HTTP_AUTHORIZATION="Bearer made-up"), [row()]).status_code == 401
    assert not MetricValue.objects.exists()


def test_only_a_hash_of_a_token_is_stored():
    token, secret = services.api_token_create(name="x", created_by=None)
    assert secret not in json.dumps(list(type(token).objects.values()), default=str)
    assert token.prefix == secret[:8]


def test_a_batch_is_upserted_and_sending_it_again_changes_nothing(machine, teams, openapi):
    values = [row(), row(team=None, metric="nps", value=41), row(period_start="2026-11-01", period_end="2026-11-30")]
    first = post(machine, values)
    assert first.status_code == 200 and first.json() == {"created": 3, "updated": 0}
    matches_schema(openapi, "MetricValueBatchResult", first.json())
    again = post(machine, values)
    assert again.json() == {"created": 0, "updated": 0}
    assert MetricValue.objects.count() == 3


def test_a_late_correction_replaces_the_value_instead_of_adding_one(machine, teams):
    post(machine, [row(value=100)])
    assert post(machine, [row(value=90)]).json() == {"created": 0, "updated": 1}
    assert list(MetricValue.objects.values_list("value", flat=True)) == [90]


def test_one_bad_row_rejects_the_whole_batch_with_each_error_and_its_row_index(machine, teams, openapi):
    values = [
        row(),
        row(metric="unknown-metric"),
        row(team="Engineering/Nowhere"),
        row(period_start="2026-10-31", period_end="2026-10-01"),
        row(metric="lead-time"),
        row(value="lots"),
        row(),
    ]
    response = post(machine, values)
    assert response.status_code == 400
    matches_schema(openapi, "RowErrors", response.json())
    errors = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert {(1, "metric"), (2, "team"), (3, "period_end"), (4, "metric"), (5, "value")} <= errors or (
        5,
        "value",
    ) in errors
    assert not MetricValue.objects.exists()


def test_rows_that_parse_but_break_the_rules_are_all_reported_with_indexes(machine, teams):
    values = [
        row(),
        row(metric="unknown-metric"),
        row(team="Engineering/Nowhere"),
        row(metric="lead-time"),  # computed by Align, not accepted from outside
        row(period_start="2026-10-31", period_end="2026-10-01"),
        row(),  # the same metric, team and period as row 0
    ]
    response = post(machine, values)
    errors = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(1, "metric"), (2, "team"), (3, "metric"), (4, "period_end"), (5, "period_start")}
    assert not MetricValue.objects.exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{not json", "JSON parse error"),
        (json.dumps({"values": []}), "values"),
        (json.dumps({"values": "nope"}), "values"),
        (json.dumps({}), "values"),
        ("[" * 100_000 + "]" * 100_000, "JSON parse error"),  # nested too deep to read
        (json.dumps({"values": [row(team="Engineering/Plat\x00form")]}), "Null characters are not allowed"),
    ],
)
def test_malformed_bodies_get_a_400_with_a_message(machine, teams, body, expected):
    response = machine.post(BATCH, data=body, content_type="application/json")
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not MetricValue.objects.exists()


def test_values_are_read_back_filtered_and_paginated(machine, teams, openapi):
    post(machine, [row(period_start=f"2026-{m:02}-01", period_end=f"2026-{m:02}-28") for m in range(1, 13)])
    post(machine, [row(team="Engineering")])
    response = machine.get(reverse("api-metric-values"), {"team": "engineering/platform", "start": "2026-06-01"})
    body = response.json()
    assert body["count"] == 7
    assert {v["team"] for v in body["results"]} == {"Engineering/Platform"}
    matches_schema(openapi, "PaginatedMetricValueOutputList", body)
    paged = machine.get(reverse("api-metric-values"), {"page_size": 5}).json()
    assert len(paged["results"]) == 5 and paged["next"]


def test_reading_an_unknown_team_or_bad_date_is_a_400(machine, teams):
    assert machine.get(reverse("api-metric-values"), {"team": "Nowhere"}).status_code == 400
    assert machine.get(reverse("api-metric-values"), {"start": "yesterday"}).status_code == 400


def test_metric_definitions_list_the_built_in_ones(machine, openapi):
    body = machine.get(reverse("api-metric-definitions")).json()
    keys = {d["key"] for d in body["results"]}
    assert {"deployment-frequency", "lead-time", "change-failure-rate", "time-to-restore", "revenue"} <= keys
    matches_schema(openapi, "PaginatedMetricDefinitionOutputList", body)


def test_a_logged_in_admin_may_use_the_api_but_a_manager_may_not(client, teams):
    from surveys.models import Person
    from tests.factories import manager_of

    manager, _ = manager_of(teams["Platform"], email="m@example.com")
    client.force_login(manager)
    assert client.get(reverse("api-metric-definitions")).status_code == 403
    client.force_login(UserFactory(username="root@example.com", is_superuser=True))
    assert client.get(reverse("api-metric-definitions")).status_code == 200
    assert Person.objects.exists()


def test_swagger_ui_is_served_from_local_static_files(client):
    page = client.get(reverse("api-docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


def test_an_admin_creates_a_token_on_the_page_sees_it_once_and_revokes_it(client, teams):
    from surveys.models import Person
    from tests.factories import manager_of

    admin, _ = manager_of(teams["Engineering"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    created = client.post(reverse("feedback:manage_api_tokens"), {"name": "Deploy pipeline"})
    assert created["Cache-Control"] == "no-store"
    secret = re.search(r"<p><code>([\w-]{40,})</code></p>", created.content.decode()).group(1)
    assert secret not in client.get(reverse("feedback:manage_api_tokens")).content.decode()
    machine = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert machine.get(reverse("api-metric-definitions")).status_code == 200
    token = ApiToken.objects.get(name="Deploy pipeline")
    asked = client.post(reverse("feedback:manage_api_token_revoke", args=[token.id]))
    assert "Revoke the token Deploy pipeline?" in asked.content.decode()
    assert machine.get(reverse("api-metric-definitions")).status_code == 200  # nothing happens until confirmed
    client.post(reverse("feedback:manage_api_token_revoke", args=[token.id]), {"confirmed": "yes"})
    assert machine.get(reverse("api-metric-definitions")).status_code == 401


def test_the_token_pages_are_a_404_for_a_manager(client, teams):
    from tests.factories import manager_of

    manager, _ = manager_of(teams["Platform"], email="m@example.com")
    client.force_login(manager)
    assert client.get(reverse("feedback:manage_api_tokens")).status_code == 404
    assert client.post(reverse("feedback:manage_api_tokens"), {"name": "sneaky"}).status_code == 404


def test_the_openapi_schema_is_valid_and_generates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


EVENTS = {
    "api-deployments": [{"id": "dep-1", "team": "Engineering/Platform", "finished_at": "2026-11-02T13:00:00Z",
                         "shas": ["a1"]}],
    "api-changes": [{"team": "Engineering/Platform", "sha": "a1", "authored_at": "2026-11-02T09:00:00Z"}],
    "api-incidents": [{"id": "inc-1", "team": "Engineering/Platform", "opened_at": "2026-11-02T15:00:00Z",
                       "resolved_at": "2026-11-02T16:30:00Z", "deployment_id": "dep-1"}],
}  # fmt: skip


def test_delivery_events_sent_through_the_api_become_dora_figures(
    machine, teams, openapi, settings, django_capture_on_commit_callbacks
):
    from datetime import date

    settings.ALIGN_DORA_DEBOUNCE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        for name, values in EVENTS.items():
            response = machine.post(reverse(name), json.dumps({"values": values}), content_type="application/json")
            assert response.json() == {"recorded": 1, "unchanged": 0}
            matches_schema(openapi, "DeliveryBatchResult", response.json())
            # the same rows again change nothing
            again = machine.post(reverse(name), json.dumps({"values": values}), content_type="application/json")
            assert again.json() == {"recorded": 0, "unchanged": 1}
    from feedback.models import Change, Deployment, Incident

    assert (Deployment.objects.count(), Change.objects.count(), Incident.objects.count()) == (1, 1, 1)
    week = dict(
        MetricValue.objects.filter(team=teams["Platform"], period_start=date(2026, 11, 2)).values_list(
            "metric__key", "value"
        )
    )
    assert week == {
        "deployment-frequency": 1.0,
        "lead-time": 4.0,
        "change-failure-rate": 100.0,
        "time-to-restore": 1.5,
    }


def test_a_delivery_batch_with_any_bad_row_records_nothing(machine, teams):
    from feedback.models import Incident

    values = [
        {"id": "ok", "team": "Engineering/Platform", "opened_at": "2026-11-02T15:00:00Z"},
        {"id": "bad-team", "team": "Nowhere", "opened_at": "2026-11-02T15:00:00Z"},
        {"id": "backwards", "team": "Engineering", "opened_at": "2026-11-02T15:00:00Z",
         "resolved_at": "2026-11-01T15:00:00Z"},
    ]  # fmt: skip
    response = machine.post(reverse("api-incidents"), json.dumps({"values": values}), content_type="application/json")
    assert response.status_code == 400
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {(1, "team"), (2, "resolved_at")}
    assert not Incident.objects.exists()
    naive = [{"team": "Engineering", "sha": "x"}]
    response = machine.post(reverse("api-changes"), json.dumps({"values": naive}), content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "authored_at"


def test_an_oversize_body_is_refused_and_nothing_written(machine, teams):
    values = [row(period_start="2026-10-01", period_end="2026-10-31", team="Engineering/Platform" + " " * 200)] * 30_000
    response = machine.post(BATCH, data=json.dumps({"values": values}), content_type="application/json")
    assert response.status_code in (400, 413)
    assert not MetricValue.objects.exists()


def test_more_rows_than_a_batch_allows_are_refused_with_a_message(machine, teams):
    values = [row(period_start=f"2026-01-{1 + i % 28:02}", period_end="2026-12-31", value=i) for i in range(5001)]
    response = post(machine, values)
    assert response.status_code == 400
    assert "5000" in response.content.decode()
    assert not MetricValue.objects.exists()


@pytest.mark.parametrize("sent", [5, 5.5, -0.25, "5.5", "1e3", "+2"])
def test_a_value_sent_as_a_program_writes_numbers_is_stored_exactly(machine, teams, sent):
    assert post(machine, [row(value=sent)]).status_code == 200
    assert MetricValue.objects.get().value == float(sent)


@pytest.mark.parametrize("sent", ["1_000", "0,5", "١٢٣", " 5 ", "5%", "", "nan", "Infinity", True, 10**400, None])
def test_a_value_in_any_other_spelling_is_refused_with_a_message_and_nothing_stored(machine, teams, sent):
    response = post(machine, [row(value=sent)])
    assert response.status_code == 400 and "value" in response.content.decode()
    assert not MetricValue.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("1e-400", "too close to zero"),
        ("1e400", "too large"),
        ('"1e-400"', "too close to zero"),
        ("12345678901234567890", "round it"),
        ('"1E999999999999999999999999"', "too large"),
    ],
)
def test_a_json_number_that_a_float_cannot_hold_is_refused_as_the_csv_upload_refuses_it(machine, teams, body, message):
    # JSON's 1e-400 reads as 0.0 in Python: only its text tells it was not 0, so it used to be stored as 0.
    raw = json.dumps({"values": [row(value="PLACEHOLDER")]}).replace('"PLACEHOLDER"', body)
    response = machine.post(BATCH, data=raw, content_type="application/json")
    assert response.status_code == 400 and message in response.content.decode()
    assert not MetricValue.objects.exists()


def test_a_json_number_with_a_fraction_is_stored_as_written(machine, teams):
    raw = json.dumps({"values": [row(value="PLACEHOLDER")]}).replace('"PLACEHOLDER"', "0.30000000000000004")
    assert machine.post(BATCH, data=raw, content_type="application/json").status_code == 200
    assert MetricValue.objects.get().value == 0.30000000000000004


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb"])
def test_a_body_with_a_lone_surrogate_is_a_400_naming_where_and_nothing_stored(machine, teams, text):
    response = post(machine, [row(team=f"Engineering/{text}")])
    assert response.status_code == 400 and "lone surrogate" in response.content.decode()
    assert "values[0].team" in response.content.decode()
    response = machine.post(
        reverse("api-deployments"),
        data=json.dumps({"values": [{"id": text, "team": "Engineering", "finished_at": "2026-11-02T10:00:00Z"}]}),
        content_type="application/json",
    )
    assert response.status_code == 400 and not MetricValue.objects.exists()
