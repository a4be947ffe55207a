"""A person has a language (issue #25 item 4): the people CSV's optional language column, the person form, and the
spellings Align reads as a language (surveys.languages)."""

import pytest
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from surveys import languages, people_csv, services
from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory, manager_of

HEADER = "email,name,team,role,manager,language\n"
CODES = [code for code, _ in settings.LANGUAGES]


def _spellings_of(code: str) -> list[str]:
    """Spellings a person writes for a language, from Django's data rather than Align's reading of it."""
    primary = code.split("-")[0]
    info, generic = LANG_INFO[code], LANG_INFO.get(primary, LANG_INFO[code])
    return [code, primary, info["name"], info["name_local"], generic["name"], generic["name_local"]]


@st.composite
def spelling(draw):
    """A listed language and a way of writing it: its code or a name, in any case, maybe with a region subtag
    joined by - or _, maybe padded."""
    code = draw(st.sampled_from(CODES))
    word = draw(st.sampled_from(_spellings_of(code)))
    if word == code.split("-")[0] and draw(st.booleans()):
        region = draw(st.sampled_from(["DE", "at", "CH", "FR", "be", "ES", "MX", "US", "419"]))
        word = f"{word}{draw(st.sampled_from(['-', '_']))}{region}"
    word = draw(st.sampled_from([word, word.upper(), word.lower(), word.title()]))
    return code, draw(st.sampled_from(["", " "])) + word + draw(st.sampled_from(["", "  "]))


@hypothesis_settings(max_examples=300, deadline=None)
@given(spelling())
def test_a_language_written_as_a_code_tag_or_name_in_any_case_is_read_as_its_code(case):
    code, written = case
    assert languages.language_read(written) == code
    rows, errors = people_csv.parse(HEADER + f"bo@example.com,Bo,Ops,member,no,{written}\n", team_ids={"Ops": 1})
    assert errors == [] and rows[0].errors == [] and rows[0].language == code


@pytest.mark.parametrize(
    ("written", "code"), [("de", "de"), ("de-DE", "de"), ("German", "de"), ("Deutsch", "de"), ("allemand", "de")]
)
def test_the_spellings_the_issue_names_are_german(written, code):
    assert languages.language_read(written) == code


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20))
def test_any_other_cell_is_read_as_a_listed_language_or_refused_on_its_line_naming_it(cell):
    rows, errors = people_csv.parse(
        HEADER + 'bo@example.com,Bo,Ops,member,no,"' + cell.replace('"', '""') + '"\n', team_ids={"Ops": 1}
    )
    if errors:  # a cell the table cannot hold (a line break, a garbled cell) is the table's business
        return
    (row,) = rows
    if row.language is None:
        # refused on its line: as not a language, or (names.mojibake) as a garbled cell naming what it meant
        assert any("is not a language Align speaks" in e or "looks garbled" in e for e in row.errors), row.errors
    else:
        assert row.language in [*CODES, ""]


def test_an_unknown_language_is_refused_on_its_line_with_the_closest_spelling():
    rows, _ = people_csv.parse(
        HEADER + "bo@example.com,Bo,Ops,member,no,Germn\ncy@example.com,Cy,Ops,member,no,Klingon\n",
        team_ids={"Ops": 1},
    )
    assert rows[0].language is None
    assert rows[0].errors == [
        "“Germn” is not a language Align speaks: use one of en-gb (English), de (Deutsch), fr (Français), es "
        "(Español), or leave it empty for the organisation's default. Did you mean de (Deutsch)?"
    ]
    assert "Did you mean" not in rows[1].errors[0] and "“Klingon”" in rows[1].errors[0]


def test_a_file_without_the_language_column_reads_no_language():
    rows, errors = people_csv.parse(
        "email,name,team,role,manager\nbo@example.com,Bo,Ops,member,no\n", team_ids={"Ops": 1}
    )
    assert errors == [] and rows[0].errors == [] and rows[0].language is None


@pytest.mark.django_db
def test_the_import_sets_languages_a_file_without_the_column_keeps_them_and_the_export_reads_back_unchanged():
    # given
    acme = TeamFactory(name="Acme")
    user, _ = manager_of(acme, email="ada@example.com", role=Person.Role.ADMIN)
    PersonFactory(email="bo@example.com", name="Bo", team=acme, language="fr")
    head = "email,name,team,role,manager"
    lines = (
        "ada@example.com,Ada,Acme,admin,yes,{}\nbo@example.com,Bo,Acme,member,no,{}\n"
        "cy@example.com,Cy,Acme,member,no,{}\n"
    )
    # when: a file with the column
    plan = services.people_import(csv_text=f"{head},language\n" + lines.format("", "Deutsch", "es-MX"), importer=user)
    # then
    assert dict(Person.objects.values_list("email", "language")) == {
        "ada@example.com": "",
        "bo@example.com": "de",
        "cy@example.com": "es",
    }
    assert "language fr → de" in plan.changes[3]
    # when: a file without it
    services.people_import(
        csv_text=f"{head}\n" + "".join(line.rsplit(",", 1)[0] + "\n" for line in lines.format("", "", "").splitlines()),
        importer=user,
    )
    # then: languages stay
    assert Person.objects.get(email="bo@example.com").language == "de"
    # and the export, imported again, changes nobody
    again = services.people_import_plan(csv_text=services.people_export(), importer=user)
    assert again.valid and not again.created and not again.updated and not again.deactivated


@pytest.mark.django_db
def test_the_person_form_sets_and_clears_a_language(client):
    acme = TeamFactory(name="Acme")
    user, _ = manager_of(acme, email="ada@example.com", role=Person.Role.ADMIN)
    bo = PersonFactory(email="bo@example.com", name="Bo", team=acme)
    client.force_login(user)
    url = reverse("surveys:manage_person", args=[bo.id])
    page = client.get(url).content.decode()
    assert '<option value="de">Deutsch</option>' in page
    form = {"email": bo.email, "name": bo.name, "team": acme.id, "role": "member", "is_active": "on"}
    assert client.post(url, {**form, "language": "de"}).status_code == 302
    bo.refresh_from_db()
    assert bo.language == "de"
    assert client.post(url, {**form, "language": ""}).status_code == 302
    bo.refresh_from_db()
    assert bo.language == ""
    assert client.post(url, {**form, "language": "ja"}).status_code == 400
