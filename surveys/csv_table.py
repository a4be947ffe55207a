"""Reading an uploaded CSV table with named columns, and writing tables that are safe to open. Pure.

Files are read as spreadsheets save them; what cannot be read without guessing is refused with a message:

| The file                                                  | Read as                                              |
|-----------------------------------------------------------|------------------------------------------------------|
| UTF-8, with or without a byte-order mark (“CSV UTF-8”)    | read                                                 |
| UTF-16 or UTF-32 with a byte-order mark (“Unicode text”)  | read                                                 |
| any other encoding (Excel's plain “CSV”: Windows-1252,    | refused, naming the line of the first byte that is   |
| 1250, Mac Roman…)                                         | not UTF-8 (the code page cannot be told from the     |
|                                                           | bytes, and a wrong one silently changes names)       |
| a workbook (.xlsx, .xls), a compressed file (gzip…), a   | refused, saying which                                |
| NUL character                                             |                                                      |
| cells delimited by , ; TAB or |                           | the one delimiter under which the header row names   |
|                                                           | every column; a first line `sep=;` (Excel) sets it   |
| header names                                              | any case; spaces, hyphens and underscores alike      |
|                                                           | (“Period Start” is period_start); extra columns      |
|                                                           | are ignored, a required one named twice is refused   |
| CRLF, LF or CR line endings; quoted cells with line       | read; a record's line number is the physical line    |
| breaks or delimiters in them                              | it starts on                                         |
| a line with more non-empty cells than the header, or a    | refused: an unquoted 0,5 in a comma file would be    |
| value under a column the header leaves unnamed            | read as 0 with a stray 5                             |
| (comma files) a read cell of digits, then a cell starting | refused: it may be an unquoted 0,5 or 1,250 whose    |
| with a digit in an unread column (`value,notes` with      | last part landed in the notes                        |
| `0,5` or `1,250 euros`)                                   |                                                      |
"""

import codecs
import csv
import io
import numbers
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
# UTF-32's little-endian mark starts with UTF-16's, so it is tried first.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
WORKBOOK_STARTS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (a zip) and .xls
# Compressed files by their magic numbers: gzip, bzip2, xz, Zstandard, 7-Zip (a zip is a workbook above: .xlsx,
# .ods). Their bytes are not text in any encoding, so "not UTF-8" would send the admin looking for a code page.
COMPRESSED_STARTS = {
    b"\x1f\x8b": "gzip",
    **{b"BZh" + str(level).encode(): "bzip2" for level in range(1, 10)},  # the block size follows BZh
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "Zstandard",
    b"7z\xbc\xaf\x27\x1c": "7-Zip",
}
# Excel's `sep=;` line, also as a spreadsheet re-saves it: quoted ("sep=;") or padded with delimiters (sep=;;;;).
SEPARATOR_LINE = re.compile(r'"?sep=(.)"?[,;\t|]*(?:\r\n|\r|\n)', re.IGNORECASE)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
WEB_PAGE_STARTS = (b"<!doctype html", b"<html", b"<table", b"<?xml")


class TableError(ValueError):
    """The file as a whole cannot be read (not text, missing columns, too many rows, nothing in it)."""


@dataclass
class Record:
    """One non-blank row: the physical line it starts on, {column: stripped cell}, and its own problems."""

    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    """Return the text of an uploaded file, or raise TableError saying why it is not readable text.

    UTF-8 is the default; a byte-order mark selects UTF-8, UTF-16 or UTF-32 and is dropped.
    """
    if data.startswith(WORKBOOK_STARTS):
        raise TableError("This is a spreadsheet workbook, not a CSV file: save it as “CSV UTF-8” and upload that.")
    compressed = next((kind for start, kind in COMPRESSED_STARTS.items() if data.startswith(start)), None)
    if compressed:
        raise TableError(
            f"This is a compressed file ({compressed}), not a CSV file: decompress it and upload the CSV file inside."
        )
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:14].lower().startswith(WEB_PAGE_STARTS):
        raise TableError(
            "This is a web page (HTML or XML), not a CSV file, though it may be named .xls: open it in your "
            "spreadsheet and save it as “CSV UTF-8”."
        )
    marked = [(codec, label) for mark, codec, label in BYTE_ORDER_MARKS if data.startswith(mark)]
    codec, label = marked[0] if marked else ("utf-8", "UTF-8")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        line = len(LINE_BREAK.findall(data[: error.start].decode(codec, "replace"))) + 1  # CR-only files too
        if label == "UTF-8":
            raise TableError(
                f"The file is not UTF-8 text (line {line} has the byte 0x{data[error.start]:02X}, which UTF-8 does not "
                "use there). Excel's plain “CSV” is saved in the computer's own code page, such as Windows-1252: "
                "save it as “CSV UTF-8” and try again."
            ) from None
        raise TableError(f"The file starts as {label} text but line {line} is not; save it as “CSV UTF-8”.") from None
    text = text.lstrip("\ufeff")  # a second byte-order mark, from a program that added its own
    if "\x00" in text:
        raise TableError(
            "The file contains a NUL character, so it is not a text CSV file (UTF-16 without a byte-order mark "
            "looks like this): save it as “CSV UTF-8”."
        )
    return text


def column_name(name: str) -> str:
    """Return a header cell as a column name: lower case, spaces and hyphens as underscores ("Period Start")."""
    return "_".join(name.replace("-", " ").replace("_", " ").split()).casefold()


def _header(text: str, delimiter: str) -> list[str] | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                return [column_name(cell) for cell in cells]
    except csv.Error:
        return None  # not this delimiter: another may read the header
    return None


def _delimiter(text: str, columns: list[str], noun: str, given: str | None) -> tuple[str, list[str]]:
    """Return the delimiter and header: the one delimiter under which the header row names every column."""
    headers = {}
    for delimiter in [given] if given else DELIMITERS:
        header = _header(text, delimiter)
        if header is not None:
            headers[delimiter] = header
    if not headers:
        raise TableError(f"The file has no {noun} in it.")
    complete = [d for d, header in headers.items() if all(column in header for column in columns)]
    if len(complete) > 1:
        names = " and ".join(DELIMITER_NAMES[d] for d in complete)
        raise TableError(f"The header row names every column when split by {names} alike; use one delimiter only.")
    if not complete:
        # The delimiter that finds the most columns says best what is missing (a tie: the earlier in DELIMITERS).
        header = max(headers.values(), key=lambda h: sum(column in h for column in columns))
        missing = [column for column in columns if column not in header]
        message = f"The header row must name the columns {', '.join(columns)}; missing: {', '.join(missing)}."
        if len(header) == 1:
            message += " Separate the columns with commas, semicolons or tabs."
        raise TableError(message)
    delimiter = complete[0]
    header = headers[delimiter]
    twice = [column for column in columns if header.count(column) > 1]
    if twice:
        raise TableError(f"The header row names {', '.join(twice)} more than once.")
    return delimiter, header


# A cell of digits, then one starting with a digit under a column the importer does not read: in a comma file this
# is how an unquoted decimal comma or thousands separator splits ("0,5" → "0" and "5"; "1,250 euros" → "1" and
# "250 euros"), and the rest of the number would be dropped without a word. Any cell starting with a digit counts,
# whatever follows it (250, 250.00, 5%, 250 euros, 5E-3): a note that starts with a word is read beside the value.
NUMBER_HEAD = re.compile(r"[+\-\u2212]?[\d.\s'\u2019\u066b\u066c]*\d")  # 0, -1 250, 1.250
NUMBER_TAIL = re.compile(r"\d(?:[\d.]*\d)?")  # the number the next cell starts with: 250, 250.00


def _stray_cells(cells: list[str], header: list[str], position: dict[str, int], delimiter: str) -> list[str]:
    """Return the problems of a row whose cells may have shifted: a non-empty cell beyond the header or under a
    column the header leaves unnamed, and (comma files) a read cell of digits followed by a cell starting with a
    digit in an unread column, which is how an unquoted 0,5 (or 1,250 before a note) splits."""
    quote = f"a cell holding a {DELIMITER_NAMES[delimiter]} must be in double quotes."
    beyond = any(cell.strip() for cell in cells[len(header) :])
    if beyond:
        return [f"The line has more cells than the header has columns: {quote}"]
    unnamed = [i + 1 for i, cell in enumerate(cells) if cell.strip() and not header[i]]
    if unnamed:
        where = ", ".join(str(i) for i in unnamed)
        return [f"The line has a value in column {where}, which has no name in the header: {quote}"]
    if delimiter == ",":
        read = set(position.values())
        for column, i in position.items():
            after = cells[i + 1].strip() if i + 1 < len(cells) and i + 1 not in read else ""
            digits = NUMBER_TAIL.match(after)
            if digits and NUMBER_HEAD.fullmatch(cells[i].strip()):
                return [
                    f"The {column} “{cells[i].strip()}” is followed by “{after}” in the next column: if this is the "
                    f"number {cells[i].strip()},{digits.group()}, {quote}"
                ]
    return []


def records(
    text: str, *, columns: list[str], max_rows: int, noun: str, optional: tuple[str, ...] = ()
) -> Iterator[Record]:
    """Yield each non-blank row as a Record; raise TableError for the file as a whole.

    `optional` columns are read when the header names them (their values are in `Record.values` only then) and
    never decide the delimiter.

    1. A first line `sep=X` (as Excel writes) sets the delimiter; otherwise it is the one of , ; TAB | under
       which the header row names every column. Data never decides it: "0,5" in a semicolon file looks like
       two comma-delimited cells.
    2. Each row keeps the physical line it starts on (a quoted cell may span lines; blank lines count).
    3. A row whose cells may have shifted is refused on its line rather than read in part: a non-empty cell
       beyond the header or under an unnamed column, or (comma files) a read cell of digits followed by a cell
       starting with a digit in an unread column (an unquoted 0,5, or 1,250 before a note "250 euros").
    """
    offset = 0
    separator = SEPARATOR_LINE.match(text)
    if separator:
        if separator.group(1) not in DELIMITERS:
            raise TableError(f"The first line names “{separator.group(1)}” as the delimiter; use , ; | or a tab.")
        text, offset = text[separator.end() :], 1
    delimiter, header = _delimiter(text, columns, noun, separator.group(1) if separator else None)
    twice = [column for column in optional if header.count(column) > 1]
    if twice:
        raise TableError(f"The header row names {', '.join(twice)} more than once.")
    position = {column: header.index(column) for column in [*columns, *(c for c in optional if c in header)]}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    count, previous, header_seen, start, cells = 0, 0, False, 0, []
    try:
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if not header_seen:
                header_seen = True
                continue
            values = {column: cells[i].strip() if i < len(cells) else "" for column, i in position.items()}
            errors = _stray_cells(cells, header, position, delimiter)
            if not errors and not any(values.values()):
                continue
            count += 1
            if count > max_rows:
                raise TableError(f"The file has more than {max_rows:,} {noun}; split it.")
            yield Record(start + offset, values, errors)
    except csv.Error as error:
        raise TableError(f"Line {reader.line_num + offset} cannot be read as CSV ({error}).") from None
    if text.count('"') % 2 and any("\n" in cell or "\r" in cell for cell in cells):
        # The csv module reads an unclosed quote to the end of the file, as one cell holding every later line.
        raise TableError(
            f'A quote (") opened on line {start + offset} is never closed, so every line after it would be read as '
            "one cell: close the quote, or remove it."
        )
    if not count:
        raise TableError(f"The file has no {noun} in it.")


# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Return a cell so that a spreadsheet shows it as text, never runs it as a formula.

    Numbers are written as numbers (a negative change stays a number); text starting like a formula gets
    a leading apostrophe.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    # numbers.Integral/Real take NumPy's scalars too, whose repr is "np.float64(3.41)": plain Python first.
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(round(float(value), 6))
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_table(header: list[str], rows) -> str:
    """Return CSV text of a header and rows, every cell through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
