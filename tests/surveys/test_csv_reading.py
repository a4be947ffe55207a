"""Uploaded tables are read as spreadsheets save them: UTF-8 or UTF-16 with a byte-order mark, columns separated by
commas, semicolons or tabs, header names in any case. A semicolon file used to be refused as "missing: email, name,
team, role, manager"."""

import codecs
import csv
import io
import re

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from surveys import csv_table, names, people_csv

COLUMNS = ["email", "name", "team", "role", "manager"]
TEAMS = {"Engineering": 1, "Engineering/Platform": 2}


def read(text: str, columns=("a", "b")) -> list[tuple[int, dict[str, str], list[str]]]:
    records = csv_table.records(text, columns=list(columns), max_rows=10, noun="rows")
    return [(record.line, record.values, record.errors) for record in records]


def test_utf8_with_and_without_a_byte_order_mark_is_read():
    assert csv_table.decode("a,b\né,1\n".encode()) == "a,b\né,1\n"
    assert csv_table.decode(codecs.BOM_UTF8 + "a,b\né,1\n".encode()) == "a,b\né,1\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_unicode_text_with_a_byte_order_mark_is_read(encoding):
    text = "a\tb\r\nÅsa\t1\r\n"
    data = ("\ufeff" + text).encode(encoding) if encoding.endswith(("-le", "-be")) else text.encode(encoding)
    assert csv_table.decode(data) == text


def test_a_windows_1252_file_is_refused_naming_the_line_and_how_to_save_it():
    with pytest.raises(csv_table.TableError) as refused:
        csv_table.decode("a;b\nJosé;1\n".encode("cp1252"))
    message = str(refused.value)
    assert "not UTF-8" in message and "line 2" in message and "0xE9" in message and "CSV UTF-8" in message


def test_utf16_without_a_byte_order_mark_is_refused_as_holding_nul_characters():
    with pytest.raises(csv_table.TableError, match="NUL character"):
        csv_table.decode("a,b\n1,2\n".encode("utf-16-le"))


def test_a_broken_utf16_file_is_refused_naming_its_line():
    with pytest.raises(csv_table.TableError, match="starts as UTF-16 text but line 2 is not"):
        csv_table.decode("a,b\n".encode("utf-16") + b"\x00\xd8\x41\x00")  # a lone high surrogate


@pytest.mark.parametrize("start", [b"PK\x03\x04rest", b"\xd0\xcf\x11\xe0rest"])
def test_a_workbook_is_refused_with_a_way_to_save_it_as_csv(start):
    with pytest.raises(csv_table.TableError, match="workbook"):
        csv_table.decode(start)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_the_one_under_which_the_header_names_every_column(delimiter):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows([["x", "a", "b"], ["1", "0,5", "2"]])
    text = out.getvalue()
    assert read(text) == [(2, {"a": "0,5", "b": "2"}, [])]


def test_a_first_line_sep_sets_the_delimiter_and_counts_as_a_line():
    assert read("sep=;\r\na;b\r\n1,5;2\r\n") == [(3, {"a": "1,5", "b": "2"}, [])]
    with pytest.raises(csv_table.TableError, match="names “:” as the delimiter"):
        read("sep=:\na:b\n")


def test_header_names_match_in_any_case_and_with_spaces_hyphens_or_underscores():
    text = " Email ;NAME;Team;role;Manager\nbo@example.com;Bo;Engineering;member;no\n"
    assert read(text, COLUMNS)[0][1]["email"] == "bo@example.com"
    assert csv_table.column_name("Period Start") == csv_table.column_name("period-start") == "period_start"


def test_a_required_column_named_twice_is_refused():
    with pytest.raises(csv_table.TableError, match="names a more than once"):
        read("a,b,A\n1,2,3\n")


def test_a_header_read_as_one_column_says_how_to_separate_columns():
    with pytest.raises(csv_table.TableError, match=r"missing: a, b\. Separate the columns"):
        read("a:b\n1:2\n")


def test_a_header_that_two_delimiters_read_is_refused():
    with pytest.raises(csv_table.TableError, match="comma and semicolon alike"):
        read("a,b,x;a;b\n1\n")


def test_line_numbers_count_blank_lines_line_breaks_in_quotes_and_any_line_ending():
    text = 'a,b,note\r\n\r\n1,2,"two\nlines"\r3,4,\n\n5,6,x\n'
    assert [line for line, _, _ in read(text)] == [3, 5, 7]


def test_a_line_with_more_cells_than_the_header_is_refused_on_its_line_and_the_others_read():
    rows = read("a,b\n1,2\n3,4,5\n6,7,\n")
    assert [(line, errors) for line, _, errors in rows] == [
        (2, []),
        (3, ["The line has more cells than the header has columns: a cell holding a comma must be in double quotes."]),
        (4, []),  # an empty cell past the header is the spreadsheet's trailing comma
    ]


def test_a_people_file_saved_by_excel_in_europe_is_imported_like_a_comma_one():
    comma = "email,name,team,role,manager\nbo@example.com,Bo,Engineering/Platform,manager,yes\n"
    semicolon = "Email;Name;Team;Role;Manager\r\nbo@example.com;Bo;Engineering/Platform;manager;yes\r\n"
    assert people_csv.parse(comma, team_ids=TEAMS)[1] == []
    rows, file_errors = people_csv.parse(csv_table.decode(codecs.BOM_UTF8 + semicolon.encode()), team_ids=TEAMS)
    assert file_errors == [] and [(r.email, r.team_id, r.manages_team, r.errors) for r in rows] == [
        ("bo@example.com", 2, True, [])
    ]


def test_a_people_file_reports_every_problem_of_every_line_at_once():
    text = (
        "email;name;team;role;manager\n"
        "bo@example.com;Bo;Engineering;member;no;extra\n"
        "nope;;Nowhere;chief;maybe\n"
        "cy@example.com;Cy;Engineering;member;no\n"
    )
    rows, _ = people_csv.parse(text, team_ids=TEAMS)
    problems = {row.line: row.errors for row in rows}
    assert "more cells than the header" in problems[2][0]
    assert len(problems[3]) == 5 and problems[4] == []


# Hypothesis: people files as spreadsheets save them, with names holding delimiters, quotes and line breaks.

NAMES = st.text(st.sampled_from("Aé ,;\t\"'\nØß-"), min_size=1, max_size=12).filter(lambda name: name.strip())


@st.composite
def people_files(draw) -> tuple[bytes, list[tuple[int, str, str]]]:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    ending = draw(st.sampled_from(["\r\n", "\n"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    header = [draw(st.sampled_from([column, column.upper(), f" {column.title()} "])) for column in COLUMNS]
    people = draw(st.lists(NAMES, min_size=1, max_size=5))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=ending)
    writer.writerow(header)
    expected = []
    for index, name in enumerate(people):
        if draw(st.booleans()):
            out.write(ending)
        line = len(re.findall(r"\r\n|\r|\n", out.getvalue())) + 1
        email = f"p{index}@example.com"
        writer.writerow([email, name, "Engineering", "member", "no"])
        # A cell that is apostrophes then a formula start ('-) is read as Align's export wrote it: one ' less.
        read = name.strip()[1:] if re.match(r"'+[-=+@\t\r]", name.strip()) else name.strip()
        expected.append((line, email, names.name_stored(read)))  # trimmed, NFC, a run of spaces as one
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
    return text.encode(encoding), expected


@settings(max_examples=800, deadline=None)
@given(saved=people_files())
def test_every_person_of_a_saved_file_is_read_exactly_on_their_line(saved):
    data, expected = saved
    rows, file_errors = people_csv.parse(csv_table.decode(data), team_ids=TEAMS)
    assert file_errors == []
    # a name is read whole, line breaks and tabs too, and then refused if it holds one (a name is one line)
    assert [(row.line, row.email, row.name, row.errors) for row in rows] == [
        (line, email, name, [problem] if (problem := names.person_name_problem(name)) else [])
        for line, email, name in expected
    ]  # fmt: skip
    event(f"{len(rows)} people")


def test_a_team_path_in_another_case_finds_its_team_unless_two_teams_differ_only_in_case():
    from surveys import people_csv

    text = "email,name,team,role,manager\nana@example.com,Ana,engineering/PLATFORM,member,no\n"
    rows, _ = people_csv.parse(text, team_ids={"Engineering/Platform": 1, "Sales": 2})
    assert rows[0].team_id == 1 and not rows[0].errors
    rows, _ = people_csv.parse(text, team_ids={"Engineering/Platform": 1, "Engineering/platform": 3})
    assert rows[0].team_id is None and rows[0].errors  # two teams match: an error, never a guess


# Refusals that say what is wrong, and where (attack round: files as programs really save them).

METRIC_HEADER = "metric,team,period_start,period_end,value"


def test_a_cr_only_file_in_another_encoding_names_the_line_of_the_bad_byte():
    data = (METRIC_HEADER + "\rnps,,2026-01-01,2026-01-31,1\rnps,Caf\x8e,2026-01-01,2026-01-31,1\r").encode("latin-1")
    with pytest.raises(csv_table.TableError, match="line 3 has the byte 0x8E"):
        csv_table.decode(data)


def test_an_unclosed_quote_is_refused_naming_the_line_it_opened_on():
    text = (
        METRIC_HEADER + '\nnps,,2026-01-01,2026-01-31,1\nnps,,2026-02-01,2026-02-28,"5\nnps,,2026-03-01,2026-03-31,6\n'
    )
    with pytest.raises(csv_table.TableError, match="opened on line 3 is never closed"):
        list(csv_table.records(text, columns=METRIC_HEADER.split(","), max_rows=10, noun="values"))


@pytest.mark.parametrize("first", ['"sep=;"', "sep=;;;;", "SEP=;"])
def test_excel_s_separator_line_is_read_quoted_or_padded(first):
    text = f"{first}\r\n{METRIC_HEADER.replace(',', ';')}\r\nnps;;2026-01-01;2026-01-31;0,5\r\n"
    [record] = csv_table.records(text, columns=METRIC_HEADER.split(","), max_rows=10, noun="values")
    assert (record.line, record.values["value"]) == (3, "0,5")


def test_a_second_byte_order_mark_is_dropped_too():
    assert csv_table.decode(codecs.BOM_UTF8 * 2 + b"email\n") == "email\n"


@pytest.mark.parametrize("start", [b"<!DOCTYPE html>", b"\xef\xbb\xbf<html>", b"  <table>", b"<?xml version"])
def test_a_web_page_saved_as_xls_is_refused_as_a_web_page(start):
    with pytest.raises(csv_table.TableError, match="web page"):
        csv_table.decode(start + b"<tr><td>email</td></tr>")


def test_a_team_path_with_a_leading_or_trailing_slash_is_read_as_the_metric_upload_reads_it():
    rows, _ = people_csv.parse(
        "email,name,team,role,manager\nbo@example.com,Bo, /Engineering/Platform/ ,member,no\n",
        team_ids={"Engineering/Platform": 7},
    )
    assert (rows[0].team_id, rows[0].errors) == (7, [])
