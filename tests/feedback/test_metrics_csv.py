"""Metric values are read as spreadsheets in different locales write them: exactly, or refused on their line with a
message, never as another number. "0,5" was stored as 5.0 and "1,25" as 125.0."""

import csv
import io
import re
from decimal import Decimal

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from feedback import metrics_csv
from surveys import csv_table

HEADER = ["metric", "team", "period_start", "period_end", "value"]


def values_of(text: str) -> list[tuple[int, float | None, list[str]]]:
    rows, file_errors = metrics_csv.parse(text)
    assert not file_errors
    return [(row.line, row.value, row.errors) for row in rows]


# The module docstring's table, row by row.
READ = [
    ("1250", 1250), ("1250.5", 1250.5), (".5", 0.5), ("+3", 3), ("-3", -3),
    ("0,5", 0.5), ("1,25", 1.25), ("-0,5", -0.5), ("1234,567", 1234.567), ("0,250", 0.25), ("0.250", 0.25),
    ("1,250.5", 1250.5), ("1.250,5", 1250.5), ("1,250,000", 1_250_000), ("1.250.000", 1_250_000),
    ("1'250.5", 1250.5), ("1\u2019250.5", 1250.5), ("12,34,567.5", 1234567.5),
    ("1 250,5", 1250.5), ("1\u00a0250,5", 1250.5), ("1\u2009250,5", 1250.5), ("1\u202f250,5", 1250.5),
    ("1\u2007250,5", 1250.5), ("1 250.5", 1250.5), ("-1 250 000,75", -1_250_000.75),
    ("\u22125", -5), ("1.5E3", 1500), ("1,5E-3", 0.0015), ("2e+10", 2e10), ("1,5E\u22123", 0.0015),
    ("\u0661\u066c\u0662\u0665\u0660\u066b\u0665", 1250.5), ("\u06f1\u06f2\u06f5\u06f0\u066b\u06f5", 1250.5),
    ("\uff11\uff12\uff15\uff10", 1250), ("-0", 0), ("00,5", 0.5),
    ("1.2345678E+15", 1.2345678e15), ("1,250E3", 1250), ("1,2500001E18", 1.2500001e18), ("0E999999999999999999999", 0),
    ("1.23457E+10", 12345700000), ("1.23457E-05", 0.0000123457), ("1.234567891E+11", 123456789100),
    ("\u200f-5\u200f", -5), ("\u200e1250.5", 1250.5), ("\u061c-0,5", -0.5), ("0.1", 0.1), ("1e-320", 1e-320),
    ("1234567890123456", 1234567890123456), ("100000000000000000000", 1e20),
    ("0.30000000000000004", 0.30000000000000004),
]  # fmt: skip
PERCENT = [("5%", 5), ("5 %", 5), ("0,5\u00a0%", 0.5), ("-1.5%", -1.5), ("5\u066a", 5), ("\u200f5\u066a\u200f", 5)]
REFUSED = [
    ("1,250", "could be 1.25 or 1250"), ("1.250", "could be 1.25 or 1250"), ("-12.345", "could be -12.345 or -12345"),
    ("1,2,3", "not a number"), ("1.25.0", "not a number"), ("1 25", "not a number"), ("1,25.0", "not a number"),
    ("5.", "not a number"), ("1..5", "not a number"),
    ("\u20135", "dash, not a minus sign: write -5"), ("\u20145", "write -5"), ("\u20105", "write -5"),
    ("(5)", "write a negative number with a minus sign"),
    ("1E400", "too large"), ("1E-400", "too close to zero"), ("1,250E306", "at most 1e20"), ("1e22", "at most 1e20"),
    ("1E--5", "not a number"), ("1E+-5", "not a number"), ("1E-+5", "not a number"), ("1E+", "not a number"),
    ("1E999999999999999999999999999999", "too large"), ("1,250E999999999999", "too large"),
    ("1.250E99999999999999999", "too large"), ("-1E999999999999999999", "too large"),
    ("1,250E-999999999", "too close to zero"), ("1E-99999999999999999999", "too close to zero"),
    ("12345678901234567890", "round it, for example to 1.2345678901234567e+19"),
    ("9007199254740993", "round it, for example to 9007199254740992"),
    ("1\u06625", "digits of different scripts"), ("$5", "currency sign"), ("5 \u20ac", "currency sign"),
    ("#DIV/0!", "spreadsheet error"), ("#N/A", "spreadsheet error"), ("", "empty"),
    ("nan", "not a number"), ("inf", "not a number"), ("1_000", "not a number"), ("0x10", "not a number"),
    ("'5", "not a number"), ("1e", "not a number"), ("\u00b2", "not a number"), ("-", "not a number"),
    ("1.23457E+11", "Excel shortened this number to 6 significant digits (1.23457E+11); format the column as Number"),
    ("1,23457E+11", "Excel shortened"), ("1.23457E+15", "Excel shortened"), ("1E+11", "Excel shortened"),
    ("1.234E+15", "Excel shortened"), ("-1.5E+12", "Excel shortened"), ("1e20", "Excel shortened"),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "number"), READ)
def test_each_way_of_writing_a_number_in_the_table_is_read_as_its_number(cell, number):
    assert metrics_csv.read_number(cell) == (number, False)


@pytest.mark.parametrize(("cell", "number"), PERCENT)
def test_a_percent_sign_is_kept_apart_for_the_metric_to_accept_or_refuse(cell, number):
    assert metrics_csv.read_number(cell) == (number, True)


@pytest.mark.parametrize(("cell", "message"), REFUSED)
def test_each_cell_the_table_refuses_is_refused_with_its_reason(cell, message):
    with pytest.raises(metrics_csv.NumberError, match=re.escape(message)):
        metrics_csv.read_number(cell)


def test_the_issue_s_line_is_read_as_a_half_in_a_comma_file_quoted_and_in_a_semicolon_file():
    comma = ",".join(HEADER) + '\nchurn-rate,Acme/Data,2026-10-01,2026-10-31,"0,5"\n'
    semicolon = ";".join(HEADER) + "\nchurn-rate;Acme/Data;2026-10-01;2026-10-31;0,5\n"
    assert values_of(comma) == [(2, 0.5, [])]
    assert values_of(semicolon) == [(2, 0.5, [])]
    assert values_of(comma.replace('"0,5"', '"1,25"')) == [(2, 1.25, [])]


def test_an_unquoted_decimal_comma_in_a_comma_file_is_refused_not_read_as_its_first_part():
    [(line, value, errors)] = values_of(",".join(HEADER) + "\nchurn-rate,Acme/Data,2026-10-01,2026-10-31,0,5\n")
    assert (line, value) == (2, None)
    assert "more cells than the header" in errors[0] and "double quotes" in errors[0]


def test_one_thousand_two_hundred_and_fifty_with_a_comma_is_refused_saying_how_to_write_it():
    [(_, value, errors)] = values_of(";".join(HEADER) + "\nnps;;2026-10-01;2026-10-31;1,250\n")
    assert value is None and errors == [
        "value “1,250” could be 1.25 or 1250: write it as one of these, without a thousands separator."
    ]


# Hypothesis: numbers written the ways spreadsheets in different locales write them.

DECIMALS = [".", ",", "\u066b"]
GROUPINGS = ["", ",", ".", " ", "\u00a0", "\u202f", "\u2009", "'", "\u2019", "\u066c", "indian"]
ZEROS = ["0", "\u0660", "\u06f0", "\u0966", "\uff10"]  # ASCII, Arabic-Indic, Persian, Devanagari, full-width
MINUSES = ["-", "\u2212"]
PERCENTS = ["", "%", " %", "\u00a0%", "\u202f%"]


def grouped(digits: str, grouping: str) -> str:
    if not grouping or len(digits) <= 3:
        return digits
    head, last = digits[:-3], digits[-3:]
    size, separator = (2, ",") if grouping == "indian" else (3, grouping)
    groups = []
    while head:
        groups.insert(0, head[-size:])
        head = head[:-size]
    return separator.join([*groups, last])


@st.composite
def written_numbers(draw) -> tuple[str, Decimal, bool, bool]:
    """Return (the cell, its exact number, whether it ends with %, whether it reads one way only by construction)."""
    decimal = draw(st.sampled_from(DECIMALS))
    grouping = draw(st.sampled_from([g for g in GROUPINGS if g != decimal and not (g == "indian" and decimal == ",")]))
    negative = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:  # scientific, as Excel writes it: 1,25E+03
        mantissa = draw(st.integers(0, 9))
        fraction = draw(st.text("0123456789", max_size=4))
        exponent = draw(st.integers(-30, 30))
        exact = Decimal(f"{mantissa}.{fraction or '0'}e{exponent}")
        body = f"{mantissa}{decimal + fraction if fraction else ''}{draw(st.sampled_from(['E', 'e']))}"
        body += f"{'+' if exponent >= 0 and draw(st.booleans()) else ''}{exponent}"
        grouped_somewhere = False
    else:
        integer = draw(st.integers(0, 10**15) | st.integers(0, 9999))
        fraction = draw(st.text("0123456789", max_size=6))
        exact = Decimal(f"{integer}.{fraction or '0'}")
        whole = "" if integer == 0 and fraction and draw(st.booleans()) else grouped(str(integer), grouping)
        body = whole + (decimal + fraction if fraction else "")
        grouped_somewhere = whole not in ("", str(integer))
    zero = draw(st.sampled_from(ZEROS))
    body = "".join(chr(ord(zero) + int(char)) if char.isdigit() else char for char in body)
    sign = draw(st.sampled_from(MINUSES)) if negative else draw(st.sampled_from(["", "+"]))
    percent = draw(st.sampled_from(PERCENTS))
    cell = sign + body + percent
    one_way = not grouped_somewhere and (len(fraction) != 3 or "E" in body.upper())
    one_way = one_way and Decimal(repr(float(exact))) == exact  # else refused: a float cannot keep its digits
    one_way = one_way and abs(exact) <= Decimal("1e20")  # else refused as too large
    # else refused as perhaps shortened by Excel: scientific, at least 1e11, at most 6 significant digits
    one_way = one_way and not ("E" in body.upper() and exact != 0 and exact.adjusted() >= 11)
    return cell, -exact if negative else exact, bool(percent), one_way


@settings(max_examples=3000, deadline=None)
@given(written=written_numbers())
def test_a_number_written_in_any_locale_s_way_is_read_exactly_or_refused(written):
    cell, exact, percent, one_way = written
    try:
        value, read_percent = metrics_csv.read_number(cell)
    except metrics_csv.NumberError as error:
        event("refused")
        assert cell.strip() in str(error) and not one_way
        return
    event("read")
    assert value == float(exact) and read_percent == percent


@settings(max_examples=1000, deadline=None)
@given(cell=st.text(max_size=20))
def test_any_text_is_read_as_a_finite_number_or_refused_with_a_message(cell):
    try:
        value, _ = metrics_csv.read_number(cell)
    except metrics_csv.NumberError as error:
        assert str(error)
    else:
        assert value == value and abs(value) != float("inf")


# Hypothesis: whole files as spreadsheets save them.

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "utf-32"]
HEADER_SPELLINGS = {
    "metric": ["metric", "Metric", " METRIC "],
    "team": ["team", "Team"],
    "period_start": ["period_start", "Period Start", "period-start", "PERIOD_START"],
    "period_end": ["period_end", "Period End"],
    "value": ["value", "Value", "VALUE "],
}
NOTES = st.text(st.sampled_from("ab ,;\t\"'\n5"), max_size=6)


def encoded(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-be-bom":
        return "\ufeff".encode("utf-16-be") + text.encode("utf-16-be")
    return text.encode(encoding)


@st.composite
def saved_files(draw) -> tuple[bytes, list[tuple[int, Decimal, bool]]]:
    """Return the bytes of a file and, for each value, (the physical line it starts on, its number, %)."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    ending = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    by_hand = draw(st.booleans())  # no quoting at all, as someone typing a file: a cell with the delimiter splits
    writer_quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    columns = [draw(st.sampled_from(HEADER_SPELLINGS[column])) for column in HEADER]
    # Columns the importer does not read, named or not (Excel saves empty trailing header cells as ",,").
    extras = draw(st.lists(st.sampled_from(["note", "", "comment"]), max_size=3))
    trim = by_hand and draw(st.booleans())  # a hand-written line may leave out its trailing empty cells
    numbers = draw(st.lists(written_numbers(), min_size=1, max_size=5))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=writer_quoting, lineterminator=ending)
    # Spreadsheets quote a cell holding a line break; Python 3.11's writer does not when the ending is another one.
    breaks = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator=ending)

    def write(cells):
        if by_hand:
            out.write(delimiter.join(cells) + ending)
        else:
            (breaks if any("\r" in cell or "\n" in cell for cell in cells) else writer).writerow(cells)

    write([*columns, *extras])
    expected = []
    for index, (cell, exact, percent, _) in enumerate(numbers):
        if draw(st.booleans()):
            out.write(ending)  # a blank line: skipped, still counted
        line = len(re.findall(r"\r\n|\r|\n", out.getvalue())) + 1
        notes = [draw(NOTES if not by_hand else st.sampled_from(["", "note", "5", "25", "3 %"])) for _ in extras]
        cells = [f"m{index}", "", "2026-10-01", "2026-10-31", cell, *notes]
        while trim and cells[-1] == "":
            cells.pop()
        write(cells)
        expected.append((line, exact, percent))
    return encoded(out.getvalue(), draw(st.sampled_from(ENCODINGS))), expected


@settings(max_examples=1500, deadline=None)
@given(saved=saved_files())
def test_every_value_of_a_saved_file_is_read_exactly_or_refused_on_its_line(saved):
    data, expected = saved
    rows, file_errors = metrics_csv.parse(csv_table.decode(data))
    assert not file_errors
    assert [row.line for row in rows] == [line for line, _, _ in expected]
    for row, (line, exact, percent) in zip(rows, expected, strict=True):
        if row.value is None:
            event("refused")
            assert row.errors
        else:
            event("read")
            assert (row.value, row.percent) == (float(exact), percent), f"line {line}: {data!r}"
            assert not row.errors


@settings(max_examples=300, deadline=None)
@given(written=written_numbers(), delimiter=st.sampled_from([",", ";", "\t"]))
def test_a_value_that_reads_one_way_is_read_in_any_delimiter_when_quoted(written, delimiter):
    cell, exact, _, one_way = written
    assume(one_way)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL).writerows(
        [HEADER, ["m", "", "2026-10-01", "2026-10-31", cell]]
    )
    assert values_of(out.getvalue()) == [(2, float(exact), [])]


# Hypothesis: exponents of any size and any signs, and the API's reading of the same text.

EXPONENT_SIGNS = ["", "+", "-", "\u2212", "--", "+-", "-+", "++"]


@st.composite
def scientific_cells(draw) -> str:
    mantissa = draw(st.sampled_from(["0", "1", "1,250", "1.250", "1,5", "-1.5", "12345678901234567890", "0,000"]))
    exponent = draw(st.integers(0, 10**40) | st.integers(0, 400))
    return f"{mantissa}{draw(st.sampled_from('eE'))}{draw(st.sampled_from(EXPONENT_SIGNS))}{exponent}"


@settings(max_examples=1000, deadline=None)
@given(cell=scientific_cells())
def test_an_exponent_of_any_size_or_sign_is_read_or_refused_with_a_message_never_an_error(cell):
    try:
        value, _ = metrics_csv.read_number(cell)
    except metrics_csv.NumberError as error:
        event("refused")
        assert cell in str(error)
    else:
        event("read")
        assert abs(value) < float("inf")
        assert not re.search(r"[eE](--|\+-|-\+|\+\+)", cell)  # one sign only


@st.composite
def plain_numbers(draw) -> str:
    """Numbers as programs write them: sign, digits, a fraction, an exponent of any size."""
    sign = draw(st.sampled_from(["", "-", "+"]))
    integer = draw(st.sampled_from(["", "0"]) | st.integers(0, 10**25).map(str))
    fraction = draw(st.none() | st.text("0123456789", min_size=1, max_size=20))
    if not integer and fraction is None:
        integer = "0"
    exponent = draw(st.none() | st.integers(-(10**20), 10**20) | st.integers(-340, 340))
    text = sign + integer + ("" if fraction is None else "." + fraction)
    return text if exponent is None else f"{text}e{exponent}"


@settings(max_examples=1500, deadline=None)
@given(text=plain_numbers())
def test_the_api_and_the_csv_upload_store_a_plain_number_alike(text):
    from rest_framework.exceptions import ValidationError

    from feedback.apis import MachineNumberField

    try:
        csv_value = metrics_csv.read_number(text)[0]
    except metrics_csv.NumberError as error:
        if "could be" in str(error):  # 1.250: a person's file may mean 1250; a program's text means 1.25
            event("ambiguous in a spreadsheet")
            return
        if "Excel shortened" in str(error):  # 1.5e11: a spreadsheet's may have lost digits; a program's has none
            event("perhaps shortened by Excel")
            return
        csv_value = None
    try:
        api_value = MachineNumberField().to_internal_value(text)
    except ValidationError:
        api_value = None
    event("refused by both" if csv_value is None else "stored by both")
    assert csv_value == api_value
    if api_value:  # (a zero may have an exponent Decimal cannot build: 0e100000000000000000000)
        assert Decimal(repr(api_value)) == Decimal(text)  # stored exactly as written, to the digit


@pytest.mark.parametrize(
    "text",
    [
        ",".join(HEADER) + ",notes\nnps,Acme/Product,2026-01-01,2026-01-31,0,5\n",
        ",".join(HEADER) + ",,\nnps,Acme/Product,2026-01-01,2026-01-31,0,5,\n",
        ",".join(HEADER) + ",\nnps,Acme/Product,2026-01-01,2026-01-31,0,5\n",
    ],
)
def test_an_unquoted_decimal_comma_whose_part_lands_in_an_unread_column_is_refused_not_stored_as_0(text):
    [(line, value, errors)] = values_of(text)
    assert (line, value) == (2, None)
    assert "double quotes" in errors[0]


def test_a_note_that_is_not_a_number_beside_the_value_is_read_with_the_value():
    text = ",".join(HEADER) + ",notes\nnps,Acme/Product,2026-01-01,2026-01-31,0,from the board\n"
    assert values_of(text) == [(2, 0.0, [])]
