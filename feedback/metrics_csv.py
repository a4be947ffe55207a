"""Reading metric values from CSV (metric, team, period_start, period_end, value). Pure: text in, rows out."""

import math
from dataclasses import dataclass, field
from datetime import date

from surveys import csv_table

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
    rows: list[CsvRow] = []
    try:
        table = list(csv_table.records(text, columns=COLUMNS, max_rows=MAX_ROWS, noun="values"))
    except csv_table.TableError as error:
        return [], [str(error)]
    for number, values in table:
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
    return rows, []
