"""The People page finds people: words in a name or email, a team with the teams below it, a status, fifty to a
page (issue 22, Manage). `surveys.selectors.people_listing` against a brute-force oracle, and the page through
the test client."""

import re
import unicodedata

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import selectors
from surveys.models import Person, Team
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db
NAMES = st.text(st.sampled_from("abzAZéÉöÖ "), min_size=1, max_size=8).map(str.strip).filter(bool)


def folded(text: str) -> str:
    """Case as the database folds it: PostgreSQL by its UTF-8 locale, SQLite for ASCII letters only."""
    if connection.vendor == "sqlite":
        return "".join(char.lower() if char.isascii() else char for char in text)
    return text.lower()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.lists(st.tuples(NAMES, st.integers(0, 3), st.booleans()), min_size=1, max_size=12),
    pick=st.integers(0, 11),
    cut=st.tuples(st.integers(0, 8), st.integers(1, 4)),
    team=st.none() | st.integers(0, 3),
    active=st.none() | st.booleans(),
    swap_case=st.booleans(),
)
def test_the_listing_holds_exactly_the_people_the_filters_describe(people, pick, cut, team, active, swap_case):
    # given a tree Eng > (Web > Mobile), Ops, and people in it
    Person.objects.all().delete()
    for depth in ("parent__parent__isnull", "parent__isnull", "id__isnull"):
        Team.objects.filter(**{depth: False}).delete()  # deepest first: a team's parent is protected
    eng = Team.objects.create(name="Eng")
    web = Team.objects.create(name="Web", parent=eng)
    teams = [eng, web, Team.objects.create(name="Mobile", parent=web), Team.objects.create(name="Ops")]
    below = {0: {0, 1, 2}, 1: {1, 2}, 2: {2}, 3: {3}}
    stored = [
        Person.objects.create(name=name, email=f"p{i}@example.com", team=teams[t], is_active=is_active)
        for i, (name, t, is_active) in enumerate(people)
    ]
    # when searching for part of someone's name, typed in another case
    name = people[pick % len(people)][0]
    query = name[cut[0] % len(name) :][: cut[1]].strip()
    query = query.swapcase() if swap_case else query
    found = selectors.people_listing(query=query, team_id=None if team is None else teams[team].id, active=active)
    # then exactly the people the filters describe are listed, active first, then by name
    expected = [
        person
        for person, (name, t, is_active) in zip(stored, people, strict=True)
        if folded(query) in folded(name) or folded(query) in person.email
        if team is None or t in below[team]
        if active is None or is_active == active
    ]
    expected.sort(key=lambda person: (not person.is_active, person.name, person.email))
    assert [p.id for p in found] == [p.id for p in expected]


def names_on(page) -> list[str]:
    return re.findall(r'/manage/people/\d+/">([^<]+)</a>', page.content.decode())


def test_120_people_are_listed_fifty_to_a_page_and_the_pages_keep_the_filters(client, ada):
    web = TeamFactory(name="Web")
    Person.objects.bulk_create(Person(name=f"Dev {i:03}", email=f"dev{i:03}@example.com", team=web) for i in range(120))
    url = reverse("surveys:manage_people")
    first = client.get(url, {"q": "dev", "team": web.id})
    assert first.status_code == 200
    body = first.content.decode()
    assert "1–50 of 120 people found." in body and names_on(first)[0] == "Dev 000"
    assert f'href="?q=dev&amp;team={web.id}&amp;page=2"' in body
    last = client.get(url, {"q": "dev", "team": web.id, "page": 3})
    assert "101–120 of 120 people found." in last.content.decode() and len(names_on(last)) == 20
    # a page number that is not one shows the nearest page, never an error
    assert "1–50 of 120" in client.get(url, {"page": "abc", "q": "dev"}).content.decode()
    assert "101–120 of 120" in client.get(url, {"page": "999", "q": "dev"}).content.decode()


def test_a_name_typed_with_combining_marks_finds_it_stored_in_one_spelling(client, ada):
    Person.objects.create(name="Zoë Ångström", email="zoe@example.com", team=TeamFactory(name="Web"))
    page = client.get(reverse("surveys:manage_people"), {"q": unicodedata.normalize("NFD", "zoë")})
    assert names_on(page) == ["Zoë Ångström"]


def test_a_team_filter_shows_the_teams_below_it_and_no_one_else(client, ada):
    eng = TeamFactory(name="Eng")
    web = TeamFactory(name="Web", parent=eng)
    Person.objects.create(name="Wen", email="wen@example.com", team=web)
    Person.objects.create(name="Eli", email="eli@example.com", team=eng)
    Person.objects.create(name="Oz", email="oz@example.com", team=TeamFactory(name="Elsewhere"))
    assert names_on(client.get(reverse("surveys:manage_people"), {"team": eng.id})) == ["Eli", "Wen"]
    page = client.get(reverse("surveys:manage_people"), {"team": eng.id, "status": "inactive"})
    assert names_on(page) == [] and "No one matches these filters." in page.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"team": "99999"}, "Select a valid choice."),
        ({"team": "x"}, "Select a valid choice."),
        ({"status": "gone"}, "Select a valid choice."),
        ({"q": "a\nb"}, "Search for one line of text"),
        ({"q": "x" * 400}, "Ensure this value has at most"),
    ],
)
def test_a_filter_that_names_nothing_is_refused_with_400_saying_why(client, ada, query, message):
    page = client.get(reverse("surveys:manage_people"), query)
    assert page.status_code == 400 and message in page.content.decode()
