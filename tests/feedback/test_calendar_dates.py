"""Calendar dates from outside are YYYY-MM-DD and nothing else (issue 20): Python 3.11's date.fromisoformat and
Django's parse_date also read ISO 8601 week dates (2026-W13 → 2026-03-23) and compact dates (20260401), which the
API stored and the CSV preview showed as one-day periods. Every way in — API fields and query parameters, the CSV
upload — refuses them naming the problem."""

import json
import re
from datetime import date

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feedback import metrics_csv
from feedback.models import MetricValue
from feedback.periods import calendar_date
from tests.feedback.test_api import BATCH, machine, post, row, teams  # noqa: F401 (fixtures)

HEADER = "metric,team,period_start,period_end,value\n"
DAYS = st.dates(min_value=date(1970, 1, 1), max_value=date(2199, 12, 31))
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@st.composite
def other_iso_spellings(draw) -> str:
    """Text date.fromisoformat reads as a date that is not written YYYY-MM-DD: a week date or a compact date of any
    day, in any of ISO 8601's forms, or random text of the same characters that it happens to read."""
    day = draw(DAYS)
    year, week, weekday = day.isocalendar()
    spelling = draw(
        st.sampled_from(
            [
                f"{year:04}-W{week:02}",
                f"{year:04}W{week:02}",
                f"{year:04}-W{week:02}-{weekday}",
                f"{year:04}W{week:02}{weekday}",
                day.strftime("%Y%m%d"),
                draw(st.from_regex(r"\A[0-9W-]{7,10}\Z")),
            ]
        )
    )
    try:
        date.fromisoformat(spelling)
    except ValueError:
        assume(False)
    assume(not ISO_DATE.fullmatch(spelling))
    return spelling


def csv_errors(period_start: str, period_end: str = "2026-10-31") -> list[str]:
    rows, file_errors = metrics_csv.parse(f"{HEADER}revenue,Acme,{period_start},{period_end},5\n")
    assert file_errors == []
    return rows[0].errors


# The rule, pure.


@given(day=DAYS)
def test_a_date_written_yyyy_mm_dd_is_read_as_that_day(day):
    assert calendar_date(day.isoformat()) == day


@given(spelling=other_iso_spellings())
def test_every_other_spelling_fromisoformat_reads_is_refused(spelling):
    with pytest.raises(ValueError, match="is not a date like 2026-10-31"):
        calendar_date(spelling)


@pytest.mark.parametrize(
    ("written", "names"),
    [("2026-W13", "week date"), ("2026W13", "week date"), ("2026-W13-1", "week date"), ("20260401", "hyphens")],
)
def test_the_message_names_the_spelling(written, names):
    with pytest.raises(ValueError) as refused:
        calendar_date(written)
    assert f"“{written}” is not a date like 2026-10-31" in str(refused.value) and names in str(refused.value)


def test_a_day_the_calendar_lacks_is_refused_as_such():
    with pytest.raises(ValueError, match="“2026-02-30” does not exist: February 2026 has 28 days"):
        calendar_date("2026-02-30")


# The CSV upload.


@pytest.mark.parametrize("written", ["2026-W13", "2026W13", "20260401"])
def test_the_csv_upload_refuses_a_week_or_compact_date_naming_the_column(written):
    (message,) = csv_errors(written, "2026-10-31")
    assert message.startswith(f"period_start “{written}” is not a date like 2026-10-31")


@given(spelling=other_iso_spellings())
def test_the_csv_upload_refuses_every_other_spelling_in_either_column(spelling):
    assert any("period_start" in message for message in csv_errors(spelling, "2026-10-31"))
    assert any("period_end" in message for message in csv_errors("2026-10-01", spelling))


# The API.


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["2026-W13", "2026W13", "20260401", "2026-W13-1"])
def test_the_api_refuses_a_week_or_compact_period_naming_the_row_and_field(machine, teams, written):  # noqa: F811
    response = post(machine, [row(period_start="2026-03-23", period_end="2026-03-29"), row(period_end=written)])
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["index"], error["field"]) == (1, "period_end")
    assert f"“{written}” is not a date like 2026-10-31" in error["message"]
    assert not MetricValue.objects.exists()


@pytest.mark.django_db
def test_the_api_stores_a_period_written_yyyy_mm_dd(machine, teams):  # noqa: F811
    assert post(machine, [row(period_start="2026-03-01", period_end="2026-03-31")]).status_code == 200
    assert MetricValue.objects.get().period_start == date(2026, 3, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("parameter", ["start", "end"])
def test_reading_values_refuses_a_week_date_filter_naming_the_parameter(machine, teams, parameter):  # noqa: F811
    response = machine.get(reverse("api-metric-values"), {parameter: "2026-W40"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == parameter and "week date" in error["message"]


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spelling=other_iso_spellings())
def test_the_api_refuses_every_other_spelling_in_bodies_and_query_parameters(machine, teams, spelling):  # noqa: F811
    body = {"values": [row(period_start=spelling, period_end=spelling)]}
    response = machine.post(BATCH, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"period_start", "period_end"}
    assert machine.get(reverse("api-metric-values"), {"start": spelling}).status_code == 400
    assert not MetricValue.objects.exists()
