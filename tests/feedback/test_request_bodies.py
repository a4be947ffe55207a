"""Request bodies as programs send them (issue 20): a UTF-8 byte order mark, a compressed body, RFC 3339's lower-case
t and z, and a key given twice — the same answer from the API and the GitHub webhook."""

import gzip
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.models import Deployment, MetricValue, RawEvent
from tests.feedback.test_api import BATCH, machine, row, teams  # noqa: F401 (fixtures)
from tests.feedback.test_github_webhook import SECRET, configured, deployment_status, payments  # noqa: F401

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.now() - timedelta(days=1)
STAMP = YESTERDAY.strftime("%Y-%m-%dT%H:%M:%SZ")


def api_post(machine, url, body: bytes, **headers):  # noqa: F811
    return machine.post(url, data=body, content_type="application/json", **headers)


def webhook_post(client, body: bytes, *, event="deployment_status", delivery="d-1", **headers):
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("webhook-github"), data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature,
        HTTP_X_GITHUB_EVENT=event, HTTP_X_GITHUB_DELIVERY=delivery, **headers,
    )  # fmt: skip


def deployments_body(finished_at: str) -> bytes:
    row = {"id": "d-1", "team": "Engineering/Platform", "finished_at": finished_at}
    return json.dumps({"values": [row]}).encode()


# A UTF-8 byte order mark.


def test_the_api_reads_a_json_body_with_a_utf8_byte_order_mark_as_the_webhook_does(client, machine, teams, payments):  # noqa: F811
    body = "\ufeff".encode() + json.dumps({"values": [row()]}).encode()
    assert api_post(machine, BATCH, body).json() == {"created": 1, "updated": 0}
    webhook_body = "\ufeff".encode() + json.dumps(deployment_status(1, "a1", STAMP)).encode()
    assert webhook_post(client, webhook_body).json() == {"status": "recorded"}


# A compressed body.


def test_a_gzip_body_is_refused_with_415_naming_content_encoding(client, machine, teams, payments):  # noqa: F811
    body = gzip.compress(json.dumps({"values": [row()]}).encode())
    response = api_post(machine, BATCH, body, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 415
    (error,) = response.json()["errors"]
    assert error["field"] == "body" and "Content-Encoding: gzip" in error["message"]
    assert not MetricValue.objects.exists()
    webhook_body = gzip.compress(json.dumps(deployment_status(1, "a1", STAMP)).encode())
    response = webhook_post(client, webhook_body, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 415 and "Content-Encoding: gzip" in response.json()["detail"]
    assert not RawEvent.objects.exists()


def test_content_encoding_identity_is_read_as_no_encoding(machine, teams):  # noqa: F811
    body = json.dumps({"values": [row()]}).encode()
    assert api_post(machine, BATCH, body, HTTP_CONTENT_ENCODING="identity").status_code == 200


# RFC 3339 §5.6: "T" and "Z" may be lower case.


@pytest.mark.parametrize("written", ["{date}t{time}z", "{date}T{time}z", "{date}t{time}Z", "{date}t{time}+00:00"])
def test_the_api_and_the_webhook_read_a_lower_case_t_and_z(client, machine, teams, payments, written):  # noqa: F811
    stamp = written.format(date=YESTERDAY.strftime("%Y-%m-%d"), time=YESTERDAY.strftime("%H:%M:%S"))
    answer = api_post(machine, reverse("api-deployments"), deployments_body(stamp))
    assert answer.json() == {"recorded": 1, "unchanged": 0}, answer.content
    assert webhook_post(client, json.dumps(deployment_status(5, "a1", stamp)).encode()).json() == {"status": "recorded"}
    moments = set(Deployment.objects.values_list("finished_at", flat=True))
    assert moments == {YESTERDAY.replace(microsecond=0)}


@pytest.mark.parametrize("written", ["2026-W45-1T10:00:00Z", "20261102T100000Z", "2026-11-02"])
def test_the_webhook_refuses_a_time_not_written_as_a_calendar_date_and_time(client, payments, written):  # noqa: F811
    response = webhook_post(client, json.dumps(deployment_status(5, "a1", written)).encode())
    assert response.status_code == 400 and "not a timestamp with a time zone" in response.json()["detail"]
    assert not Deployment.objects.exists()


# A key given twice.


def test_a_key_given_twice_is_refused_naming_it(client, machine, teams, payments):  # noqa: F811
    body = (
        b'{"values": [{"metric": "revenue", "team": "Engineering/Platform", "period_start": "2026-10-01",'
        b' "period_end": "2026-10-31", "value": 1, "value": 2}]}'
    )
    response = api_post(machine, BATCH, body)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "body" and "the key “value” appears twice" in error["message"]
    assert not MetricValue.objects.exists()
    payload = json.dumps(deployment_status(1, "a1", STAMP))
    twice = payload.replace('"environment": "production"', '"environment": "staging", "environment": "production"')
    response = webhook_post(client, twice.encode())
    assert response.status_code == 400 and "the key “environment” appears twice" in response.json()["detail"]
    assert not RawEvent.objects.exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["metric", "team", "period_start", "period_end", "value"]), at=st.integers(0, 4))
def test_any_key_repeated_anywhere_in_a_row_is_refused(machine, teams, key, at):  # noqa: F811
    pairs = [(name, json.dumps(value)) for name, value in row().items()]
    pairs.insert(at, (key, json.dumps(row()[key])))  # even the same value twice
    text = "{" + ", ".join(f'"{name}": {value}' for name, value in pairs) + "}"
    response = api_post(machine, BATCH, ('{"values": [' + text + "]}").encode())
    assert response.status_code == 400 and f"the key “{key}” appears twice" in response.json()["errors"][0]["message"]
    assert not MetricValue.objects.exists()
