"""Every importer finds a team by the key the Teams page says two names "read the same" by (`names.reading_keys`),
and a path that names no team is answered with a real path of the organisation and the closest match (issue 20,
attack round 8: `Zoë’s Team`, `QA‑Test` with U+2011 and `Acme/Dаta/R&D` with a Cyrillic а found nothing, and the
message's example "Engineering/Platform" left out the top-level team)."""

import json

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from feedback import services as feedback_services
from feedback.services.metrics import MetricRow, metric_rows_matched, metric_values_plan
from surveys import names, people_csv
from surveys.admin_forms import PeopleImportForm
from surveys.selectors import team_paths
from surveys.services import team_save
from surveys.services.teams import team_name_checked

pytestmark = pytest.mark.django_db

PEOPLE_HEADER = "email,name,team,role,manager\n"


@pytest.fixture
def acme():
    """Acme/Data holds Zoë's Team and R&D; Acme/QA-Test and Acme/Engineering/Platform stand beside them."""
    acme = team_save(name="Acme", parent=None)
    data = team_save(name="Data", parent=acme)
    team_save(name="Zoë's Team", parent=data)
    team_save(name="R&D", parent=data)
    team_save(name="QA-Test", parent=acme)
    team_save(name="Platform", parent=team_save(name="Engineering", parent=acme))
    return acme


def people_team(typed: str) -> tuple[str, list[str]]:
    rows, file_errors = people_csv.parse(
        f"{PEOPLE_HEADER}ann@example.com,Ann,{typed},member,no\n", team_ids=team_paths()
    )
    assert file_errors == []
    return rows[0].team_stored, rows[0].errors


def metric_team(typed: str) -> tuple[str | None, list[str]]:
    """The team the metric CSV and the API batch (both `_resolve`) find, and their team errors."""
    row = MetricRow("revenue", typed, None, None, 5.0)
    (_, path) = metric_rows_matched(rows=[row])[0]
    _, _, errors = metric_values_plan(rows=[row])
    return path, [error.message for error in errors if error.field == "team"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Acme/Data/Zoë\u2019s Team", "Acme/Data/Zoë's Team"),
        ("Acme/D\u0430ta/R&D", "Acme/Data/R&D"),
        ("Acme/QA\u2011Test", "Acme/QA-Test"),
    ],
)
def test_the_attack_s_look_alike_paths_find_their_team_in_every_importer(acme, typed, stored):
    # given: the Teams page refuses the typed spelling beside the stored one
    parent_path, _, last = typed.rpartition("/")
    parent = acme if parent_path == "Acme" else acme.children.get(name="Data")
    with pytest.raises(ValidationError, match="already has a team"):
        team_name_checked(name=last, parent=parent)
    # then: the people import, the metric CSV and the API find the stored team
    assert people_team(typed) == (stored, [])
    assert metric_team(typed) == (stored, [])


def test_the_api_batch_stores_a_value_for_a_team_typed_with_a_curly_apostrophe(acme, client):
    _, secret = feedback_services.api_token_create(name="exporter", created_by=None)
    body = {
        "values": [
            {"metric": "revenue", "team": "Acme/Data/Zoë\u2019s Team", "period_start": "2026-05-01",
             "period_end": "2026-05-01", "value": 1},
            {"metric": "revenue", "team": "Acme/D\u0430ta/R&D", "period_start": "2026-05-01",
             "period_end": "2026-05-01", "value": 2},
        ]
    }  # fmt: skip
    response = client.post(
        "/api/v1/metric-values/batch/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0}


# Hypothesis: any team name, any look-alike spelling the Teams page refuses beside it.

BASE = st.text(st.sampled_from("abcdeilmnoprstADEILOPRST019 '-&."), min_size=1, max_size=12)
# Characters drawn like a keyboard one (confusables.txt), case and width as a typist or a word processor changes them.
LOOK_ALIKES = {
    "'": ["\u2019", "\u2018", "\u02bc", "\u2032", "\uff07"],
    "-": ["\u2011", "\u2010", "\u2212", "\u2012", "\ufe63", "\uff0d"],
    "a": ["\u0430", "\uff41", "A"],
    "e": ["\u0435", "\uff45", "E"],
    "o": ["\u043e", "\u03bf", "O"],
    "p": ["\u0440", "P"],
    "i": ["\u0456", "I"],
    "A": ["\u0410", "\u0391", "a"],
    "E": ["\u0415", "\u0395", "e"],
    "O": ["\u041e", "\u039f", "0", "o"],
    "P": ["\u0420", "\u03a1", "p"],
    "I": ["l", "|", "\u0406", "i"],
    " ": ["\u00a0", "  ", "\u2009"],
}


@st.composite
def spellings(draw) -> tuple[str, str]:
    name = names.name_stored(draw(BASE))
    assume(name and not names.slash_like(name))
    variant = "".join(
        draw(st.sampled_from([char, *LOOK_ALIKES[char]])) if char in LOOK_ALIKES else char for char in name
    )
    return name, variant


@settings(max_examples=3000, deadline=None)
@given(spelling=spellings(), others=st.lists(BASE, max_size=3))
def test_any_spelling_that_reads_the_same_finds_the_one_team_it_reads_as(spelling, others):
    name, variant = spelling
    assume(names.look_alike(name, variant))
    # Other teams beside it, as the Teams page lets them be: none reads the same as another.
    teams = {f"Acme/{name}": 1}
    for index, other in enumerate(map(names.name_stored, others), start=2):
        if other and not any(names.look_alike(other, path.removeprefix("Acme/")) for path in teams):
            teams[f"Acme/{other}"] = index
    found = names.name_finder(teams)(f"Acme/{variant}")
    # "Reads the same" is not transitive: I reads as i (case) and as L (I and l are drawn alike), two teams the
    # Teams page lets stand side by side. Such a spelling finds neither, never a guess.
    alike = [path for path in teams if names.look_alike(path.removeprefix("Acme/"), variant)]
    if variant != name and len(alike) > 1:
        event("reads as two teams")
        assert found is None
    else:
        event("as typed" if variant == name else "another spelling")
        assert found == 1


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(spelling=spellings())
def test_any_spelling_the_teams_page_refuses_beside_a_team_finds_it_in_every_importer(acme, spelling):
    name, variant = spelling
    try:
        team = team_save(name=name, parent=acme)
    except ValidationError:
        assume(False)  # a name the Teams page refuses itself (garbled, or reading as Data or QA-Test)
    try:
        # given: the Teams page refuses the variant beside it
        try:
            team_name_checked(name=variant, parent=acme)
        except ValidationError:
            pass
        else:
            assume(False)
        # then: every importer finds the team by the variant (unless it reads as a sibling too: Data, QA-Test,
        # Engineering; then none, never a guess)
        siblings = acme.children.exclude(pk=team.pk).values_list("name", flat=True)
        assume(not any(names.look_alike(sibling, variant) for sibling in siblings))
        stored = f"Acme/{team.name}"
        assert people_team(f"Acme/{variant}") == (stored, [])
        assert metric_team(f"Acme/{variant}") == (stored, [])
    finally:
        team.delete()


# A path that names no team.


def test_a_path_without_its_top_level_team_is_answered_with_the_full_path_and_a_real_example(acme):
    path, errors = people_team("Engineering/Platform")
    assert path == ""
    assert errors == [
        "There is no team “Engineering/Platform”; did you mean Acme/Engineering/Platform? (A path starts at the "
        "top-level team, such as Acme/Data/R&D.)"
    ]
    assert metric_team("Engineering/Platform") == (None, errors)


def test_a_misspelt_path_is_answered_with_the_closest_path(acme):
    _, errors = metric_team("Acme/Enginering/Platfrom")
    assert errors[0].startswith("There is no team “Acme/Enginering/Platfrom”; did you mean Acme/Engineering/Platform?")


def test_the_people_import_s_help_names_a_real_path_of_the_organisation(acme):
    assert "team (a path from the top-level team, such as Acme/Data/R&D)" in PeopleImportForm().fields["file"].help_text


PART = st.text(st.sampled_from("abcdefghklmnprstuvwxyz"), min_size=3, max_size=8)


@settings(max_examples=2000, deadline=None)
@given(tree=st.lists(st.lists(PART, min_size=1, max_size=3), min_size=1, max_size=8), pick=st.data())
def test_any_path_typed_without_its_top_level_team_suggests_the_full_path(tree, pick):
    # Every path is Root/…; names are unique across the tree, so each path's tail names one path only.
    paths, seen = {"Root"}, {"root"}
    for branch in tree:
        parent = "Root"
        for part in branch:
            if part in seen and f"{parent}/{part}" not in paths:
                break
            seen.add(part)
            parent = f"{parent}/{part}"
            paths.add(parent)
    deeper = sorted(path for path in paths if "/" in path)
    assume(deeper)
    path = pick.draw(st.sampled_from(deeper))
    typed = path.split("/", 1)[1]
    message = names.unknown_path_messages(paths)(typed)
    assert f"did you mean {path}?" in message
    example = message.rsplit("such as ", 1)[1].removesuffix(".)")
    assert example in paths and example.startswith("Root/")
