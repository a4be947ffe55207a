"""Reading an uploaded CSV table with named columns, and writing tables that are safe to open. Pure."""

import csv
import io
import numbers
from collections.abc import Iterator


class TableError(ValueError):
    """The file as a whole cannot be read (missing columns, too many rows, nothing in it)."""


def records(text: str, *, columns: list[str], max_rows: int, noun: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {column: stripped value}) for each non-blank row; raise TableError for the file.

    Column names are matched case-insensitively; extra columns are ignored; a byte-order mark is dropped.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in columns if column not in header]
    if missing:
        raise TableError(f"The header row must name the columns {', '.join(columns)}; missing: {', '.join(missing)}.")
    reader.fieldnames = header
    count = 0
    for number, record in enumerate(reader, start=2):
        values = {column: (record.get(column) or "").strip() for column in columns}
        if not any(values.values()):
            continue
        count += 1
        if count > max_rows:
            raise TableError(f"The file has more than {max_rows:,} {noun}; split it.")
        yield number, values
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
