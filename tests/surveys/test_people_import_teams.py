"""The import preview shows the team each line matched, as stored, not the path as typed (issue #20, finding 4)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import people_csv
from surveys.models import Person
from tests.factories import TeamFactory, manager_of

HEADER = "email,name,team,role,manager\n"
STORED = "ACME/Engineering/Platform"
TEAM_IDS = {"ACME": 1, "ACME/Engineering": 2, STORED: 3}


def full_width(char: str) -> str:
    """Return a keyboard character's full-width form (Ｐ for P)."""
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


# Each letter of the stored path as lower case, upper case or full width; a slash stays a slash.
typed_paths = st.lists(
    st.sampled_from([str.lower, str.upper, full_width, lambda char: char]), min_size=len(STORED), max_size=len(STORED)
).map(lambda spellings: "".join(c if c == "/" else spell(c) for c, spell in zip(STORED, spellings, strict=True)))


@settings(max_examples=300, deadline=None)
@given(typed=typed_paths)
def test_a_path_typed_in_any_case_or_width_is_shown_as_the_team_it_matched(typed):
    rows, _ = people_csv.parse(HEADER + f"zoe@example.com,Zoe,{typed},member,no\n", team_ids=TEAM_IDS)
    assert (rows[0].team_id, rows[0].team_stored, rows[0].team_path) == (3, STORED, typed)


def test_a_path_that_matches_no_team_keeps_what_was_typed_and_says_so():
    rows, _ = people_csv.parse(HEADER + "zoe@example.com,Zoe,ACME/Nowhere,member,no\n", team_ids=TEAM_IDS)
    assert rows[0].team_stored == "" and "There is no team “ACME/Nowhere”" in " ".join(rows[0].errors)


@pytest.mark.django_db
def test_the_preview_shows_the_stored_path_and_what_was_typed(client):
    acme = TeamFactory(name="ACME")
    TeamFactory(name="Platform", parent=TeamFactory(name="Engineering", parent=acme))
    user, _ = manager_of(acme, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    text = (
        HEADER + "ada@example.com,Ada,ACME,admin,yes\nzoe@example.com,Zoe,ACME/engineering/Ｐｌａｔｆｏｒｍ,member,no\n"
    )
    upload = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")
    page = client.post(reverse("surveys:manage_people_import"), {"file": upload}).content.decode()
    typed = "<small>(typed “ACME/engineering/Ｐｌａｔｆｏｒｍ”)</small>"
    assert f'<td class="breakable">ACME/Engineering/Platform {typed}</td>' in page
    assert '<td class="breakable">ACME</td>' in page  # typed as stored: shown once
