"""Delivery events are past events, and DORA figures are computed for no week that has not begun: a deployment
dated 2199-12-31 (or 2062 for 2026) was accepted and made one recomputation write ~12,000 weeks of "0 deploys/week"
still to come. Also: API times must carry their offset, and a pull request counts only when merged into the
default branch.

Time is frozen at NOW, a Tuesday, so that "now" and the current week (Monday 30 November 2026) are fixed.
"""

import hashlib
import hmac
import json
import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import charts, services, tables
from feedback.models import Change, Deployment, DoraDirty, Incident, MetricValue, RawEvent, Repository
from feedback.selectors.metrics import metric_timeline, period_ended
from feedback.services.delivery import CLOCK_SKEW, dora_dirty_teams
from surveys.models import Cycle
from tests.factories import CycleFactory, TeamFactory
from tests.feedback.test_accepted_times import REPO, SECRET, deliver

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
CURRENT_WEEK = date(2026, 11, 30)
TEAM = "Acme/Search"
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def search():
    return TeamFactory(name="Search", parent=TeamFactory(name="Acme"))


@pytest.fixture
def machine(client):
    _, secret = services.api_token_create(name="CI exporter", created_by=None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


@pytest.fixture
def connected(settings, search):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    Repository.objects.create(full_name=REPO["full_name"], team=search)
    return search


def post(machine, kind: str, *rows):
    return machine.post(reverse(f"api-{kind}"), json.dumps({"values": list(rows)}), content_type="application/json")


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def dora_weeks(team) -> list[date]:
    return sorted(
        set(
            MetricValue.objects.filter(team=team, metric__key="deployment-frequency").values_list(
                "period_start", flat=True
            )
        )
    )


# 1. Times ahead of now: the API


# Every date-time field of every delivery row, with the rest of a valid row around it.
EVENT_FIELDS = [
    ("deployments", "finished_at", {"id": "d1", "finished_at": "2026-11-30T10:00:00Z"}),
    ("deployments", "updated_at", {"id": "d1", "finished_at": "2026-11-30T10:00:00Z"}),
    ("changes", "authored_at", {"sha": SHA}),
    ("changes", "merged_at", {"sha": SHA}),
    ("incidents", "opened_at", {"id": "i1"}),
    ("incidents", "resolved_at", {"id": "i1", "opened_at": "2026-11-30T10:00:00Z"}),
    ("incidents", "updated_at", {"id": "i1", "opened_at": "2026-11-30T10:00:00Z"}),
]


@pytest.mark.parametrize(("kind", "field", "row"), EVENT_FIELDS)
def test_the_report_s_2199_deployment_and_any_event_time_ahead_of_now_is_refused_naming_row_and_field(
    machine, search, kind, field, row
):
    fine = {"team": TEAM, "id": "fine", "finished_at": "2026-11-30T09:00:00Z"}
    before = [fine] if kind == "deployments" else []  # the refused row need not be the first
    response = post(machine, kind, *before, {"team": TEAM, **row, field: "2199-12-31T23:59:59Z"})
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (1 if kind == "deployments" else 0, field)
    assert error["message"] == (
        "“2199-12-31T23:59:59Z” is later than now (2026-12-01T05:00:00Z): delivery events are recorded once they "
        "have happened, and a sender's clock may run at most 1 hour ahead of Align's (a mistyped year?)."
    )
    assert not (Deployment.objects.exists() or Change.objects.exists() or Incident.objects.exists())
    assert not DoraDirty.objects.exists()


def test_a_year_typed_2062_for_2026_is_refused_too(machine, search):
    response = post(machine, "deployments", {"team": TEAM, "id": "d1", "finished_at": "2062-11-30T10:00:00+01:00"})
    assert response.status_code == 400
    assert "later than now" in response.json()["errors"][0]["message"]


def test_a_local_time_sent_as_utc_from_west_of_greenwich_is_refused_with_what_it_likely_is(machine, search):
    # 05:00 UTC is midnight in New York: a CI there writing its 07:30 local time as Z sends 12:30Z
    response = post(machine, "incidents", {"team": TEAM, "id": "i1", "opened_at": "2026-12-01T07:30:00Z"})
    [error] = response.json()["errors"]
    assert error["message"].endswith("(a local time written with another zone's offset, or as Z?).")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind_field=st.sampled_from(EVENT_FIELDS),
    ahead=st.one_of(
        st.timedeltas(min_value=-timedelta(days=30), max_value=timedelta(hours=3)),
        st.sampled_from([CLOCK_SKEW, CLOCK_SKEW + timedelta(seconds=1), timedelta(0)]),
        st.timedeltas(min_value=timedelta(days=1), max_value=timedelta(days=365 * 170)),
    ),
    offset=st.sampled_from([0, 60, -300, 345, 840, -660]),
)
def test_an_event_time_is_recorded_exactly_when_it_is_at_most_the_clock_skew_ahead_of_now(
    machine, search, kind_field, ahead, offset
):
    # given: a time `ahead` of now (whole seconds), written with an offset of `offset` minutes
    kind, field, row = kind_field
    for model in (Change, Deployment, Incident, DoraDirty):
        model.objects.all().delete()
    moment = NOW + timedelta(seconds=int(ahead.total_seconds()))
    zone = timedelta(minutes=offset)
    sign = "-" if offset < 0 else "+"
    written = (moment + zone).strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    row = {"team": TEAM, **row, field: written}
    if field in ("updated_at", "resolved_at"):  # an earlier time beside it, so that only this one can be wrong
        row[{"deployments": "finished_at", "incidents": "opened_at"}[kind]] = "2026-10-01T10:00:00Z"
    # when
    response = post(machine, kind, row)
    # then: recorded up to CLOCK_SKEW ahead, refused naming the row and field beyond it
    if moment <= NOW + CLOCK_SKEW:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 400, response.content
        [error] = response.json()["errors"]
        assert (error["index"], error["field"]) == (0, field) and "is later than now" in error["message"]
        assert not DoraDirty.objects.exists()


# 1. Times ahead of now: GitHub


def github_payloads(moment: str) -> dict[str, tuple[str, dict]]:
    """One payload per event that carries a time, the time at `moment`, keyed by the field named in refusals."""
    issue = {"id": 77, "number": 7, "state": "closed", "labels": [{"name": "incident"}],
             "created_at": "2026-11-30T09:00:00Z", "updated_at": "2026-11-30T11:00:00Z",
             "closed_at": "2026-11-30T11:00:00Z"}  # fmt: skip
    status = {"state": "success", "created_at": moment, "updated_at": moment}
    return {
        "deployment_status.updated_at": ("deployment_status", {
            "deployment_status": status, "repository": REPO,
            "deployment": {"id": 5, "sha": SHA, "environment": "production"}}),
        "commits[0].timestamp": ("push", {
            "ref": "refs/heads/main", "repository": REPO, "commits": [{"id": SHA, "timestamp": moment}]}),
        "pull_request.merged_at": ("pull_request", {"action": "closed", "repository": REPO, "pull_request": {
            "merged": True, "merge_commit_sha": SHA, "merged_at": moment, "base": {"ref": "main"}}}),
        "issue.created_at": ("issues", {"action": "opened", "repository": REPO, "issue": {
            **issue, "state": "open", "closed_at": None, "created_at": moment, "updated_at": moment}}),
        "issue.closed_at": ("issues", {"action": "closed", "repository": REPO, "issue": {
            **issue, "closed_at": moment, "updated_at": moment}}),
        "issue.updated_at": ("issues", {"action": "labeled", "repository": REPO, "issue": {
            **issue, "updated_at": moment}}),
    }  # fmt: skip


@pytest.mark.parametrize("field", list(github_payloads("")))
def test_a_github_event_dated_ahead_of_now_is_kept_raw_and_ignored_naming_the_field(client, connected, field):
    event, payload = github_payloads("2199-12-31T23:59:59Z")[field]
    response = deliver(client, event, payload)
    # then: as any other well-formed event that contradicts a rule: kept, answered "ignored", nothing counts
    assert response.status_code == 200
    assert response.json() == {
        "status": "ignored",
        "detail": f"{field} '2199-12-31T23:59:59Z' is later than now (2026-12-01T05:00:00Z): delivery events are "
        "recorded once they have happened, and a sender's clock may run at most 1 hour ahead of Align's (a "
        "mistyped year?): the delivery is kept, and nothing of it counts.",
    }
    assert RawEvent.objects.count() == 1
    assert not (Deployment.objects.exists() or Change.objects.exists() or Incident.objects.exists())
    assert not DoraDirty.objects.exists()


@pytest.mark.parametrize("field", list(github_payloads("")))
def test_a_github_event_a_few_minutes_ahead_of_now_still_counts(client, connected, field):
    event, payload = github_payloads(stamp(NOW + timedelta(minutes=5)))[field]
    assert deliver(client, event, payload).json()["status"] == "recorded"


def test_a_delivery_ignored_as_ahead_of_now_counts_when_redelivered_after_its_time(client, connected, time_machine):
    event, payload = github_payloads(stamp(NOW + timedelta(hours=3)))["pull_request.merged_at"]
    body = json.dumps(payload).encode()
    headers = {
        "HTTP_X_HUB_SIGNATURE_256": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "HTTP_X_GITHUB_EVENT": event,
        "HTTP_X_GITHUB_DELIVERY": "same-delivery",
    }
    url = reverse("webhook-github")
    assert client.post(url, body, content_type="application/json", **headers).json()["status"] == "ignored"
    time_machine.move_to(NOW + timedelta(hours=4), tick=False)
    assert client.post(url, body, content_type="application/json", **headers).json() == {"status": "recorded"}
    assert Change.objects.get().merged_at == NOW + timedelta(hours=3)


# 1. The recomputation: no week after the current one, and bounded


def test_the_report_s_far_future_deployment_already_stored_writes_no_week_after_the_current_one(search, caplog):
    # given: a deployment last week, and one in 2199 stored before such times were refused, marked the old way
    services.deployment_record(team=search, external_id="d1", finished_at=datetime(2026, 11, 25, 10, tzinfo=UTC))
    far = datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)
    Deployment.objects.create(team=search, external_id="far", finished_at=far, state_at=far)
    DoraDirty.objects.bulk_create(
        (DoraDirty(team=search, week_start=CURRENT_WEEK + timedelta(weeks=n)) for n in range(9000)),
        ignore_conflicts=True,
    )
    # when
    with caplog.at_level(logging.WARNING, logger="feedback.services.delivery"):
        services.dora_recompute(team_id=search.id)
    # then: last week and the current one are computed; the marks for weeks not begun are dropped, said in the log
    assert dora_weeks(search) == [date(2026, 11, 23), CURRENT_WEEK]
    assert not DoraDirty.objects.exists()
    [warning] = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert warning == (
        f"DORA recomputation of team {search.id} dropped 8999 week(s) from 2026-12-07 to 2199-05-20: not begun (the "
        "current week is 2026-11-30), and no event accepted now lies in them."
    )


def test_correcting_a_far_future_deployment_marks_weeks_only_up_to_a_few_weeks_ahead(search):
    # given: the 2199 deployment stored before, after a real one
    services.deployment_record(team=search, external_id="d0", finished_at=datetime(2026, 11, 2, 10, tzinfo=UTC))
    far = datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)
    Deployment.objects.create(team=search, external_id="far", finished_at=far, state_at=NOW - timedelta(days=1))
    DoraDirty.objects.all().delete()
    # when: its sender corrects it to the right time
    services.deployment_record(
        team=search, external_id="far", finished_at=datetime(2026, 11, 30, 12, tzinfo=UTC), updated_at=NOW
    )
    # then: weeks from the deployment before it to the current one, not to 2199
    marked = sorted(DoraDirty.objects.values_list("week_start", flat=True))
    assert marked == [date(2026, 11, 2) + timedelta(weeks=n) for n in range(5)] and marked[-1] == CURRENT_WEEK
    services.dora_recompute(team_id=search.id)
    assert dora_weeks(search)[-1] == CURRENT_WEEK
    assert (
        MetricValue.objects.get(team=search, metric__key="deployment-frequency", period_start=CURRENT_WEEK).value == 1
    )


def test_figures_stored_for_weeks_not_begun_are_removed(search):
    # given: "0 deploys/week" filed before the fix for next week (marked within REACH after an event) and for 2199
    services.deployment_record(team=search, external_id="d1", finished_at=datetime(2026, 11, 30, 10, tzinfo=UTC))
    for week in (date(2026, 12, 7), date(2199, 12, 30)):
        services.metric_values_write(
            values=[("deployment-frequency", search.id, week, week + timedelta(days=6), 0.0)], source="dora"
        )
    # when
    services.dora_recompute(team_id=search.id)
    # then: no figure for a week not begun, and nothing waits
    assert dora_weeks(search) == [CURRENT_WEEK]
    assert not DoraDirty.objects.exists() and dora_dirty_teams() == []


def test_an_event_within_the_clock_skew_in_next_week_is_counted_once_that_week_begins(search, time_machine):
    # given: Sunday 23:30, and a deployment stamped Monday 00:15 by a clock running 45 minutes ahead
    sunday = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    time_machine.move_to(sunday, tick=False)
    services.deployment_record(team=search, external_id="d1", finished_at=sunday + timedelta(minutes=45))
    services.dora_recompute(team_id=search.id)
    # then: Monday's week waits, and the sweep leaves the team alone until it begins
    assert date(2026, 12, 7) not in dora_weeks(search)
    assert list(DoraDirty.objects.values_list("week_start", flat=True)) == [date(2026, 12, 7)]
    assert dora_dirty_teams() == []
    # when: Monday begins
    time_machine.move_to(sunday + timedelta(hours=1), tick=False)
    assert dora_dirty_teams() == [search.id]
    services.dora_recompute(team_id=search.id)
    # then
    assert (
        MetricValue.objects.get(team=search, metric__key="deployment-frequency", period_start=date(2026, 12, 7)).value
        == 1
    )


def test_a_cycle_that_has_not_opened_gets_no_figures_and_an_open_one_keeps_them(search):
    # given: a cycle opened today, and one (wrongly not "scheduled") opening tomorrow
    for opens in (datetime(2026, 12, 1, 1, tzinfo=UTC), datetime(2026, 12, 2, 9, tzinfo=UTC)):
        CycleFactory(teams=[search], opens_at=opens, closes_at=opens + timedelta(days=14), state=Cycle.State.OPEN)
    services.deployment_record(team=search, external_id="d1", finished_at=datetime(2026, 12, 1, 3, tzinfo=UTC))
    services.dora_recompute(team_id=search.id)
    starts = set(MetricValue.objects.filter(team=search).values_list("period_start", flat=True))
    assert starts == {CURRENT_WEEK, date(2026, 12, 1)}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    previous=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC)),
    stored=st.datetimes(min_value=datetime(2026, 12, 1), max_value=datetime(2199, 12, 31), timezones=st.just(UTC)),
)
def test_no_stored_event_makes_a_recomputation_write_a_week_after_the_current_one(search, previous, stored):
    # given: any past deployment, and one stored at any time ahead of now (before such times were refused)
    for model in (Deployment, DoraDirty, MetricValue):
        model.objects.filter(team=search).delete()
    Deployment.objects.create(team=search, external_id="far", finished_at=stored, state_at=stored)
    # when: a deployment arrives after the past one, and the team is recomputed
    services.deployment_record(team=search, external_id="p", finished_at=previous)
    services.deployment_record(team=search, external_id="now", finished_at=NOW - timedelta(minutes=1))
    services.dora_recompute(team_id=search.id)
    # then: weeks up to the current one only, at most one per week since 1970; nothing due is left waiting
    weeks = dora_weeks(search)
    assert weeks[-1] == CURRENT_WEEK and len(weeks) <= (CURRENT_WEEK - date(1969, 12, 29)).days // 7 + 1
    assert not DoraDirty.objects.exists()


# 2. Times without an offset, week dates and dates are not date-times


@pytest.mark.parametrize(("kind", "field", "row"), EVENT_FIELDS)
@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("2026-03-29T02:30:00", "“2026-03-29T02:30:00” has no time zone: add its offset or Z, such as "
         "2026-03-29T02:30:00Z or 2026-03-29T04:30:00+02:00. Align does not guess the sender's zone."),
        ("2026-W13-1", "Send a date and time with its offset or Z, such as 2026-03-29T02:30:00Z or "
         "2026-03-29T04:30:00+02:00."),
        ("2026-03-29", "Send a date and time with its offset or Z, such as 2026-03-29T02:30:00Z or "
         "2026-03-29T04:30:00+02:00."),
        ("2026-088T02:30:00Z", "Send a date and time with its offset or Z, such as 2026-03-29T02:30:00Z or "
         "2026-03-29T04:30:00+02:00."),
    ],
)  # fmt: skip
def test_every_api_event_time_needs_a_date_a_time_and_an_offset(machine, search, kind, field, row, written, message):
    row = {"team": TEAM, **row, field: written}
    if field in ("updated_at", "resolved_at"):
        row[{"deployments": "finished_at", "incidents": "opened_at"}[kind]] = "2026-03-01T10:00:00Z"
    response = post(machine, kind, row)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "field": field, "message": message}]


@pytest.mark.parametrize(
    "written", ["2026-03-29T02:30:00Z", "2026-03-29T04:30:00+02:00", "2026-03-29 04:30+0200", "2026-03-28T21:30-05"]
)
def test_a_time_with_its_offset_is_read_in_that_offset(machine, search, written):
    response = post(machine, "deployments", {"team": TEAM, "id": "d1", "finished_at": written})
    assert response.status_code == 200, response.content
    assert Deployment.objects.get().finished_at == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)


def test_metric_periods_stay_dates(machine, search):
    value = {"metric": "revenue", "team": TEAM, "period_start": "2026-10-01", "period_end": "2026-10-31", "value": 5}
    response = machine.post(
        reverse("api-metric-values-batch"), json.dumps({"values": [value]}), content_type="application/json"
    )
    assert response.status_code == 200, response.content


# 3. A pull request merged into another branch than the default one


def merged_into(base: str, *, default: str = "main") -> dict:
    """A `pull_request` delivery as GitHub's docs show it (action closed, merged), trimmed to what Align reads."""
    return {
        "action": "closed",
        "number": 12,
        "repository": {**REPO, "default_branch": default},
        "pull_request": {
            "number": 12, "state": "closed", "merged": True, "merge_commit_sha": SHA,
            "merged_at": "2026-11-30T10:00:00Z", "base": {"ref": base, "label": f"acme:{base}"},
            "head": {"ref": "feature/login", "label": "acme:feature/login"},
        },
    }  # fmt: skip


def test_the_report_s_pull_request_into_a_feature_branch_is_kept_raw_and_ignored_saying_why(client, connected):
    body = deliver(client, "pull_request", merged_into("feature/experimental")).json()
    why = "pull request merged into feature/experimental, not the default branch main: only merges into it reach"
    assert (body["status"], body["detail"]) == ("ignored", f"{why} production.")
    # then: kept raw, as every delivery is, and nothing of it counts
    assert list(RawEvent.objects.values_list("event", flat=True)) == ["pull_request"]
    assert not Change.objects.exists() and not DoraDirty.objects.exists()


@pytest.mark.parametrize(("base", "default"), [("main", "main"), ("trunk", "trunk"), ("release/2026", "release/2026")])
def test_a_pull_request_merged_into_the_default_branch_is_a_change(client, connected, base, default):
    assert deliver(client, "pull_request", merged_into(base, default=default)).json() == {"status": "recorded"}
    assert Change.objects.get().merged_at == datetime(2026, 11, 30, 10, tzinfo=UTC)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    base=st.sampled_from(["main", "Main", "master", "develop", "main ", "refs/heads/main"])
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=30),
    default=st.sampled_from(["main", "master", "develop"]),
)
def test_a_merged_pull_request_counts_exactly_when_its_base_is_the_default_branch(client, connected, base, default):
    Change.objects.all().delete()
    response = deliver(client, "pull_request", merged_into(base, default=default))
    assert response.status_code == 200
    assert Change.objects.exists() == (base == default)
    assert response.json()["status"] == ("recorded" if base == default else "ignored")


def test_a_push_to_another_branch_says_why_it_is_ignored(client, connected):
    payload = {"ref": "refs/heads/feature/x", "repository": REPO, "commits": [{"id": SHA, "timestamp": stamp(NOW)}]}
    assert deliver(client, "push", payload).json() == {
        "status": "ignored",
        "detail": "refs/heads/feature/x is not the default branch, main: only its commits reach production.",
    }


# 3. A period still running is marked as such wherever its figure leaves Align


def test_the_current_week_s_figure_is_marked_so_far_in_the_timeline_its_table_chart_and_the_api(machine, search):
    # given: two deployments last week and one this week (Monday), recomputed on Tuesday
    for number, day in enumerate((23, 25, 30)):
        finished = datetime(2026, 11, day, 10, tzinfo=UTC)
        services.deployment_record(team=search, external_id=f"d{number}", finished_at=finished)
    services.dora_recompute(team_id=search.id)
    # when
    timeline = metric_timeline(team_ids=[search.id], since=date(2026, 11, 1))
    [series] = [s for s in timeline if s.metric.key == "deployment-frequency"]
    figure = charts.timeline_figure([], [series], scales={})
    table = tables.metrics_table([series])
    listed = machine.get(reverse("api-metric-values"), {"metric": "deployment-frequency"}).json()["results"]
    # then: last week's 2 deploys/week has ended; this week's 1 so far is marked, off the line
    assert [(p.start, p.value, p.ended) for p in series.points] == [
        (date(2026, 11, 23), 2.0, True), (CURRENT_WEEK, 1.0, False)
    ]  # fmt: skip
    line, so_far = figure["data"]
    assert (line["mode"], line["x"], line["y"]) == ("lines", ["2026-11-23"], [2.0])
    assert (so_far["mode"], so_far["x"], so_far["y"]) == ("markers", ["2026-11-30"], [1.0])
    assert so_far["name"].endswith(", so far")
    assert [row[-1] for row in table.rows] == ["yes", "not yet: the value so far"]
    assert [(row["period_start"], row["period_ended"]) for row in listed] == [
        ("2026-11-23", True), ("2026-11-30", False)
    ]  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moment=st.datetimes(min_value=datetime(2026, 11, 28), max_value=datetime(2026, 12, 16), timezones=st.just(UTC)),
    zone=st.sampled_from(["UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Asia/Kolkata"]),
)
def test_a_week_is_marked_so_far_exactly_until_its_sunday_ends_on_the_organisation_s_clock(
    settings, time_machine, moment, zone
):
    # given: the organisation's zone, and a week (Monday 30 November to Sunday 6 December)
    settings.TIME_ZONE = zone
    time_machine.move_to(moment, tick=False)
    # when
    ended = period_ended(date(2026, 12, 6))
    # then: ended once Monday 7 December has begun where the organisation is
    assert ended == (moment >= datetime(2026, 12, 7, tzinfo=ZoneInfo(zone)))
