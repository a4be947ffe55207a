"""Times Align accepts but could not compute with (surveys.time_limits), at every way a time enters delivery data
and metrics: the API's event rows and metric periods, GitHub payloads, the metric upload, the Django admin; and
the DORA recomputation with rows stored before the check (it failed for good, blocking the team's other weeks).

Generated times cluster near the window's limits and near year 1 and 9999, written with offsets on both sides of
UTC (+14:00, +09:00, +05:45, -03:30, -11:00), as Z, or without an offset (refused by the API, naming the field).
Time is frozen at NOW, after every event these tests record and the weeks those reach: a time later than now is
refused too (tests/feedback/test_future_events.py), and later weeks wait for their turn.
"""

import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import metrics_csv, services
from feedback.models import Change, Deployment, DoraDirty, Incident, MetricValue, RawEvent, Repository
from feedback.services.delivery import CLOCK_SKEW
from surveys import time_limits
from surveys.models import Cycle, Person
from tests.factories import CycleFactory, TeamFactory, UserFactory, manager_of

pytestmark = pytest.mark.django_db

TEAM = "Acme/Engineering/Search"
SHA = "0123456789abcdef0123456789abcdef01234567"
# Offsets as written, in minutes east of UTC. "": none, read in TIME_ZONE (UTC in these tests).
OFFSETS = {"Z": 0, "+00:00": 0, "+14:00": 840, "+09:00": 540, "+05:45": 345, "-03:30": -210, "-11:00": -660, "": 0}
ANCHORS = [datetime(1, 1, 1), datetime(1970, 1, 1), datetime(2200, 1, 1), datetime(9999, 12, 31, 23, 59)]
NOW = datetime(2027, 2, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def search():
    acme = TeamFactory(name="Acme")
    return TeamFactory(name="Search", parent=TeamFactory(name="Engineering", parent=acme))


@pytest.fixture
def machine():
    _, secret = services.api_token_create(name="CI exporter", created_by=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(machine, kind: str, *rows):
    return machine.post(reverse(f"api-{kind}"), json.dumps({"values": list(rows)}), content_type="application/json")


@st.composite
def written_times(draw, *, offsets=OFFSETS) -> tuple[str, datetime | None]:
    """An ISO 8601 time as a client writes it, near a limit, and the moment it means (None beyond a datetime)."""
    anchor = draw(st.sampled_from(ANCHORS))
    try:
        wall = anchor + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)))
    except OverflowError:
        wall = anchor
    offset = draw(st.sampled_from(sorted(offsets)))
    try:
        moment = wall.replace(tzinfo=UTC) - timedelta(minutes=offsets[offset])
    except OverflowError:
        moment = None
    return f"{wall.year:04d}-{wall:%m-%dT%H:%M:%S}{offset}", moment


def forget_events(team) -> None:
    """Start a generated example afresh: each example's events alone (a deployment in 2199 after one in 1970
    would mark, and recompute, every week between: right, but slow)."""
    for model in (Change, Deployment, Incident, DoraDirty, MetricValue):
        model.objects.filter(team=team).delete()


def accepted(moment: datetime | None) -> bool:
    return moment is not None and time_limits.accepts(moment)


def recorded(text: str, moment: datetime | None) -> bool:
    """Return whether the API records a time written so: with its offset, accepted, and not ahead of now."""
    offset = any(text.endswith(offset) for offset in OFFSETS if offset)
    return accepted(moment) and offset and moment <= NOW + CLOCK_SKEW


# The API's event rows: the report's examples


@pytest.mark.parametrize(
    ("kind", "row", "field"),
    [
        # .NET's default(DateTime): accepted, then dora_recompute failed for good (OverflowError)
        ("changes", {"sha": SHA, "authored_at": "0001-01-01T00:00:00", "merged_at": "2026-11-23T09:00:00Z"},
         "authored_at"),
        ("incidents", {"id": "old-1", "opened_at": "0001-01-01T00:00:00Z"}, "opened_at"),  # a 500
        ("incidents", {"id": "old-2", "opened_at": "0001-01-03T00:00:00+05:00"}, "opened_at"),  # a 500
        ("deployments", {"id": "fut-1", "finished_at": "9999-12-31T23:00:00Z"}, "finished_at"),  # a 500
        ("deployments", {"id": "fut-2", "finished_at": "9999-12-31T23:00:00-05:00"}, "finished_at"),  # a bare 400
        ("changes", {"sha": SHA, "merged_at": "9999-12-31T23:30:00Z"}, "merged_at"),  # a 500
        ("incidents", {"id": "i", "opened_at": "2026-11-20T10:00:00Z", "updated_at": "9999-01-01T00:00:00Z"},
         "updated_at"),
        ("incidents", {"id": "i", "opened_at": "1969-12-31T23:59:59Z"}, "opened_at"),
    ],
)  # fmt: skip
def test_an_event_row_with_a_time_outside_the_accepted_ones_is_refused_naming_row_and_field(
    machine, search, kind, row, field
):
    ok = {"id": "fine", "finished_at": "2026-11-20T10:00:00Z"} if kind == "deployments" else None
    rows = [{"team": TEAM, **ok}] if ok else []
    response = post(machine, kind, *rows, {"team": TEAM, **row})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (len(rows), field)
    assert "is outside the times Align accepts, 1970-01-01 to 2199-12-31 (UTC)" in error["message"]
    assert not (Change.objects.exists() or Deployment.objects.exists() or Incident.objects.exists())
    assert not DoraDirty.objects.exists()


def test_the_refusal_of_a_year_1_time_says_what_it_usually_means(machine, search):
    row = {"team": TEAM, "sha": SHA, "authored_at": "0001-01-01T00:00:00", "merged_at": "2026-11-23T09:00:00Z"}
    [error] = post(machine, "changes", row).json()["errors"]
    assert error["message"] == (
        "“0001-01-01T00:00:00” is outside the times Align accepts, 1970-01-01 to 2199-12-31 (UTC). Year 1 is what "
        "many programs write for a time that was never set (.NET's default DateTime is 0001-01-01T00:00:00)."
    )


def test_a_time_a_zone_carries_past_year_1_is_refused_not_a_500(machine, search, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # a time without an offset is read in TIME_ZONE: 9 hours before year 1
    response = post(machine, "incidents", {"team": TEAM, "id": "x", "opened_at": "0001-01-01T00:30:00"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "opened_at"


def test_the_accepted_times_are_in_the_api_documentation(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).content.decode()
    assert "1970-01-01 to 2199-12-31 (UTC)" in schema


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["deployments", "changes", "incidents"]), written=written_times())
def test_any_event_time_is_stored_and_recomputed_or_refused_never_a_500(machine, search, kind, written):
    text, moment = written
    forget_events(search)
    key = uuid.uuid4().hex
    row = {
        "deployments": {"id": key, "finished_at": text},
        "changes": {"sha": key, "authored_at": text},
        "incidents": {"id": key, "opened_at": text},
    }[kind]
    response = post(machine, kind, {"team": TEAM, **row})
    # then: stored exactly when the time is accepted, has its offset and has happened; refused with a 400 naming
    # the row and field otherwise
    if recorded(text, moment):
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 400, response.content
        [error] = response.json()["errors"]
        assert error["index"] == 0 and error["field"] in row and error["field"] != "id"
    # and: whatever was stored, the team's DORA figures recompute
    services.dora_recompute(team_id=search.id)
    assert not DoraDirty.objects.filter(team=search).exists()


# Metric periods: through the API and the upload


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("0001-01-01", "2026-10-31", "period_start"), ("2026-10-01", "9999-12-31", "period_end")],
)
def test_a_metric_period_outside_the_accepted_dates_is_refused_by_the_api(machine, search, start, end, field):
    value = {"metric": "revenue", "team": TEAM, "period_start": start, "period_end": end, "value": 5}
    response = machine.post(
        reverse("api-metric-values-batch"), json.dumps({"values": [value]}), content_type="application/json"
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, field) and "outside the times Align accepts" in error["message"]
    assert not MetricValue.objects.exists()


@settings(max_examples=300, deadline=None)
@given(
    st.dates()
    | st.sampled_from([date(1969, 12, 31), date(1970, 1, 1), date(2199, 12, 31), date(2200, 1, 1), date(9999, 12, 31)])
)
def test_the_metric_file_reads_a_period_date_exactly_when_it_is_accepted(day):
    text = f"metric,team,period_start,period_end,value\nrevenue,,{day.isoformat()},{day.isoformat()},5\n"
    [row], file_errors = metrics_csv.parse(text)
    assert not file_errors
    if time_limits.accepts_date(day):
        assert row.errors == [] and row.period_start == row.period_end == day
    else:
        assert row.period_start is None and row.period_end is None
        assert row.errors == [
            f"{name} “{day.isoformat()}” is outside the times Align accepts, 1970-01-01 to 2199-12-31 (UTC)."
            + time_limits.outside("", day.year).split("(UTC).", 1)[1]
            for name in ("period_start", "period_end")
        ]


def test_the_metric_upload_names_the_line_and_column_of_a_date_outside_the_accepted_ones(client, search):
    user, _ = manager_of(search, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    text = "metric,team,period_start,period_end,value\nrevenue,Acme,0001-01-01,9999-12-31,5\n"
    response = client.post(
        reverse("feedback:manage_metrics_upload"), {"file": SimpleUploadedFile("m.csv", text.encode())}
    )
    page = response.content.decode()
    assert "period_start “0001-01-01” is outside the times Align accepts" in page
    assert "period_end “9999-12-31” is outside the times Align accepts" in page
    assert not MetricValue.objects.exists()


# GitHub


SECRET = "webhook-secret-for-tests"
REPO = {"full_name": "acme/search-api", "default_branch": "main", "id": 4242}


def deliver(client, event: str, payload: dict):
    body = json.dumps(payload).encode()
    return client.post(
        reverse("webhook-github"),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        HTTP_X_GITHUB_EVENT=event,
        HTTP_X_GITHUB_DELIVERY=uuid.uuid4().hex,
    )


@pytest.fixture
def connected(settings, search):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    Repository.objects.create(full_name=REPO["full_name"], team=search)
    return search


def issue_payload(created_at: str) -> dict:
    issue = {
        "id": 77, "number": 7, "state": "open", "labels": [{"name": "incident"}], "created_at": created_at,
        "updated_at": "2026-11-20T11:00:00Z", "closed_at": None,
    }  # fmt: skip
    return {"action": "opened", "issue": issue, "repository": REPO}


def test_an_issue_created_in_year_1_is_kept_raw_and_ignored_naming_the_field(client, connected):
    # as any well-formed event that contradicts a rule (GitHub would redeliver it unchanged): kept, not counted
    response = deliver(client, "issues", issue_payload("0001-01-01T00:00:00Z"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ignored",
        "detail": "issue.created_at '0001-01-01T00:00:00Z' is outside the times Align accepts, 1970-01-01 to "
        "2199-12-31 (UTC): the delivery is kept, and nothing of it counts.",
    }
    assert RawEvent.objects.filter(event="issues").count() == 1
    assert not Incident.objects.exists() and not DoraDirty.objects.exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # GitHub always writes an offset (a time without one is refused as malformed, whatever its year)
    written=written_times(offsets={offset: minutes for offset, minutes in OFFSETS.items() if offset}),
    event=st.sampled_from(["push", "deployment_status", "pull_request", "issues"]),
)
def test_any_payload_time_is_recorded_or_refused_never_a_500(client, connected, written, event):
    text, moment = written
    forget_events(connected)
    key = uuid.uuid4().int % 10**9
    sha = uuid.uuid4().hex + "00000000"
    payload = {
        "push": {"ref": "refs/heads/main", "repository": REPO, "commits": [{"id": sha, "timestamp": text}]},
        "deployment_status": {
            "deployment_status": {"state": "success", "created_at": text, "updated_at": text},
            "deployment": {"id": key, "sha": sha, "environment": "production"}, "repository": REPO,
        },
        "pull_request": {"action": "closed", "repository": REPO,
                         "pull_request": {"merged": True, "merge_commit_sha": sha, "merged_at": text,
                                          "base": {"ref": "main"}}},
        "issues": {"action": "opened", "repository": REPO, "issue": {
            "id": key, "state": "open", "labels": [{"name": "incident"}], "created_at": text, "updated_at": text}},
    }[event]  # fmt: skip
    response = deliver(client, event, payload)
    assert response.status_code == 200, response.content
    if not accepted(moment):
        assert (
            response.json()["status"] == "ignored" and "is outside the times Align accepts" in response.json()["detail"]
        )
    elif moment > NOW + CLOCK_SKEW:
        assert response.json()["status"] == "ignored" and "is later than now" in response.json()["detail"]
    else:
        assert response.json()["status"] == "recorded"
    services.dora_recompute(team_id=connected.id)
    assert not DoraDirty.objects.filter(team=connected).exists()


# The Django admin


def test_the_django_admin_refuses_event_times_and_metric_periods_outside_the_accepted_ones(client, search):
    client.force_login(UserFactory(username="root@example.com", is_staff=True, is_superuser=True))
    deployment = {
        "team": search.id, "source": "api", "external_id": "d", "environment": "production",
        "finished_at_0": "9999-12-31", "finished_at_1": "23:00", "shas": "[]",
        "state_at_0": "2026-11-20", "state_at_1": "10:00",
    }  # fmt: skip
    response = client.post(reverse("admin:feedback_deployment_add"), deployment)
    assert response.status_code == 200 and "is outside the times Align accepts" in response.content.decode()
    metric = {
        "metric": 1, "team": search.id, "period_start": "0001-01-01", "period_end": "2026-10-31", "value": 5,
        "source": "manual",
    }  # fmt: skip
    response = client.post(reverse("admin:feedback_metricvalue_add"), metric)
    assert response.status_code == 200 and "is outside the times Align accepts" in response.content.decode()
    assert not Deployment.objects.exists() and not MetricValue.objects.exists()


# The DORA recomputation with rows stored before the check (existing databases)


def figures_of(team, week: date) -> dict:
    return dict(MetricValue.objects.filter(team=team, period_start=week).values_list("metric__key", "value"))


def test_weeks_outside_the_accepted_times_are_left_out_with_a_warning_and_the_rest_recomputed(search, caplog):
    # given: what the report's year-1 change left behind (weeks 0001-01-01 to 0001-01-29), a week in 9999, and a
    # real deployment in the week of 23 November 2026
    Change.objects.create(
        team=search, sha=SHA, authored_at=datetime(1, 1, 1, tzinfo=UTC), merged_at=datetime(2026, 11, 23, 9, tzinfo=UTC)
    )
    DoraDirty.objects.bulk_create(
        [DoraDirty(team=search, week_start=date(1, 1, 1) + timedelta(weeks=n)) for n in range(5)]
        + [DoraDirty(team=search, week_start=date(9999, 12, 27))]
    )
    monday_after = datetime(2026, 11, 24, 12, tzinfo=UTC)
    services.deployment_record(team=search, external_id="d1", finished_at=monday_after, shas=[SHA])
    # when
    with caplog.at_level(logging.WARNING, logger="feedback.services.delivery"):
        services.dora_recompute(team_id=search.id)
    # then: nothing waits any more (it failed and rolled back, every sweep), the real week has its figures
    assert not DoraDirty.objects.exists()
    assert figures_of(search, date(2026, 11, 23))["deployment-frequency"] == 1.0
    [warning] = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert warning == (
        f"DORA recomputation of team {search.id} left out 5 week(s) from 0001-01-01 to 0001-01-29: outside the "
        "times Align accepts, 1970-01-01 to 2199-12-31 (UTC)."
    )
    # and: the week in 9999, which no event accepted now can lie in, is dropped, never computed
    [warning] = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert warning == (
        f"DORA recomputation of team {search.id} dropped 1 week(s) from 9999-12-27 to 9999-12-27: not begun (the "
        "current week is 2027-02-01), and no event accepted now lies in them."
    )


def test_a_cycle_extended_to_9999_before_the_check_no_longer_stops_every_teams_recomputation(search, caplog):
    # given: the report's open demo cycle, extended to 9999-12-31 23:00 (now refused by the Extend form)
    cycle = CycleFactory(teams=[search], opens_at=datetime(2026, 11, 16, 9, tzinfo=UTC))
    Cycle.objects.filter(id=cycle.id).update(state=Cycle.State.OPEN, closes_at=datetime(9999, 12, 31, 23, tzinfo=UTC))
    services.deployment_record(team=search, external_id="billing-1", finished_at=datetime(2026, 11, 30, 12, tzinfo=UTC))
    # when
    with caplog.at_level(logging.WARNING, logger="feedback.services.delivery"):
        services.dora_recompute(team_id=search.id)
    # then: the weeks are computed; the cycle's window is left out, said in the log
    assert not DoraDirty.objects.exists()
    assert figures_of(search, date(2026, 11, 30))["deployment-frequency"] == 1.0
    assert any(f"left out cycle {cycle.id}" in r.getMessage() for r in caplog.records)


def test_recording_beside_stored_rows_in_year_1_and_9999_never_overflows(search):
    # given: rows stored before the check, at both ends
    Change.objects.create(team=search, sha="a" * 40, authored_at=datetime(1, 1, 1, tzinfo=UTC))
    Change.objects.create(team=search, sha="b" * 40, merged_at=datetime(9999, 12, 31, 23, 30, tzinfo=UTC))
    year_9999, year_1 = datetime(9999, 12, 31, 23, tzinfo=UTC), datetime(1, 1, 3, tzinfo=UTC)
    Deployment.objects.create(team=search, external_id="far", finished_at=year_9999, state_at=year_9999)
    Incident.objects.create(team=search, external_id="old", opened_at=year_1, state_at=year_1)
    # when: ordinary events arrive that touch them (a deployment listing the year-1 commit, a correction of the
    # 9999 deployment, the 9999 change completed, the year-1 incident updated)
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    services.deployment_record(team=search, external_id="d1", finished_at=now, shas=["a" * 40, "b" * 40])
    services.deployment_record(
        team=search, external_id="far", finished_at=now, updated_at=year_9999 + timedelta(minutes=30)
    )
    services.change_record(team=search, sha="b" * 40, authored_at=now)
    services.incident_record(team=search, external_id="old", opened_at=now, updated_at=now + timedelta(hours=1))
    services.dora_recompute(team_id=search.id)
    # then: only weeks Align can compute were marked, and all were computed
    assert not DoraDirty.objects.exists()
    assert figures_of(search, date(2026, 11, 23))["deployment-frequency"] == 2.0


def test_the_report_s_scenario_end_to_end_through_the_api(machine, search):
    # the year-1 change is refused; the same change with its real time is stored; the weeks recompute
    year_1 = {"team": TEAM, "sha": SHA, "authored_at": "0001-01-01T00:00:00", "merged_at": "2026-11-23T09:00:00Z"}
    assert post(machine, "changes", year_1).status_code == 400
    assert post(machine, "changes", {**year_1, "authored_at": None}).json() == {"recorded": 1, "unchanged": 0}
    deployed = {"team": TEAM, "id": "d1", "finished_at": "2026-11-23T15:00:00Z", "shas": [SHA]}
    assert post(machine, "deployments", deployed).status_code == 200
    services.dora_recompute(team_id=search.id)
    assert figures_of(search, date(2026, 11, 23))["lead-time"] == 6.0
    assert min(DoraDirty.objects.values_list("week_start", flat=True), default=None) is None
    assert time_limits.accepts(Change.objects.get().committed_at)
