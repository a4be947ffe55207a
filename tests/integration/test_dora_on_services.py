"""Delivery events in through the webhook; a real worker recomputes DORA after the debounce (not eager)."""

import hashlib
import hmac
import json
from datetime import date

import pytest
from django.urls import reverse

from feedback.models import MetricValue, Repository
from tests.factories import TeamFactory

from .conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
SECRET = "integration-webhook-secret"


def test_webhook_events_are_recomputed_by_the_worker_once_per_burst(client, settings, service_worker):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.ALIGN_DORA_DEBOUNCE_SECONDS = 1
    team = TeamFactory(name="Payments")
    Repository.objects.create(full_name="acme/payments", team=team)
    repository = {"full_name": "acme/payments", "default_branch": "main"}
    events = [
        ("push", {"ref": "refs/heads/main", "repository": repository,
                  "commits": [{"id": "c1", "timestamp": "2026-11-02T08:00:00Z"}]}),
        ("deployment_status", {"repository": repository,
                               "deployment": {"id": 1, "sha": "c1", "environment": "production"},
                               "deployment_status": {"state": "success", "created_at": "2026-11-02T11:00:00Z"}}),
    ]  # fmt: skip
    for number, (event, payload) in enumerate(events):
        body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = client.post(
            reverse("webhook-github"), data=body, content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=signature, HTTP_X_GITHUB_EVENT=event, HTTP_X_GITHUB_DELIVERY=f"int-{number}",
        )  # fmt: skip
        assert response.status_code == 200

    def lead_time():
        value = MetricValue.objects.filter(team=team, metric__key="lead-time", period_start=date(2026, 11, 2)).first()
        return value and value.value

    assert wait_for(lead_time, timeout=30, what="the worker to write DORA figures") == pytest.approx(3.0)
    assert "dora_recompute_task" in service_worker.log()
