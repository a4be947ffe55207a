"""Dates as Excel saves them: a typed 2026-10-31 is written back in the computer's short format (31/10/2026,
31.10.2026, 10/31/2026). They are refused, never guessed (day and month cannot be told apart), and the message says
how to keep ISO dates (issue 20, attack round 2, the note on Excel dates)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback import metrics_csv

HEADER = "metric,team,period_start,period_end,value\n"


def errors_of(period_start: str) -> list[str]:
    rows, file_errors = metrics_csv.parse(f"{HEADER}revenue,Acme,{period_start},2026-10-31,5\n")
    assert file_errors == []
    return rows[0].errors


@pytest.mark.parametrize("saved", ["31/10/2026", "31.10.2026", "10/31/2026", "31-10-26", "2026/10/31", "1.10.2026"])
def test_a_date_in_a_locale_s_short_format_is_refused_saying_how_to_keep_iso_dates(saved):
    (message,) = errors_of(saved)
    assert message.startswith(f"period_start “{saved}” is not a date like 2026-10-31.")
    assert "format the date columns as Text, or with the custom format yyyy-mm-dd" in message


@pytest.mark.parametrize("written", ["October", "2026-10", "", "31 Oct 2026"])
def test_text_that_is_no_spreadsheet_date_is_refused_without_the_spreadsheet_advice(written):
    (message,) = errors_of(written)
    assert "is not a date like 2026-10-31." in message and "yyyy-mm-dd" not in message


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_every_short_format_of_any_day_is_refused_never_read_as_another_day(day):
    for saved in (day.strftime("%d/%m/%Y"), day.strftime("%d.%m.%Y"), day.strftime("%m/%d/%Y")):
        (message,) = errors_of(saved)
        assert "yyyy-mm-dd" in message
