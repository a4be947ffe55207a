"""Reading metric values from CSV (metric, team, period_start, period_end, value). Pure: text in, rows out.

The file is read by `surveys.csv_table.records` (encodings, delimiters and header names are described there).
A value is read as spreadsheets in different locales write numbers, by one rule: every way of writing numbers
below that can produce the cell is tried, and the cell is read only if they all give the same number. A cell
two of them read differently is refused, never guessed. The ways: a decimal point, comma or Arabic decimal
separator (U+066B); thousands grouped by commas, points, spaces, apostrophes or the Arabic separator (U+066C),
never by the decimal separator itself; groups of three after a first group of one to three digits not starting
with 0, or the Indian lakh grouping with commas (12,34,567).

| The cell                                        | Read as                  | Why                                  |
|-------------------------------------------------|--------------------------|--------------------------------------|
| 1250  1250.5  .5  +3  -3                        | 1250  1250.5  0.5  3  -3 | plain                                |
| 0,5  1,25  -0,5  1234,567  0,250                | 0.5  1.25  -0.5          | a group of thousands has three       |
|                                                 | 1234.567  0.25           | digits after 1–3 digits not from 0   |
| 1,250  1.250  -12.345                           | refused: “could be 1250  | a thousands group in one locale, a   |
|                                                 | or 1.25”                 | decimal in another                   |
| 1,250.5  1.250,5  1,250,000  1.250.000  1'250.5 | 1250.5  1250.5  1250000  | the separator after the last group   |
| 1’250.5  12,34,567.5                            | 1250000  1250.5 1250.5   | is the decimal one; a repeated one   |
|                                                 | 1234567.5                | groups                               |
| 1 250,5 with a space, NBSP (U+00A0), thin space | 1250.5                   | a space only groups                  |
| (U+2009), narrow NBSP (U+202F) or figure space  |                          |                                      |
| 1,2,3  1.25.0  1 25  1,25.0  5.  1..5           | refused: not a number    | groups of three; digits after the    |
|                                                 |                          | decimal separator                    |
| −5 (U+2212 minus sign)                          | -5                       | the minus of typeset numbers         |
| –5 —5 ‐5 (en dash, em dash, hyphen)             | refused: write -5        | a dash is not a minus sign           |
| (5)                                             | refused: write -5        | an accounting negative, or a note    |
| 5%  5 %  0,5 %  5٪ (Arabic percent sign)        | 5  5  0.5  5 for a metric| 5% is 0.05 in a spreadsheet's cell   |
|                                                 | whose unit is %; refused | but 5 in a metric measured in %;     |
|                                                 | for any other metric     | for other units either could be meant|
| 1.5E3  1,5E-3  2e+10  1,250E3  1.23457E-05      | 1500  0.0015  2e10  1250 | Excel's scientific format: one digit |
| 1.234567891E+11                                 | 0.0000123457             | before the separator, never grouped  |
|                                                 | 123456789100             |                                      |
| 1.23457E+11  1,23457E+11  1E+11  1.234E+15      | refused: Excel shortened | Excel's General format writes 12 or  |
| (from 1e11, at most 6 significant digits)       | this number; format the  | more digits so, losing all but 6     |
|                                                 | column as Number         | (`_shortened_by_excel`)              |
| 1E400  1E999999999999  1E-400  1E--5  1E+-5     | refused: too large; too  | values up to 1e20, a float to 5e-324;|
|                                                 | close to zero; not a     | one sign in an exponent              |
|                                                 | number                   |                                      |
| 12345678901234567890                            | refused: round it, e.g.  | a float keeps 15–17 significant      |
|                                                 | to 1.2345678901234567e+19| digits (`feedback/stored_numbers.py`)|
| -5 between marks U+200F, U+200E or U+061C       | -5                       | bidirectional marks are invisible    |
| ١٬٢٥٠٫٥  ۱۲۵۰٫۵  １２５０ (Arabic-Indic, Persian,  | 1250.5  1250.5  1250     | any one Unicode digit system; the    |
| full-width digits)                              |                          | Arabic separators have one role each |
| 1٢5                                             | refused                  | digits of two systems                |
| $5  5 €                                         | refused: leave out the   | the unit is the metric's             |
|                                                 | currency sign            |                                      |
| #DIV/0!  #N/A                                   | refused: spreadsheet     |                                      |
|                                                 | error                    |                                      |
| (empty)  nan  inf  1_000  0x10  '5              | refused                  | Python's float() reads some of these |

The delimiter plays no part: a semicolon file may come from Germany (1.250 is 1250) or Switzerland (1.250 is
1.25), and a comma file from LibreOffice in any locale.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from surveys import csv_table, time_limits

from . import stored_numbers
from .periods import CALENDAR_DATE, calendar_date
from .stored_numbers import NumberError, number_text

COLUMNS = ["metric", "team", "period_start", "period_end", "value"]
MAX_ROWS = 20_000

SPACES = frozenset(" \u00a0\u2007\u2009\u202f")
APOSTROPHES = frozenset("'\u2019")
ARABIC_DECIMAL, ARABIC_GROUP = "\u066b", "\u066c"
MINUS = frozenset("-\u2212")
DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\ufe58\ufe63\uff0d")
ASCII_DIGITS = frozenset("0123456789")
PERCENT_SIGNS = frozenset("%\u066a\uff05\ufe6a")  # ASCII, Arabic, full-width, small
# Invisible marks that Arabic- and Hebrew-locale exports put around numbers and signs; they carry no value.
BIDI_MARKS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
SEPARATORS = frozenset(".,") | SPACES | APOSTROPHES | {ARABIC_DECIMAL, ARABIC_GROUP}
GROUPINGS = (frozenset(), frozenset(","), frozenset("."), SPACES, APOSTROPHES, frozenset(ARABIC_GROUP))
# (decimal separator, grouping separators): every way of writing a number that is tried.
CONVENTIONS = [
    (decimal, grouping) for decimal in (".", ",", ARABIC_DECIMAL) for grouping in GROUPINGS if decimal not in grouping
]


@dataclass
class CsvRow:
    line: int
    metric: str
    team: str
    period_start: date | None
    period_end: date | None
    value: float | None
    percent: bool = False  # the cell ended with %: only a metric measured in % takes it
    errors: list[str] = field(default_factory=list)

    @property
    def stored(self) -> str:
        """Return the value as it will be stored, written plainly ("" when it could not be read)."""
        return "" if self.value is None else number_text(self.value)


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text if len(text) <= 24 else str(number.normalize())


def _integer(groups: list[str], grouping: frozenset[str]) -> str | None:
    """Return the digits of an integer part split at its grouping separators, or None if not grouped so."""
    if len(groups) == 1:
        return groups[0]
    first, *rest = groups
    if not first or first[0] == "0":
        return None
    if len(first) <= 3 and all(len(group) == 3 for group in rest):
        return "".join(groups)
    indian = grouping == {","} and len(first) <= 2 and all(len(group) == 2 for group in rest[:-1])
    return "".join(groups) if indian and len(rest[-1]) == 3 else None


def _reading(digits: list[str], separators: list[str], decimal: str, grouping: frozenset[str]) -> str | None:
    """Return the mantissa as ASCII "123.45" written this way, or None. digits has one run more than separators."""
    if any(sep != decimal and sep not in grouping for sep in separators):
        return None
    if decimal in separators:
        if separators.count(decimal) > 1 or separators[-1] != decimal:
            return None  # one decimal separator, after every group
        fraction = digits[-1]
        if not fraction:
            return None
        integer = _integer(digits[:-1], grouping)
        return None if integer is None else f"{integer or '0'}.{fraction}"
    return _integer(digits, grouping) or None


def _ascii(text: str, raw: str) -> str:
    """Return text with every decimal digit as ASCII, refusing digits of two systems."""
    zeros, out = set(), []
    for char in text:
        digit = unicodedata.decimal(char, None)
        if digit is None:
            out.append(char)
        else:
            zeros.add(ord(char) - digit)
            out.append(str(digit))
    if len(zeros) > 1:
        raise NumberError(f"value “{raw}” mixes digits of different scripts.")
    return "".join(out)


def _split(mantissa: str) -> tuple[list[str], list[str]]:
    """Return the digit runs and the single separators between them: "1,250.5" → [1, 250, 5], [",", "."]."""
    digits, separators, run = [], [], ""
    for char in mantissa:
        if char in ASCII_DIGITS:
            run += char
        else:
            digits.append(run)
            separators.append(char)
            run = ""
    digits.append(run)
    return digits, separators


def read_number(raw: str) -> tuple[float, bool]:
    """Return (the number in a cell, whether it ended with %), or raise NumberError. See the module's table.

    1. Drop bidirectional marks; strip a trailing % and a leading sign.
    2. Turn the digits into ASCII ones and split off an exponent (one sign, digits only).
    3. Read the mantissa in every convention (a scientific one is never grouped); keep it only if every
       convention that reads it agrees.
    4. Store it by `stored_numbers.to_float`, the rule the API follows too.
    """
    text = "".join(char for char in raw if char not in BIDI_MARKS).strip()
    if not text:
        raise NumberError("The value is empty.")
    if text.startswith("#"):
        raise NumberError(f"value “{raw}” is a spreadsheet error, not a number.")
    percent = text[-1:] in PERCENT_SIGNS
    if percent:
        text = text[:-1].rstrip()
    sign = ""
    if text[:1] in MINUS or text[:1] == "+":
        sign, text = ("-" if text[0] in MINUS else ""), text[1:]
    elif text[:1] in DASHES and text[1:]:
        raise NumberError(f"value “{raw}” starts with a dash, not a minus sign: write -{text[1:]}.")
    if text.startswith("(") and text.endswith(")"):
        raise NumberError(f"value “{raw}” is in parentheses: write a negative number with a minus sign, as -5.")
    if any(unicodedata.category(char) == "Sc" for char in text):
        raise NumberError(f"value “{raw}” has a currency sign: write the number alone.")
    text = _ascii(text, raw)
    mantissa, scientific, exponent = text.replace("E", "e").partition("e")
    exponent_sign = ""
    if exponent[:1] in MINUS or exponent[:1] == "+":  # one sign only: 1E--5 and 1E+-5 are not numbers
        exponent_sign, exponent = ("-" if exponent[0] in MINUS else ""), exponent[1:]
    if (
        not mantissa
        or any(char not in ASCII_DIGITS and char not in SEPARATORS for char in mantissa)
        or (scientific and not (exponent and set(exponent) <= ASCII_DIGITS))
    ):
        raise NumberError(f"value “{raw}” is not a number.")
    digits, separators = _split(mantissa)
    # Excel's scientific format writes one digit before the decimal separator: its mantissa is never grouped.
    conventions = [(d, g) for d, g in CONVENTIONS if not g] if scientific else CONVENTIONS
    readings = {_reading(digits, separators, decimal, grouping) for decimal, grouping in conventions} - {None}
    power = stored_numbers.power(exponent_sign + exponent) if scientific else 0
    numbers = {stored_numbers.exact(sign, reading, power) for reading in readings}
    if not numbers:
        raise NumberError(f"value “{raw}” is not a number.")
    if len(numbers) > 1:
        shown = " or ".join(_plain(number) for number in sorted(numbers, key=abs))
        raise NumberError(f"value “{raw}” could be {shown}: write it as one of these, without a thousands separator.")
    (number,) = numbers
    value = stored_numbers.to_float(number, raw)
    if scientific and any(_shortened_by_excel(reading, number) for reading in readings):
        raise NumberError(
            f"Excel shortened this number to {EXCEL_GENERAL_DIGITS} significant digits ({raw}); format the column as "
            "Number before saving."
        )
    return value, percent


# Excel's General format writes a number of 12 or more integer digits (1e11 and above) in scientific notation
# with at most 6 significant digits, and a CSV file keeps what the cell shows: 123456789012 is saved as
# 1.23457E+11, and the digits it dropped are lost. Microsoft's "Available number formats in Excel": General "uses
# scientific (exponential) notation for large numbers (12 or more digits)". LibreOffice's General format does
# the same in a narrow column. Such a cell cannot be told from a number that really is 123457000000, so it is
# refused; a cell with more significant digits (1.234567891E+11) is not Excel's shortening and is read exactly.
# Below 1 the same format writes 0.000012345678 as 1.23457E-05: that is read. What it drops is below the sixth
# significant digit of a share or rate, finer than any metric here is measured, and exact values are written so
# too (Excel saves 0.0000015 as 1.5E-06), which refusing would turn away for no loss.
EXCEL_SHORTENED_FROM = 11  # the power of ten of 100000000000, Excel's first 12-digit number
EXCEL_GENERAL_DIGITS = 6


def _shortened_by_excel(mantissa: str, number: Decimal) -> bool:
    """Return whether a number written in scientific notation (mantissa as ASCII "1.23457") may be one Excel's
    General format shortened: at least 1e11, with at most EXCEL_GENERAL_DIGITS significant digits written."""
    significant = mantissa.replace(".", "").lstrip("0")
    return number != 0 and number.adjusted() >= EXCEL_SHORTENED_FROM and len(significant) <= EXCEL_GENERAL_DIGITS


# A date as a spreadsheet saves it in the computer's short format (31/10/2026, 31.10.2026, 10/31/2026): Excel
# turns a typed 2026-10-31 into a date and writes it back so. Day and month cannot be told apart, so it is
# refused, never guessed, saying how to keep the dates as typed.
LOCALE_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", re.ASCII)
KEEP_ISO_DATES = (
    " Spreadsheets save dates in the computer's own format: before saving, format the date columns as Text, or "
    "with the custom format yyyy-mm-dd."
)


# A date cell saved as its serial number (a date column formatted as General or Number): Excel counts days from
# 1899-12-30 in its usual 1900 date system (46023 is 2026-01-01), from 1904-01-01 in the 1904 system of old Mac
# workbooks, so the number alone does not say the day. Refused, saying which day it would be, never guessed.
SERIAL_DATE = re.compile(r"(\d{1,6})(?:[.,]\d+)?", re.ASCII)  # 46023, or 46023.5 with a time of day
EXCEL_EPOCH = date(1899, 12, 30)


def _serial_problem(text: str, serial: int) -> str:
    """Return why a cell of a serial number is refused as a date, naming the day Excel's 1900 system reads."""
    try:
        day = (EXCEL_EPOCH + timedelta(days=serial)).isoformat()
    except OverflowError:
        day = ""
    meant = f": in Excel's 1900 date system it is {day}" if day and serial > 60 else ""
    return (
        f"“{text}” looks like a spreadsheet's serial number for a date{meant}; it is not read as one (the 1904 "
        "date system of old Mac workbooks counts from another day)."
    )


def _date(text: str, name: str, errors: list[str]) -> date | None:
    # Only YYYY-MM-DD (periods.calendar_date), as the API reads it: date.fromisoformat also reads week dates
    # (2026-W13) and compact dates (20260401), which the preview showed as one-day periods.
    serial = SERIAL_DATE.fullmatch(text)
    if serial:
        errors.append(f"{name} {_serial_problem(text, int(serial.group(1)))}{KEEP_ISO_DATES}")
        return None
    try:
        day = calendar_date(text)
    except ValueError as problem:
        # A locale's short format (31/10/2026), not an ISO date that is no day (2026-02-29: said so by calendar_date).
        hint = KEEP_ISO_DATES if LOCALE_DATE.fullmatch(text) and not CALENDAR_DATE.fullmatch(text) else ""
        errors.append(f"{name} {problem}.{hint}")
        return None
    if not time_limits.accepts_date(day):  # surveys.time_limits: the dates every way in accepts
        errors.append(f"{name} {time_limits.outside(f'“{text}”', day.year)}")
        return None
    return day


def parse(text: str) -> tuple[list[CsvRow], list[str]]:
    """Return the rows with their own errors, and errors about the file as a whole."""
    rows: list[CsvRow] = []
    try:
        table = list(csv_table.records(text, columns=COLUMNS, max_rows=MAX_ROWS, noun="values"))
    except csv_table.TableError as error:
        return [], [str(error)]
    for record in table:
        values, errors = record.values, list(record.errors)
        row = CsvRow(record.line, values["metric"], values["team"], None, None, None, errors=errors)
        rows.append(row)
        if record.errors:
            continue  # the cells may be shifted (0,5 unquoted in a comma file): none is read as a value
        row.period_start = _date(values["period_start"], "period_start", errors)
        row.period_end = _date(values["period_end"], "period_end", errors)
        try:
            row.value, row.percent = read_number(values["value"])
        except NumberError as error:
            errors.append(str(error))
    return rows, []
