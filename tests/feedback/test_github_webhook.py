"""The GitHub webhook with realistic payloads and real HMAC signatures, through to DORA metric values."""

import hashlib
import hmac
import json
from datetime import date

import pytest
from django.urls import reverse

from feedback.models import Change, Deployment, DoraDirty, Incident, MetricDefinition, MetricValue, RawEvent, Repository
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

SECRET = "webhook-secret-for-tests"
REPO = {"full_name": "acme/payments-api", "default_branch": "main"}


@pytest.fixture(autouse=True)
def configured(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.ALIGN_DORA_DEBOUNCE_SECONDS = 0


@pytest.fixture
def payments():
    team = TeamFactory(name="Payments")
    Repository.objects.create(full_name=REPO["full_name"], team=team)
    return team


def deliver(client, event, payload, *, delivery="d-1", secret=SECRET, signature=None):
    body = json.dumps(payload).encode()
    signature = signature or "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("webhook-github"),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
        HTTP_X_GITHUB_EVENT=event,
        HTTP_X_GITHUB_DELIVERY=delivery,
    )


def push(*commits, ref="refs/heads/main"):
    return {
        "ref": ref,
        "repository": REPO,
        "commits": [{"id": sha, "timestamp": at, "message": "change"} for sha, at in commits],
        "head_commit": {"id": commits[-1][0]} if commits else None,
    }


def deployment_status(deployment_id, sha, at, *, state="success", environment="production"):
    return {
        "action": "created",
        "deployment_status": {"id": deployment_id * 10, "state": state, "created_at": at, "updated_at": at},
        "deployment": {"id": deployment_id, "sha": sha, "environment": environment, "created_at": at},
        "repository": REPO,
    }


def issue(issue_id, created, *, closed=None, labels=("incident",), action="opened"):
    return {
        "action": action,
        "issue": {
            "id": issue_id,
            "number": issue_id,
            "state": "closed" if closed else "open",
            "created_at": created,
            "closed_at": closed,
            "labels": [{"name": name} for name in labels],
        },
        "repository": REPO,
    }


def test_a_week_of_github_events_becomes_dora_metric_values(client, payments, django_capture_on_commit_callbacks):
    # given: commits pushed to main, deployed twice, one incident on the second deployment
    events = [
        ("push", push(("a1", "2026-11-02T09:00:00Z"), ("a2", "2026-11-02T11:00:00Z"))),
        ("deployment_status", deployment_status(1, "a2", "2026-11-02T13:00:00Z")),
        ("pull_request", {"action": "closed", "repository": REPO, "pull_request": {
            "merged": True, "merge_commit_sha": "m1", "merged_at": "2026-11-03T10:00:00Z"}}),
        ("deployment_status", deployment_status(2, "m1", "2026-11-03T12:00:00Z")),
        ("issues", issue(77, "2026-11-03T15:00:00Z", closed="2026-11-03T17:00:00Z", action="closed")),
    ]  # fmt: skip
    # when
    with django_capture_on_commit_callbacks(execute=True):
        for number, (event, payload) in enumerate(events):
            assert deliver(client, event, payload, delivery=f"d-{number}").json() == {"status": "recorded"}
    # then: the week of Monday 2 November has its four keys
    week = {
        v.metric.key: v.value
        for v in MetricValue.objects.filter(team=payments, period_start=date(2026, 11, 2), period_end=date(2026, 11, 8))
    }
    assert week["deployment-frequency"] == 2.0
    assert week["lead-time"] == pytest.approx(2.0)  # a1: 4 h, a2: 2 h, m1: 2 h → median 2 h
    assert week["change-failure-rate"] == pytest.approx(50.0)  # the incident is charged to deployment 2
    assert week["time-to-restore"] == pytest.approx(2.0)
    assert not DoraDirty.objects.exists()
    assert RawEvent.objects.count() == 5


def test_the_same_delivery_twice_changes_nothing(client, payments):
    payload = push(("a1", "2026-11-02T09:00:00Z"))
    assert deliver(client, "push", payload).json() == {"status": "recorded"}
    assert deliver(client, "push", payload).json() == {"status": "duplicate"}
    assert RawEvent.objects.count() == 1 and Change.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=abc", "sha256=" + hmac.new(b"wrong", b"{}", hashlib.sha256).hexdigest()],
)
def test_a_bad_or_missing_signature_stores_nothing_at_all(client, payments, signature):
    response = deliver(client, "push", push(("a1", "2026-11-02T09:00:00Z")), signature=signature or "missing")
    assert response.status_code == 401
    assert "X-Hub-Signature-256" in response.json()["detail"]
    assert not RawEvent.objects.exists() and not Change.objects.exists()


def test_an_unconfigured_webhook_says_so(client, settings, payments):
    settings.GITHUB_WEBHOOK_SECRET = ""
    assert deliver(client, "push", push(("a1", "2026-11-02T09:00:00Z"))).status_code == 503


def test_a_malformed_payload_with_a_valid_signature_is_a_400_and_leaves_nothing(client, payments):
    broken = {"ref": "refs/heads/main", "repository": REPO, "commits": [{"id": "a1", "timestamp": "yesterday"}]}
    response = deliver(client, "push", broken)
    assert response.status_code == 400 and "Nothing was stored" in response.json()["detail"]
    assert not RawEvent.objects.exists() and not Change.objects.exists()
    missing = deliver(client, "deployment_status", {"repository": REPO, "deployment_status": {}}, delivery="d-2")
    assert missing.status_code == 400


@pytest.mark.parametrize(
    "event, payload, delivery",
    [
        ("push", push(("a1", "2026-13-02T09:00:00Z")), "d-1"),  # month 13: was a ValueError, a 500
        ("push", push(("a\x001", "2026-11-02T09:00:00Z")), "d-1"),  # PostgreSQL's jsonb and text cannot hold NUL
        ("star", {"repository": REPO, "note\x00": "x"}, "d-1"),  # kept raw even though ignored
        ("star", {"repository": REPO}, "d-\x001"),
    ],
)
def test_an_impossible_date_or_a_nul_character_is_a_400_and_leaves_nothing(client, payments, event, payload, delivery):
    response = deliver(client, event, payload, delivery=delivery)
    assert response.status_code == 400 and "Nothing was stored" in response.json()["detail"]
    assert not RawEvent.objects.exists() and not Change.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b"[" * 100_000 + b"]" * 100_000])  # the second: nested too deep
def test_a_body_that_is_not_json_is_a_400(client, payments, body):
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        reverse("webhook-github"), data=body, content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature, HTTP_X_GITHUB_EVENT="push", HTTP_X_GITHUB_DELIVERY="x",
    )  # fmt: skip
    assert response.status_code == 400 and "not valid JSON" in response.json()["detail"]


def test_unknown_events_unknown_repositories_and_other_branches_are_kept_raw_and_ignored(client, payments):
    assert (
        deliver(client, "star", {"action": "created", "repository": REPO}, delivery="a").json()["status"] == "ignored"
    )
    other = {**push(("z", "2026-11-02T09:00:00Z")), "repository": {"full_name": "acme/other", "default_branch": "main"}}
    assert deliver(client, "push", other, delivery="b").json()["status"] == "ignored"
    branch = push(("y", "2026-11-02T09:00:00Z"), ref="refs/heads/feature")
    assert deliver(client, "push", branch, delivery="c").json()["status"] == "ignored"
    staging = deployment_status(5, "y", "2026-11-02T10:00:00Z", environment="staging")
    assert deliver(client, "deployment_status", staging, delivery="d").json()["status"] == "ignored"
    failed = deployment_status(6, "y", "2026-11-02T10:00:00Z", state="failure")
    assert deliver(client, "deployment_status", failed, delivery="e").json()["status"] == "ignored"
    assert RawEvent.objects.count() == 5
    assert not Change.objects.exists() and not Deployment.objects.exists()


def test_an_issue_stops_being_an_incident_when_its_label_is_removed(client, payments):
    deliver(client, "issues", issue(9, "2026-11-03T15:00:00Z"), delivery="1")
    assert Incident.objects.count() == 1
    deliver(client, "issues", issue(9, "2026-11-03T15:00:00Z", labels=("bug",), action="unlabeled"), delivery="2")
    assert not Incident.objects.exists()


def test_a_late_event_recomputes_only_that_teams_affected_weeks(client, payments, django_capture_on_commit_callbacks):
    other = TeamFactory(name="Other")
    MetricValue.objects.create(
        metric=MetricDefinition.objects.get(key="deployment-frequency"),
        team=other,
        period_start=date(2026, 11, 2),
        period_end=date(2026, 11, 8),
        value=99,
        source="dora",
    )
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, "deployment_status", deployment_status(1, "a", "2026-11-04T12:00:00Z"), delivery="1")
    weeks = set(MetricValue.objects.filter(team=payments).values_list("period_start", flat=True))
    # the deployment's week and the four after it (a change can be charged to a deployment weeks later)
    assert min(weeks) == date(2026, 11, 2) and max(weeks) <= date(2026, 12, 7)
    assert MetricValue.objects.get(team=other).value == 99


def test_an_oversize_webhook_body_is_refused_before_it_is_read(client, payments):
    body = b"{" + b" " * (5 * 1024 * 1024 + 1) + b"}"
    response = client.post(
        reverse("webhook-github"), data=body, content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=x", HTTP_X_GITHUB_EVENT="push", HTTP_X_GITHUB_DELIVERY="big",
    )  # fmt: skip
    assert response.status_code == 413
    assert not RawEvent.objects.exists()
