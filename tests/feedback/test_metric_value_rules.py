"""What a metric value may be, wherever it comes in (the API batch and the CSV upload share one rule,
`feedback.services.metrics`): a period that has begun, a period that does not overlap another for the same metric and
team (unless one lies inside the other and they are of different kinds: months within a quarter), and a share in %
between 0 and 100.

An outside tester found {"period_start": "2199-12-01", "period_end": "2199-12-31"} accepted and plotted as "so far"
at 2199; a calendar month 2026-11-01..30 stored next to a "month" 2026-11-03..30, both on one per-month line; and
churn rates of -5 and 250.

Time is frozen at NOW: Tuesday 1 December 2026, 05:00 UTC.
"""

import itertools
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import services
from feedback.models import MetricDefinition, MetricValue
from feedback.periods import period_kind
from feedback.services.metrics import MetricRow
from surveys.models import Person
from tests.factories import TeamFactory, manager_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
BATCH = reverse("api-metric-values-batch")
UPLOAD = reverse("feedback:manage_metrics_upload")
HEADER = "metric,team,period_start,period_end,value\n"
EXAMINE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def frozen(time_machine, settings):
    settings.TIME_ZONE = "UTC"
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def acme():
    acme = TeamFactory(name="Acme")
    TeamFactory(name="Data", parent=acme)
    return acme


@pytest.fixture
def machine(client, acme):
    _, secret = services.api_token_create(name="CI exporter", created_by=None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


@pytest.fixture
def alice(client, acme):
    """Alice is an admin of Acme: she uploads metric files."""
    user, _ = manager_of(acme, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user


def post(client, *values):
    return client.post(BATCH, data=json.dumps({"values": list(values)}), content_type="application/json")


def row(**overrides):
    value = {"metric": "revenue", "team": "Acme", "period_start": "2026-10-01", "period_end": "2026-10-31", "value": 5}
    return value | overrides


def upload_problems(client, text: str) -> tuple[int, dict[str, str]]:
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("m.csv", text.encode())})
    page = response.content.decode()
    return response.status_code, dict(
        re.findall(r"<tr><td>(\d+)</td><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td></tr>", page)
    )


def plan(*rows: MetricRow):
    return services.metric_values_plan(rows=list(rows))


def stored() -> set[tuple]:
    return set(MetricValue.objects.values_list("metric__key", "team__name", "period_start", "period_end", "value"))


# A period that has not begun


def test_the_tester_s_value_for_december_2199_is_refused_naming_row_and_field(machine):
    response = post(machine, row(period_start="2199-12-01", period_end="2199-12-31"))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, "period_start")
    assert error["message"] == (
        "The period starts on 2199-12-01, after today (2026-12-01 on the organisation's clock, UTC): a value can be "
        "sent once its period has begun."
    )
    assert not MetricValue.objects.exists()


def test_a_period_that_began_today_takes_its_value_so_far_and_one_from_tomorrow_is_refused(machine):
    assert post(machine, row(period_start="2026-12-01", period_end="2026-12-31")).json() == {"created": 1, "updated": 0}
    response = post(
        machine,
        row(period_start="2026-11-01", period_end="2026-11-30"),
        row(period_start="2026-12-02", period_end="2026-12-31"),
    )
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "period_start")]
    assert MetricValue.objects.count() == 1  # all or nothing: November was not written either


@pytest.mark.parametrize(
    ("zone", "accepted"),
    [("Pacific/Auckland", True), ("UTC", True), ("America/Los_Angeles", False)],  # 18:00, 05:00, 21:00 the day before
)
def test_today_is_read_on_the_organisation_s_clock(settings, acme, zone, accepted):
    settings.TIME_ZONE = zone
    _, _, errors = plan(MetricRow("revenue", "Acme", date(2026, 12, 1), date(2026, 12, 31), 5.0))
    assert (errors == []) is accepted


@EXAMINE
@given(start=st.dates(min_value=date(1970, 1, 1), max_value=date(2199, 12, 31)), days=st.integers(0, 400))
def test_a_period_is_accepted_exactly_when_it_has_begun(acme, start, days):
    end = min(start + timedelta(days=days), date(2199, 12, 31))
    _, _, errors = plan(MetricRow("revenue", "Acme", start, end, 1.0))
    assert [(e.index, e.field) for e in errors] == ([] if start <= TODAY else [(0, "period_start")])


def test_the_upload_names_the_line_of_a_period_that_has_not_begun(client, alice):
    status, problems = upload_problems(
        client, HEADER + "revenue,Acme,2026-11-01,2026-11-30,5\nrevenue,Acme,2199-12-01,2199-12-31,5\n"
    )
    assert status == 400 and set(problems) == {"3"}
    assert problems["3"].startswith("The period starts on 2199-12-01, after today (2026-12-01")
    assert not MetricValue.objects.exists()


# Overlapping periods of one kind


def test_the_tester_s_calendar_month_next_to_a_stored_month_from_the_3rd_is_refused_naming_it(machine):
    assert post(machine, row(period_start="2026-11-03", period_end="2026-11-30")).status_code == 200
    response = post(machine, row(period_start="2026-11-01", period_end="2026-11-30", value=7))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, "period_start")
    assert error["message"] == (
        "The period 2026-11-01 to 2026-11-30 overlaps the stored period 2026-11-03 to 2026-11-30, for the same metric "
        "and team: both would be counted for the days they share. Use the same periods (send that period itself to "
        "replace its value)."
    )
    assert stored() == {("revenue", "Acme", date(2026, 11, 3), date(2026, 11, 30), 5.0)}


def test_the_identical_period_replaces_its_value(machine):
    post(machine, row(period_start="2026-11-03", period_end="2026-11-30"))
    response = post(machine, row(period_start="2026-11-03", period_end="2026-11-30", value=7))
    assert response.json() == {"created": 0, "updated": 1}
    assert stored() == {("revenue", "Acme", date(2026, 11, 3), date(2026, 11, 30), 7.0)}


def test_overlapping_periods_in_one_batch_are_both_refused(machine):
    response = post(
        machine,
        row(period_start="2026-11-01", period_end="2026-11-30"),
        row(period_start="2026-11-03", period_end="2026-11-30"),
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(0, "period_start"), (1, "period_start")]
    assert "overlaps the period 2026-11-03 to 2026-11-30 of another row sent with it" in errors[0]["message"]
    assert not MetricValue.objects.exists()


def test_months_and_a_quarter_other_teams_metrics_and_the_organisation_do_not_collide(machine):
    # a quarter is never added to months (feedback.periods): the README's "an upload may mix months and quarters"
    response = post(
        machine,
        row(period_start="2026-10-01", period_end="2026-10-31"),
        row(period_start="2026-11-01", period_end="2026-11-30"),
        row(period_start="2026-10-01", period_end="2026-12-31"),
        row(period_start="2026-10-03", period_end="2026-10-30", team="Acme/Data"),
        row(period_start="2026-10-03", period_end="2026-10-30", team=None),
        row(period_start="2026-10-03", period_end="2026-10-30", metric="nps"),
    )
    assert response.json() == {"created": 6, "updated": 0}
    assert post(machine, row(period_start="2026-10-02", period_end="2026-10-30", team="")).status_code == 400


def test_the_upload_names_the_stored_period_a_line_overlaps(client, alice, machine):
    post(machine, row(period_start="2026-11-03", period_end="2026-11-30"))
    status, problems = upload_problems(client, HEADER + "revenue,Acme,2026-11-01,2026-11-30,5\n")
    assert status == 400
    assert problems["2"].startswith("The period 2026-11-01 to 2026-11-30 overlaps the stored period 2026-11-03 to")


PERIODS = st.tuples(st.integers(0, 120), st.sampled_from([0, 6, 13, 27, 29, 30, 90])).map(
    lambda p: (date(2026, 6, 1) + timedelta(days=p[0]), date(2026, 6, 1) + timedelta(days=p[0] + p[1]))
)


@EXAMINE
@given(before=st.lists(PERIODS, max_size=6), batch=st.lists(PERIODS, max_size=6, unique=True))
def test_a_new_period_is_refused_exactly_when_it_overlaps_another_without_nesting_in_another_kind(acme, before, batch):
    # given: stored periods, which may overlap each other (stored before this rule)
    MetricValue.objects.all().delete()
    revenue = MetricDefinition.objects.get(key="revenue")
    MetricValue.objects.bulk_create(
        MetricValue(metric=revenue, team=acme, period_start=s, period_end=e, value=1) for s, e in set(before)
    )
    # when
    _, _, errors = plan(*(MetricRow("revenue", "Acme", s, e, 2.0) for s, e in batch))

    # then: an oracle by brute force
    def overlap(a, b):
        nested = (a[0] >= b[0] and a[1] <= b[1]) or (b[0] >= a[0] and b[1] <= a[1])
        return a != b and a[0] <= b[1] and b[0] <= a[1] and not (nested and period_kind(*a) != period_kind(*b))

    everything = set(before) | set(batch)
    expected = [i for i, p in enumerate(batch) if p not in before and any(overlap(p, q) for q in everything)]
    assert [e.index for e in errors] == expected
    assert all(e.field == "period_start" for e in errors)


def test_months_sent_with_exclusive_end_dates_are_refused_saying_the_end_is_the_last_day(machine):
    # round 6: 2023-01-01 to 2023-02-01, then 2023-02-01 to 2023-03-01: 32-day and month-long periods by turns,
    # two kinds, so the overlap went unseen and half the months were left off the month line
    months = [date(2023, m, 1) for m in range(1, 8)]
    rows = [row(metric="churn-rate", period_start=a.isoformat(), period_end=b.isoformat(), value=2)
            for a, b in itertools.pairwise(months)]  # fmt: skip
    response = post(machine, *rows)
    assert response.status_code == 400 and not MetricValue.objects.exists()
    errors = response.json()["errors"]
    assert errors and all("The end date is the period's last day" in e["message"] for e in errors)


# Shares in %


def test_the_tester_s_churn_rates_of_minus_5_and_250_are_refused(machine):
    response = post(machine, row(metric="churn-rate", value=-5), row(metric="churn-rate", team="Acme/Data", value=250))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(0, "value"), (1, "value")]
    assert errors[1]["message"].startswith("“churn-rate” is measured in % (a share, 0 to 100), so 250 cannot be")
    assert not MetricValue.objects.exists()


@EXAMINE
@given(
    value=st.floats(min_value=-1e20, max_value=1e20) | st.sampled_from([0.0, -0.0, 100.0, 100.00000000000001, -1e-300])
)
def test_a_custom_metric_in_percent_takes_exactly_the_values_from_0_to_100(acme, value):
    MetricDefinition.objects.get_or_create(key="uptime", defaults={"name": "Uptime", "unit": "%"})
    MetricDefinition.objects.get_or_create(key="growth", defaults={"name": "Growth", "unit": "% change"})
    _, _, errors = plan(
        MetricRow("uptime", "Acme", date(2026, 10, 1), date(2026, 10, 31), value),
        MetricRow("churn-rate", "Acme", date(2026, 10, 1), date(2026, 10, 31), value),
        MetricRow("growth", "Acme", date(2026, 10, 1), date(2026, 10, 31), value),
    )
    assert [(e.index, e.field) for e in errors] == ([] if 0 <= value <= 100 else [(0, "value"), (1, "value")])


def test_the_upload_refuses_a_share_beyond_100_written_with_or_without_its_sign(client, alice):
    text = HEADER + "churn-rate,Acme,2026-10-01,2026-10-31,250%\nchurn-rate,Acme/Data,2026-10-01,2026-10-31,-5\n"
    text += "churn-rate,,2026-10-01,2026-10-31,5%\n"
    status, problems = upload_problems(client, text)
    assert status == 400 and set(problems) == {"2", "3"}
    assert "so 250 cannot be one of its values" in problems["2"] and "so -5 cannot be" in problems["3"]
