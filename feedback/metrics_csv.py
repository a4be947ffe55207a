"""Reading metric values from CSV (metric, team, period_start, period_end, value). Pure: text in, rows out."""

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date

COLUMNS = ["metric", "team", "period_start", "period_end", "value"]
MAX_ROWS = 20_000


@dataclass
class CsvRow:
    line: int
    metric: str
    team: str
    period_start: date | None
    period_end: date | None
    value: float | None
    errors: list[str] = field(default_factory=list)


def _date(text: str, name: str, errors: list[str]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{name} “{text}” is not a date like 2026-10-31.")
        return None


def parse(text: str) -> tuple[list[CsvRow], list[str]]:
    """Return the rows with their own errors, and errors about the file as a whole."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        return [], [f"The header row must name the columns {', '.join(COLUMNS)}; missing: {', '.join(missing)}."]
    reader.fieldnames = header
    rows: list[CsvRow] = []
    for number, record in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            return rows, [f"The file has more than {MAX_ROWS:,} values; split it."]
        values = {column: (record.get(column) or "").strip() for column in COLUMNS}
        if not any(values.values()):
            continue
        errors: list[str] = []
        value = None
        try:
            value = float(values["value"].replace(",", ""))
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            errors.append(f"value “{values['value']}” is not a number.")
            value = None
        rows.append(
            CsvRow(
                line=number,
                metric=values["metric"],
                team=values["team"],
                period_start=_date(values["period_start"], "period_start", errors),
                period_end=_date(values["period_end"], "period_end", errors),
                value=value,
                errors=errors,
            )
        )
    if not rows:
        return rows, ["The file has no values in it."]
    return rows, []
