"""Identifiers compared as their owner means them, and nulls refused naming the field (issue 20): the API stored
deployment 12345.0 and 12345 as two deployments, and the webhook stored a null deployment id as the id 'None' and
answered a null sha or environment with a Python error ("payload lacks 'NoneType' object has no attribute
'strip'")."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.models import Change, Deployment, Incident, RawEvent
from tests.feedback.test_api import machine, teams  # noqa: F401 (fixtures)
from tests.feedback.test_github_webhook import configured, deliver, deployment_status, issue, payments, push  # noqa: F401

pytestmark = pytest.mark.django_db

STAMP = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def send(machine, kind, body: str):  # noqa: F811
    return machine.post(reverse(f"api-{kind}"), data=body, content_type="application/json")


def deployment_row(id_json: str) -> str:
    return '{"values": [{"id": ' + id_json + ', "team": "Engineering/Platform", "finished_at": "' + STAMP + '"}]}'


# The API.


def test_an_api_deployment_sent_as_12345_0_and_as_12345_is_one_deployment(machine, teams):  # noqa: F811
    assert send(machine, "deployments", deployment_row("12345.0")).json() == {"recorded": 1, "unchanged": 0}
    assert send(machine, "deployments", deployment_row("12345")).json() == {"recorded": 0, "unchanged": 1}
    assert send(machine, "deployments", deployment_row("1.2345e4")).json() == {"recorded": 0, "unchanged": 1}
    assert list(Deployment.objects.values_list("external_id", flat=True)) == ["12345"]


@pytest.mark.parametrize(
    ("id_json", "says"),
    [("12345.5", "not a whole number"), ("true", "not true"), ("null", "may not be null"), ("[1]", "not list")],
)
def test_an_api_id_that_is_no_id_is_refused_naming_the_field(machine, teams, id_json, says):  # noqa: F811
    response = send(machine, "deployments", deployment_row(id_json))
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, "id") and says in error["message"]
    assert not Deployment.objects.exists()


def test_an_incident_naming_its_deployment_by_a_number_is_charged_to_it(machine, teams):  # noqa: F811
    send(machine, "deployments", deployment_row("7"))
    body = {"values": [{"id": 9.0, "team": "Engineering/Platform", "opened_at": STAMP, "deployment_id": 7.0}]}
    assert send(machine, "incidents", json.dumps(body)).json() == {"recorded": 1, "unchanged": 0}
    incident = Incident.objects.get()
    assert incident.external_id == "9" and incident.deployment.external_id == "7"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.integers(min_value=-(10**15), max_value=10**15), spelling=st.sampled_from(["{}", "{}.0", "{}e0"]))
def test_every_json_spelling_of_a_whole_number_is_the_same_id(machine, teams, number, spelling):  # noqa: F811
    Deployment.objects.all().delete()
    assert send(machine, "deployments", deployment_row(str(number))).status_code == 200
    again = send(machine, "deployments", deployment_row(spelling.format(number)))
    assert again.json() == {"recorded": 0, "unchanged": 1}
    assert list(Deployment.objects.values_list("external_id", flat=True)) == [str(number)]


# The webhook.


def refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert field in detail and "NoneType" not in detail and "Nothing was stored" in detail
    assert not RawEvent.objects.exists()


@pytest.mark.parametrize("key", ["id", "sha", "environment"])
def test_a_deployment_status_with_a_null_field_is_refused_naming_it(client, payments, key):  # noqa: F811
    payload = deployment_status(42, "a1", STAMP)
    payload["deployment"][key] = None
    refused(deliver(client, "deployment_status", payload), f"deployment.{key}")
    assert not Deployment.objects.exists()


def test_a_webhook_deployment_id_sent_as_42_0_is_deployment_42(client, payments):  # noqa: F811
    payload = deployment_status(42, "a1", STAMP)
    payload["deployment"]["id"] = 42.0
    assert deliver(client, "deployment_status", payload).json() == {"status": "recorded"}
    assert deliver(client, "deployment_status", deployment_status(42, "a1", STAMP), delivery="d-2").json() == {
        "status": "outdated"
    }
    assert Deployment.objects.get().external_id == "42"


def test_a_push_with_a_null_commit_id_is_refused_naming_it(client, payments):  # noqa: F811
    refused(deliver(client, "push", push((None, STAMP))), "commits[0].id")
    assert not Change.objects.exists()


def test_an_issue_with_a_null_id_or_label_name_is_refused_naming_it(client, payments):  # noqa: F811
    nameless = issue(77, STAMP)
    nameless["issue"]["labels"][0]["name"] = None
    refused(deliver(client, "issues", nameless), "issue.labels[0].name")
    idless = issue(77, STAMP)
    idless["issue"]["id"] = None
    refused(deliver(client, "issues", idless, delivery="d-2"), "issue.id")
    assert not Incident.objects.exists()


def test_a_merged_pull_request_without_its_merge_commit_is_refused_naming_it(client, payments):  # noqa: F811
    payload = {
        "action": "closed",
        "repository": {"full_name": "acme/payments-api", "default_branch": "main"},
        "pull_request": {"merged": True, "merge_commit_sha": None, "merged_at": STAMP, "base": {"ref": "main"}},
    }
    refused(deliver(client, "pull_request", payload), "pull_request.merge_commit_sha")
