"""The people export opens in Excel as written, and a file Excel garbled is refused rather than imported (issue #20,
finding 3): the export starts with a byte-order mark, and a cell that reads as UTF-8 decoded as Windows-1252
(ZoÃ« for Zoë) is refused, naming the cell and what it probably meant."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from surveys import names, people_csv, services
from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory

HEADER = "email,name,team,role,manager\n"
REAL_NAMES = [
    "Zoë Ørsted",
    "José Álvarez",
    "Łukasz Wałęsa",
    "Şükrü Öztürk",
    "Nguyễn Thị Minh Khai",
    "Đorđe Balašević",
    "Søren Kierkegaard",
    "François Mitterrand",
    "Ægir Þórsson",
    "Jürgen Müller",
    "Dvořák",
    "Ἀριστοτέλης",
    "Дмитрий Шостакович",
    "Ελένη Παπαδοπούλου",
    "محمد بن سلمان",
    "王芳",
    "山田 太郎",
    "김민준",
    "देवनागरी नाम",
    "יעקב כהן",
    "สมชาย ใจดี",
    "Ōtani Shōhei",
    "Chloë Grace Moretz",
    "Björk Guðmundsdóttir",
    "Renée O’Brien",
    "Mary-Kate d’Arcy",
    "Smith",
    "Çağla Şıkel",
    "Zbigniew Brzeziński",
    "Ärzte Ütz",
    "ŒUVRE Œdipe",
    "Ñuñoa Peña",
]
# Scripts no Windows-1252 byte decodes to: a name in them cannot be garbled UTF-8.
OTHER_SCRIPTS = [
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x0590, 0x05FF),
    (0x0600, 0x06FF),
    (0x0900, 0x097F),
    (0x0E00, 0x0E7F),
    (0x3040, 0x30FF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3),
    (0x0100, 0x017F),
]


def excel_read(text: str) -> str:
    """Return UTF-8 text as Excel shows it when it opens a CSV without a byte-order mark: each byte as a
    Windows-1252 character, the five bytes Windows-1252 leaves undefined as the control characters of that number."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def letters(alphabet) -> st.SearchStrategy[str]:
    return st.characters(categories=("Lu", "Ll", "Lo"), **alphabet)


# A name's non-ASCII letters are any letters; it has at least one.
non_ascii_names = st.text(letters({}), min_size=1, max_size=20).filter(lambda name: not name.isascii())
# Names as people write them in another script: letters of one script, words separated by spaces.
other_script_names = (
    st.sampled_from(OTHER_SCRIPTS)
    .flatmap(
        lambda block: st.lists(
            st.text(letters({"min_codepoint": block[0], "max_codepoint": block[1]}), min_size=1, max_size=8),
            min_size=1,
            max_size=3,
        )
    )
    .map(" ".join)
)
# Latin names whose accented letters each stand between ASCII letters (Zoë, Jürgen, José).
accented_latin_names = st.lists(
    st.tuples(
        st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=4),
        st.characters(min_codepoint=0xC0, max_codepoint=0x24F, categories=("Lu", "Ll")),
    ),
    min_size=1,
    max_size=4,
).map(lambda parts: "".join(ascii + accented for ascii, accented in parts) + "a")


@settings(max_examples=500, deadline=None)
@given(name=non_ascii_names)
def test_any_name_beyond_ascii_garbled_by_excel_is_found_with_what_it_meant(name):
    garbled = excel_read(name)
    assert names.mojibake(garbled) is not None
    if names.mojibake(name) is None:
        assert names.mojibake(garbled) == name


@settings(max_examples=500, deadline=None)
@given(name=st.one_of(st.sampled_from(REAL_NAMES), other_script_names, accented_latin_names))
def test_names_as_people_write_them_are_not_taken_for_garbled_text(name):
    assert names.mojibake(name) is None
    assert names.person_name_problem(names.name_stored(name)) is None


@settings(max_examples=200, deadline=None)
@given(name=non_ascii_names, column=st.sampled_from(["name", "team"]))
def test_the_import_refuses_any_garbled_name_or_team_naming_the_cell_and_what_it_meant(name, column):
    # A garbled name ending in a lone Ã (à with its no-break space trimmed off) is found only after other garbling.
    assume(names.mojibake(name) is None and names.mojibake(excel_read(name).strip()) is not None)
    cells = {"email": "zoe@example.com", "name": "Zoe", "team": "Ops", "role": "member", "manager": "no"}
    cells[column] = excel_read(name)
    text = HEADER + ",".join(f'"{cells[c]}"' for c in people_csv.COLUMNS) + "\n"
    rows, file_errors = people_csv.parse(text, team_ids={"Ops": 1})
    message = " ".join(rows[0].errors)
    assert not file_errors
    assert f"The {column} “{cells[column].strip()}”" in message
    assert f"probably “{name.strip()}”" in message


def test_garbled_quotes_and_dashes_are_found_too():
    assert names.mojibake("Renée Oâ€™Brien") == "Renée O’Brien"
    assert names.mojibake("Aâ€“B") == "A–B"
    assert names.mojibake(excel_read(excel_read("Zoë"))) == "Zoë"  # garbled twice, undone twice


@pytest.mark.django_db
def test_the_export_starts_with_a_byte_order_mark_and_reads_back_unchanged(client, ada):
    PersonFactory(email="zoe@example.com", name="Zoë Ørsted", team=ada.person.team)
    download = client.get(reverse("surveys:manage_people_export")).content
    assert download.startswith(b"\xef\xbb\xbfemail,name,team,role,manager,language\r\n")
    assert "Zoë Ørsted".encode() in download
    upload = SimpleUploadedFile("align-people.csv", download, content_type="text/csv")
    page = client.post(reverse("surveys:manage_people_import"), {"file": upload}).content.decode()
    assert "add 0, update 0, leave 2 unchanged and deactivate 0 people" in page and "name Zoë" not in page


@pytest.mark.django_db
def test_an_export_excel_garbled_and_saved_as_csv_utf8_is_refused_and_renames_nobody(client, ada):
    PersonFactory(email="zoe@example.com", name="Zoë Ørsted", team=ada.person.team)
    # Excel before the byte-order mark: opened as Windows-1252, then saved as “CSV UTF-8” (with its own mark).
    export = services.people_export()
    saved = excel_read(export).encode("utf-8-sig")
    upload = SimpleUploadedFile("align-people.csv", saved, content_type="text/csv")
    response = client.post(reverse("surveys:manage_people_import"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 400 and 'name="confirm"' not in page
    assert "The name “ZoÃ« Ã˜rsted” looks garbled: it is probably “Zoë Ørsted”" in page
    assert "CSV UTF-8" in page
    assert Person.objects.get(email="zoe@example.com").name == "Zoë Ørsted"


@pytest.mark.django_db
def test_a_garbled_name_typed_on_the_person_form_or_as_a_team_is_refused():
    ops = TeamFactory(name="Ops")
    with pytest.raises(ValidationError, match="type it as “Zoë Ørsted”"):
        services.person_save(email="zoe@example.com", name="ZoÃ« Ã˜rsted", team=ops, role="member", managed_teams=[])
    with pytest.raises(ValidationError, match="“Ökonomi”"):
        services.team_save(name="Ã–konomi", parent=ops)
