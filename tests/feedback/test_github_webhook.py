"""The GitHub webhook with realistic payloads and real HMAC signatures, through to DORA metric values."""

import hashlib
import hmac
import json
import uuid
from datetime import date

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def issue(issue_id, created, *, closed=None, labels=("incident",), action="opened", updated=None, label=None):
    """An `issues` payload as GitHub sends it: the whole issue as of its updated_at, plus the label that a
    labeled or unlabeled action added or removed."""
    payload = {
        "action": action,
        "issue": {
            "id": issue_id,
            "number": issue_id,
            "state": "closed" if closed else "open",
            "created_at": created,
            "updated_at": updated or closed or created,
            "closed_at": closed,
            "labels": [{"id": 1000 + n, "name": name, "color": "d73a4a"} for n, name in enumerate(labels)],
        },
        "repository": REPO,
    }
    if label is not None:
        payload["label"] = {"name": label, "color": "d73a4a"}
    return payload


def test_a_week_of_github_events_becomes_dora_metric_values(client, payments, django_capture_on_commit_callbacks):
    # given: commits pushed to main, deployed twice, one incident on the second deployment
    events = [
        ("push", push(("a1", "2026-11-02T09:00:00Z"), ("a2", "2026-11-02T11:00:00Z"))),
        ("deployment_status", deployment_status(1, "a2", "2026-11-02T13:00:00Z")),
        ("pull_request", {"action": "closed", "repository": REPO, "pull_request": {
            "merged": True, "merge_commit_sha": "m1", "merged_at": "2026-11-03T10:00:00Z", "base": {"ref": "main"}}}),
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
        ("star", {"repository": REPO, "zen": "\ud800"}, "d-1"),  # a lone surrogate: not a character at all
        ("push", push(("a\udfff1", "2026-11-02T09:00:00Z")), "d-1"),
        ("star", {"repository": REPO, "\udc00": "x"}, "d-1"),
    ],
)
def test_an_impossible_date_a_nul_or_a_lone_surrogate_is_a_400_and_leaves_nothing(
    client, payments, event, payload, delivery
):
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
    assert Incident.objects.get().counted
    removed = issue(9, "2026-11-03T15:00:00Z", labels=("bug",), action="unlabeled", updated="2026-11-03T16:00:00Z")
    assert deliver(client, "issues", removed, delivery="2").json() == {"status": "recorded"}
    assert not Incident.objects.get().counted  # kept, not counted: a late "labeled" cannot bring it back


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


# Identifiers compared as GitHub compares them.


def test_a_deployment_to_an_environment_spelt_differently_counts(client, payments, settings):
    # GitHub: "Environment names are not case sensitive".
    settings.ALIGN_PRODUCTION_ENVIRONMENTS = ["production", " Prod"]
    for number, environment in enumerate(["Production", "PRODUCTION", "prod"]):
        status = deployment_status(number, "a1", "2026-11-02T13:00:00Z", environment=environment)
        assert deliver(client, "deployment_status", status, delivery=f"d-{number}").json() == {"status": "recorded"}
    assert Deployment.objects.count() == 3
    assert set(Deployment.objects.values_list("environment", flat=True)) == {"Production", "PRODUCTION", "prod"}


def test_a_repository_is_found_whatever_the_case_github_spells_it_in(client, payments):
    # GitHub resolves Acme/Payments-API to acme/payments-api: one repository.
    payload = {**push(("a1", "2026-11-02T09:00:00Z")), "repository": {**REPO, "full_name": "Acme/Payments-API"}}
    assert deliver(client, "push", payload).json() == {"status": "recorded"}
    assert Change.objects.get().team == payments


def test_a_name_that_only_unicode_folding_would_match_is_another_repository(client, payments):
    # Python's lower() turns the Kelvin sign into "k"; GitHub names are ASCII and compared as ASCII.
    Repository.objects.create(full_name="acme/kiosk", team=payments)
    payload = {**push(("a1", "2026-11-02T09:00:00Z")), "repository": {**REPO, "full_name": "acme/\u212aiosk"}}
    assert deliver(client, "push", payload).json() == {"status": "ignored"}


def test_two_spellings_of_one_repository_cannot_both_be_connected(payments):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Repository.objects.create(full_name="ACME/payments-api", team=payments)


def test_connecting_another_spelling_re_points_the_same_repository(payments):
    from feedback import services

    other = TeamFactory(name="Other")
    services.repository_connect(full_name="Acme/Payments-API", team=other)
    repository = Repository.objects.get()
    assert (repository.full_name, repository.team) == ("Acme/Payments-API", other)


def test_an_incident_label_counts_whatever_its_case(client, payments, settings):
    # GitHub labels are case-insensitive: a repository cannot hold both "Incident" and "incident".
    settings.ALIGN_INCIDENT_LABELS = ["INCIDENT"]
    deliver(client, "issues", issue(5, "2026-11-03T15:00:00Z", labels=("Incident",)))
    assert Incident.objects.get().counted


def test_a_commit_id_in_capitals_is_the_same_commit(client, payments):
    sha = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
    deliver(client, "push", push((sha.upper(), "2026-11-02T09:00:00Z")), delivery="1")
    merged = {"action": "closed", "repository": REPO, "pull_request": {
        "merged": True, "merge_commit_sha": sha, "merged_at": "2026-11-02T10:00:00Z",
        "base": {"ref": "main"}}}  # fmt: skip
    deliver(client, "pull_request", merged, delivery="2")
    change = Change.objects.get()
    assert (change.sha, change.merged_at is not None) == (sha, True)


# Events in the order they happened, not the order they arrived.


def test_a_closed_incident_stays_closed_when_an_older_labeled_delivery_arrives_late(
    client, payments, django_capture_on_commit_callbacks
):
    # given: the issue was labelled at 15:05 and closed at 17:00, but GitHub delivered the close first
    closed = issue(77, "2026-11-03T15:00:00Z", closed="2026-11-03T17:00:00Z", action="closed")
    labeled = issue(77, "2026-11-03T15:00:00Z", action="labeled", updated="2026-11-03T15:05:00Z", label="incident")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, "issues", closed, delivery="close").json() == {"status": "recorded"}
        # when
        assert deliver(client, "issues", labeled, delivery="label").json() == {"status": "outdated"}
    # then
    incident = Incident.objects.get()
    assert incident.resolved_at is not None and incident.counted
    restore = MetricValue.objects.get(team=payments, metric__key="time-to-restore", period_start=date(2026, 11, 2))
    assert restore.value == pytest.approx(2.0)


def test_a_late_labeled_delivery_cannot_bring_back_an_incident_whose_label_was_removed(client, payments):
    labeled = issue(8, "2026-11-03T15:00:00Z", action="labeled", updated="2026-11-03T15:01:00Z", label="incident")
    unlabeled = issue(8, "2026-11-03T15:00:00Z", labels=(), action="unlabeled", updated="2026-11-03T15:30:00Z",
                      label="incident")  # fmt: skip
    assert deliver(client, "issues", unlabeled, delivery="2").json() == {"status": "ignored"}  # not an incident
    assert deliver(client, "issues", labeled, delivery="1").json() == {"status": "outdated"}
    assert not Incident.objects.get().counted


def test_an_issue_that_never_was_an_incident_is_kept_but_not_counted(client, payments):
    plain = issue(
        3, "2026-11-03T15:00:00Z", labels=("bug",), action="labeled", label="bug", updated="2026-11-03T15:10:00Z"
    )
    assert deliver(client, "issues", plain, delivery="2").json() == {"status": "ignored"}
    # kept, so the older event that labelled it an incident (and which the bug label replaced) stays older
    earlier = issue(3, "2026-11-03T15:00:00Z", action="labeled", label="incident", updated="2026-11-03T15:05:00Z")
    assert deliver(client, "issues", earlier, delivery="1").json() == {"status": "outdated"}
    assert not Incident.objects.get().counted


def test_a_deleted_issue_stops_being_an_incident_for_good(client, payments):
    deliver(client, "issues", issue(4, "2026-11-03T15:00:00Z", updated="2026-11-03T15:10:00Z"), delivery="1")
    # GitHub's deleted payload is the issue as it last was: its updated_at need not move
    deleted = issue(4, "2026-11-03T15:00:00Z", action="deleted", updated="2026-11-03T15:10:00Z")
    assert deliver(client, "issues", deleted, delivery="2").json() == {"status": "recorded"}
    assert deliver(client, "issues", issue(4, "2026-11-03T15:00:00Z", updated="2026-11-03T15:10:00Z"),
                   delivery="3").json() == {"status": "outdated"}  # fmt: skip
    assert not Incident.objects.get().counted


def test_a_late_deployment_status_does_not_move_a_deployment_back(client, payments):
    deliver(client, "deployment_status", deployment_status(1, "a1", "2026-11-02T13:00:00Z"), delivery="new")
    late = deployment_status(1, "a1", "2026-11-02T12:00:00Z")
    assert deliver(client, "deployment_status", late, delivery="old").json() == {"status": "outdated"}
    assert Deployment.objects.get().finished_at.hour == 13


# Any text a JSON body can escape: NUL and lone surrogates among ordinary characters.
JSON_TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from(["\x00", "\ud800", "\udfff", "\udbff"]), max_size=5)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | JSON_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(JSON_TEXT, children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=JSON_VALUES, event=st.sampled_from(["star", "push", "issues"]))
def test_a_signed_body_of_any_text_is_stored_or_refused_with_a_400_never_a_500(client, payments, extra, event):
    delivery = str(uuid.uuid4())
    response = deliver(client, event, {"repository": REPO, "extra": extra}, delivery=delivery)
    stored = RawEvent.objects.filter(delivery_id=delivery).exists()
    assert (response.status_code, stored) in {(200, True), (400, False)}


# Repositories matched by GitHub's id, which outlives renames and transfers.


def with_repository(payload, full_name, github_id):
    return {**payload, "repository": {**REPO, "full_name": full_name, "id": github_id}}


def test_a_renamed_or_transferred_repository_still_counts_for_its_team(client, payments):
    # given: a first event matched by name teaches the repository its GitHub id
    first = with_repository(push(("a1", "2026-11-02T09:00:00Z")), "acme/payments-api", 4242)
    assert deliver(client, "push", first, delivery="d-1").json() == {"status": "recorded"}
    assert Repository.objects.get().github_id == 4242
    # when: it is renamed, then transferred to another owner (same id, new full_name)
    renamed = with_repository(push(("b2", "2026-11-03T09:00:00Z")), "acme/payments", 4242)
    moved = with_repository(push(("c3", "2026-11-04T09:00:00Z")), "payments-org/payments", 4242)
    renamed["repository"]["default_branch"] = moved["repository"]["default_branch"] = "main"
    # then: its events still count for Payments, and the page shows the current name
    assert deliver(client, "push", renamed, delivery="d-2").json() == {"status": "recorded"}
    assert deliver(client, "push", moved, delivery="d-3").json() == {"status": "recorded"}
    assert set(Change.objects.values_list("team", flat=True)) == {payments.id}
    assert Repository.objects.get().full_name == "payments-org/payments"


def test_a_new_repository_that_took_a_connected_name_is_not_matched(client, payments):
    deliver(client, "push", with_repository(push(("a1", "2026-11-02T09:00:00Z")), "acme/payments-api", 1), delivery="1")
    other = with_repository(push(("b2", "2026-11-03T09:00:00Z")), "acme/payments-api", 2)
    assert deliver(client, "push", other, delivery="2").json() == {"status": "ignored"}


def test_repositories_sending_events_that_count_for_no_team_are_listed_for_admins(client, payments):
    from surveys.models import Person
    from tests.factories import manager_of

    deliver(client, "push", with_repository(push(("a1", "2026-11-02T09:00:00Z")), "acme/unknown-api", 9), delivery="1")
    deliver(client, "push", with_repository(push(("b1", "2026-11-02T09:00:00Z")), "acme/unknown-api", 9), delivery="2")
    deliver(client, "push", with_repository(push(("c1", "2026-11-02T09:00:00Z")), "acme/payments-api", 7), delivery="3")
    user, _ = manager_of(TeamFactory(name="Ops"), email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    page = client.get(reverse("feedback:manage_repositories")).content.decode()
    unmatched = page.split("Events from repositories not connected")[1].split("Connect a repository")[0]
    assert "1 repository sent events that count for no team" in unmatched
    assert '"breakable">acme/unknown-api</td><td>2</td>' in unmatched and "payments-api" not in unmatched


def test_a_form_encoded_delivery_is_told_to_choose_application_json(client, payments):
    body = b"payload=%7B%22zen%22%3A%22x%22%7D"
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        reverse("webhook-github"), data=body, content_type="application/x-www-form-urlencoded",
        HTTP_X_HUB_SIGNATURE_256=signature, HTTP_X_GITHUB_EVENT="push", HTTP_X_GITHUB_DELIVERY="x",
    )  # fmt: skip
    assert response.status_code == 400 and "application/json" in response.json()["detail"]
    assert not RawEvent.objects.exists()
