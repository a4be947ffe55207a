"""Reading and writing the people CSV (email, name, team, role, manager, and optionally language). Pure: text and
dicts in and out.

The file is read by `csv_table.records` (encodings, delimiters and header names are described there). What the
export writes, the import reads back unchanged: the export puts an apostrophe before a cell a spreadsheet would
run as a formula (`written`), and the import takes exactly that apostrophe off again (`read`).
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from . import addresses, csv_table, languages
from .names import mojibake, name_finder, name_stored, person_name_problem, unknown_path_messages

COLUMNS = ["email", "name", "team", "role", "manager"]
# Read when the header names it; the export always writes it. Absent, the file leaves everyone's language alone.
OPTIONAL = ("language",)
EXPORTED = [*COLUMNS, *OPTIONAL]
ROLES = {"admin", "leader", "manager", "member"}
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}
MAX_ROWS = 20_000
TOO_MANY = (
    "The file has more than {limit:,} people, the most one import takes. It cannot be split into smaller files: "
    "an import replaces everyone, deactivating whoever the file leaves out, so each part would deactivate the "
    "people in the others."
)
# The most characters each stored column holds, as the Person model declares them (passed by the service).
DEFAULT_LENGTHS = {"email": 254, "name": 200}


@dataclass
class PersonRow:
    line: int
    email: str
    name: str
    team_path: str
    role: str
    manages_team: bool
    team_id: int | None = None
    errors: list[str] = field(default_factory=list)
    # The path of the team the line's path matched, as stored (the match ignores case, width and look-alikes:
    # ACME/engineering/Ｐｌａｔｆｏｒｍ is ACME/Engineering/Platform); empty when it matched none.
    team_stored: str = ""
    # The language code the line gives ("" for the organisation's default), or None when the file has no language
    # column: then the import leaves the person's language as it is.
    language: str | None = None


def parse(
    text: str, *, team_ids: dict[str, int], lengths: dict[str, int] = DEFAULT_LENGTHS
) -> tuple[list[PersonRow], list[str]]:
    """Return the rows with their own errors, and errors about the file as a whole.

    team_ids maps a team path ("Engineering/Platform", case-insensitive) to a team id; lengths holds the most
    characters the email and name columns store. Emails are stored as `addresses.stored` spells them and two
    lines are the same person when `addresses.key` says so. Names are kept as `names.name_stored` keeps them.
    """
    lookup = name_finder(team_ids)
    unknown_path = unknown_path_messages(team_ids)
    paths = {team_id: path for path, team_id in team_ids.items()}
    rows: list[PersonRow] = []
    table = []
    try:
        # csv_table's own limit would say "split it"; a people file cannot be split (each part would deactivate
        # everyone in the others), so the limit is counted, and said, here.
        for record in csv_table.records(text, columns=COLUMNS, optional=OPTIONAL, max_rows=MAX_ROWS + 1, noun="people"):
            table.append(record)
            if len(table) > MAX_ROWS:
                return [], [TOO_MANY.format(limit=MAX_ROWS)]
    except csv_table.TableError as error:
        return [], [str(error)]
    for record in table:
        values = {column: read(value) for column, value in record.values.items()}
        row = PersonRow(
            line=record.line,
            email=addresses.stored(values["email"]),
            # As the person form and the Django admin store it: NFC, trimmed, a run of spaces as one, so Zoë typed
            # with a combining diaeresis is the Zoë the export wrote.
            name=name_stored(values["name"]),
            # As the metric upload and the API read a path: "/Engineering/Platform/" is Engineering/Platform.
            team_path="/".join(part.strip() for part in values["team"].strip().strip("/").split("/")),
            role=values["role"].lower() or "member",
            manages_team=values["manager"].lower() in YES,
            errors=list(record.errors),
        )
        # A garbled cell (ZoÃ« for Zoë: the file was opened as Windows-1252 and saved again) is refused with what it
        # probably meant, and its other checks are left out: they would only describe the garbling.
        garbled = {column: meant for column, value in values.items() if (meant := mojibake(value)) is not None}
        row.errors += [_garbled_message(column, values[column], meant) for column, meant in garbled.items()]
        if "email" not in garbled:
            row.errors += _email_problems(values["email"], row.email, lengths["email"])
        if "name" not in garbled:
            row.errors += _name_problems(row.name, lengths["name"])
        row.team_id = lookup(row.team_path)
        row.team_stored = paths.get(row.team_id, "")
        if row.team_id is None and "team" not in garbled:
            row.errors.append(unknown_path(values["team"]))
        if row.role not in ROLES and "role" not in garbled:
            row.errors.append(f"“{values['role']}” is not a role: use admin, leader, manager or member.")
        if values["manager"].lower() not in YES | NO and "manager" not in garbled:
            row.errors.append(f"“{values['manager']}” in the manager column must be yes or no.")
        if "language" in values and "language" not in garbled:
            # "de", "de-DE", "German", "Deutsch" are all de (surveys.languages); an unknown one says what is close.
            row.language = languages.language_read(values["language"])
            if row.language is None:
                row.errors.append(languages.language_problem(values["language"]))
        rows.append(row)
    first_line: dict[str, int] = {}
    for row in rows:
        if addresses.key(row.email) in first_line:
            row.errors.append(f"{row.email} already appears on line {first_line[addresses.key(row.email)]}.")
        else:
            first_line[addresses.key(row.email)] = row.line
    return rows, []


def _email_problems(cell: str, email: str, length: int) -> list[str]:
    """Return what is wrong with an address cell (`email` as `addresses.stored` spells it)."""
    problem = addresses.problem(cell, max_length=length)
    if problem:
        return [problem]
    try:
        validate_email(email)
    except ValidationError:
        return [f"“{cell}” is not an email address."]
    return []


def _name_problems(name: str, length: int) -> list[str]:
    """Return what is wrong with a name as `names.name_stored` keeps it."""
    if not name:
        return ["The name is empty."]
    problem = person_name_problem(name)
    if problem:
        return [problem]
    if len(name) > length:
        return [f"The name has {len(name)} characters; at most {length} are kept."]
    return []


def _garbled_message(column: str, cell: str, meant: str) -> str:
    """Return the message for a cell that reads as UTF-8 decoded as Windows-1252 (`names.mojibake`)."""
    return (
        f"The {column} “{cell}” looks garbled: it is probably “{meant}”, its UTF-8 read as Windows-1252 (Excel "
        "does this when it opens a CSV file without a byte-order mark, and saving it again keeps the garbled "
        "text). Download the export again and open it by double-click (it now carries a byte-order mark), or in "
        "Excel use Data › From Text/CSV with File origin “65001: Unicode (UTF-8)”; save as “CSV UTF-8”."
    )


def _formula_like(cell: str) -> bool:
    """Return whether a cell is apostrophes (maybe none) then what a spreadsheet runs as a formula (=, +, -, @, a
    tab or CR: csv_table.FORMULA_STARTS)."""
    return cell.lstrip("'").startswith(csv_table.FORMULA_STARTS)


def written(value: str) -> str:
    """Return a cell as the export writes it: neutralised as csv_table.safe_cell does (an apostrophe before a
    formula start: -ops@example.com is '-ops@example.com), and, so that `read` can tell the two apart, with one
    more apostrophe before a value that already is apostrophes then a formula start ('=x is ''=x)."""
    return "'" + value if _formula_like(value) else value


def read(cell: str) -> str:
    """Return a cell as the export had it before `written`: one apostrophe off a cell that is apostrophes then a
    formula start. Any other cell is as typed (the Dutch name 't Hooft keeps its apostrophe)."""
    return cell[1:] if cell.startswith("'") and _formula_like(cell[1:]) else cell


def write(rows: list[dict[str, str]]) -> str:
    """Return CSV text with the people columns and their language; every cell neutralised against formula
    injection (`written`)."""
    out = io.StringIO()
    # Lines end in CRLF (RFC 4180), so a cell holding a lone CR is quoted like one holding a LF.
    writer = csv.DictWriter(out, fieldnames=EXPORTED, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: written(str(row.get(column, ""))) for column in EXPORTED})
    return out.getvalue()
