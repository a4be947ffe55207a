"""What a spreadsheet does to a cell before Align reads it (issue 20, attack round 8): Excel's General format saves
123456789012 as 1.23457E+11, an unquoted 1,250 splits into "1" and "250 euros", a date column saved as General
holds serial numbers (46023), 2026-02-29 is no day, and a gzip file is no text. Each is refused on its line with
what happened, never stored as another value."""

import gzip
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from feedback import metrics_csv
from surveys import csv_table

HEADER = "metric,team,period_start,period_end,value"


def parsed(text: str) -> list[tuple[float | None, list[str]]]:
    rows, file_errors = metrics_csv.parse(text)
    assert file_errors == []
    return [(row.value, row.errors) for row in rows]


def excel_general(number: int, decimal: str = ".") -> str:
    """Return a number as Excel's General format writes it once it has 12 or more digits: 6 significant digits,
    trailing zeros dropped, an exponent of at least two digits (1.23457E+11, 1E+11)."""
    return format(number, ".6G").replace(".", decimal)


# H1. Numbers Excel shortened.


def test_the_attack_s_revenue_line_is_refused_saying_excel_shortened_it():
    text = f"{HEADER}\r\narr,Acme/Engineering/Onboarding,2026-08-01,2026-08-31,1.23457E+11\r\n"
    assert parsed(text) == [
        (
            None,
            [
                "Excel shortened this number to 6 significant digits (1.23457E+11); format the column as Number "
                "before saving."
            ],
        )
    ]


@pytest.mark.parametrize("cell", ['"1,23457E+11"', "1.23457E+15", "1E+11", "9.99999E+11", "1.00000E+11", "-2.5E+13"])
def test_each_shortened_spelling_of_the_attack_is_refused_too(cell):
    [(value, errors)] = parsed(f"{HEADER}\narr,,2026-08-01,2026-08-31,{cell}\n")
    assert value is None and errors[0].startswith("Excel shortened this number")


def test_the_same_number_with_all_its_digits_is_stored_exactly():
    assert parsed(f"{HEADER}\narr,,2026-08-01,2026-08-31,123456789012\n") == [(123456789012.0, [])]
    assert parsed(f"{HEADER}\narr,,2026-08-01,2026-08-31,1.23456789012E+11\n") == [(123456789012.0, [])]


def test_a_small_number_excel_wrote_in_scientific_notation_is_read_as_written():
    # The documented decision: below 1 what is lost is beyond a share's sixth significant digit.
    assert metrics_csv.read_number("1.23457E-05") == (0.0000123457, False)
    assert metrics_csv.read_number("1.5E+10") == (15000000000.0, False)  # 11 digits: Excel writes them all


@settings(max_examples=2000, deadline=None)
@given(number=st.integers(10**11, 10**21), decimal=st.sampled_from([".", ","]), negative=st.booleans())
def test_any_integer_from_1e11_as_excel_s_general_format_writes_it_is_refused(number, decimal, negative):
    cell = ("-" if negative else "") + excel_general(number, decimal)
    with pytest.raises(metrics_csv.NumberError) as refused:
        metrics_csv.read_number(cell)
    if abs(Decimal(cell.replace(",", "."))) > Decimal("1e20"):
        event("too large")
        assert "too large" in str(refused.value)
    else:
        event("shortened")
        assert str(refused.value).startswith(f"Excel shortened this number to 6 significant digits ({cell})")


@st.composite
def long_scientific(draw) -> tuple[str, Decimal]:
    """A number in scientific notation with 7 to 15 significant digits (a float keeps 15), an exponent that keeps
    it below 1e20, written with a point or a comma."""
    digits = draw(st.text("0123456789", min_size=6, max_size=14))
    first = draw(st.sampled_from("123456789"))
    exponent = draw(st.integers(-20, 19))
    decimal = draw(st.sampled_from([".", ","]))
    cell = f"{first}{decimal}{digits}E{'+' if exponent >= 0 else ''}{exponent:02d}"
    return cell, Decimal(f"{first}.{digits}e{exponent}")


@settings(max_examples=2000, deadline=None)
@given(written=long_scientific())
def test_scientific_notation_with_more_than_six_significant_digits_is_read_exactly(written):
    cell, exact = written
    value, percent = metrics_csv.read_number(cell)
    assert Decimal(repr(value)) == exact.normalize() and not percent


# M3. An unquoted 1,250 whose last part lands in the notes.


def test_the_attack_s_value_then_notes_text_is_refused_not_stored_as_1():
    # /tmp/attack08/csv/comma_file_value_then_notes_text.csv: previewed and stored as 1, "250 euros" in the notes
    text = f"{HEADER},notes\narr,Acme/Engineering/Platform,2026-06-01,2026-06-30,1,250 euros\n"
    assert parsed(text) == [
        (
            None,
            [
                "The value “1” is followed by “250 euros” in the next column: if this is the number 1,250, a cell "
                "holding a comma must be in double quotes."
            ],
        )
    ]


NOTE_TEXT = st.text(st.sampled_from("abcdeuros %.,-€$ \u00a0"), max_size=8)


@settings(max_examples=1500, deadline=None)
@given(
    value=st.from_regex(r"-?[0-9]{1,3}", fullmatch=True),
    digits=st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,2})?", fullmatch=True),
    text=NOTE_TEXT,
    space=st.sampled_from(["", " ", "  "]),
)
def test_a_value_then_a_note_starting_with_digits_is_refused_whatever_follows_the_digits(value, digits, text, space):
    note = (space + digits + text).replace(",", " ")  # one unquoted cell: a comma would start another
    [(read, errors)] = parsed(f"{HEADER},notes\nm,,2026-06-01,2026-06-30,{value},{note}\n")
    assert read is None
    assert f"if this is the number {value},{digits.split('.')[0]}" in errors[0]


@settings(max_examples=500, deadline=None)
@given(
    value=st.from_regex(r"[0-9]{1,3}", fullmatch=True), note=st.from_regex(r"[a-zA-Z][a-z0-9 ]{0,10}", fullmatch=True)
)
def test_a_note_starting_with_a_letter_is_read_beside_its_value(value, note):
    assert parsed(f"{HEADER},notes\nm,,2026-06-01,2026-06-30,{value},{note}\n") == [(float(value), [])]


# L4. Serial dates, days the calendar lacks, compressed files.


def test_an_excel_serial_date_is_refused_naming_the_day_it_would_be():
    [(_, errors)] = parsed(f"{HEADER}\nrevenue,Acme,46023,46053,5\n")
    assert errors[0].startswith(
        "period_start “46023” looks like a spreadsheet's serial number for a date: in Excel's 1900 date system it "
        "is 2026-01-01; it is not read as one"
    )
    assert "in Excel's 1900 date system it is 2026-01-31" in errors[1]


@settings(max_examples=500, deadline=None)
@given(day=st.dates(min_value=date(1900, 3, 1), max_value=date(2200, 12, 31)), time=st.sampled_from(["", ".5", ",25"]))
def test_every_serial_number_of_a_day_is_refused_naming_that_day(day, time):
    serial = (day - date(1899, 12, 30)).days
    [(_, errors)] = parsed(f'{HEADER}\nrevenue,Acme,"{serial}{time}",2026-01-31,5\n')
    assert f"“{serial}{time}” looks like a spreadsheet's serial number for a date" in errors[0]
    assert f"it is {day.isoformat()};" in errors[0]


def test_a_29th_of_february_outside_a_leap_year_is_said_not_to_exist():
    text = f"{HEADER}\nrevenue,Acme,2026-02-01,2026-02-29,5\nrevenue,Acme,2028-02-01,2028-02-29,5\n"
    assert parsed(text) == [(5.0, ["period_end “2026-02-29” does not exist: February 2026 has 28 days."]), (5.0, [])]


@settings(max_examples=500, deadline=None)
@given(year=st.integers(1, 9999), month=st.integers(0, 99), day=st.integers(0, 99))
def test_a_yyyy_mm_dd_that_is_no_day_is_said_not_to_exist_without_the_spreadsheet_advice(year, month, day):
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        date(year, month, day)
    except ValueError:
        pass
    else:
        return
    [(_, errors)] = parsed(f"{HEADER}\nrevenue,Acme,{text},2026-01-31,5\n")
    assert errors[0].startswith(f"period_start “{text}” does not exist: ")
    assert "yyyy-mm-dd" not in errors[0]
    if 1 <= month <= 12 and day > 28:
        event("a month's last days")
        assert "days." in errors[0]


def test_a_gzip_file_is_called_a_compressed_file_not_a_code_page():
    data = gzip.compress(f"{HEADER}\nrevenue,Acme,2026-01-01,2026-01-31,5\n".encode())
    with pytest.raises(csv_table.TableError) as refused:
        csv_table.decode(data)
    assert str(refused.value) == (
        "This is a compressed file (gzip), not a CSV file: decompress it and upload the CSV file inside."
    )


@settings(max_examples=300, deadline=None)
@given(content=st.binary(max_size=200), level=st.integers(0, 9))
def test_any_gzip_file_is_refused_as_compressed(content, level):
    with pytest.raises(csv_table.TableError, match=r"compressed file \(gzip\)"):
        csv_table.decode(gzip.compress(content, compresslevel=level))
