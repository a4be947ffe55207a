"""Team names as people type them: no character that cannot be seen, and no sibling that reads the same as
another (case, accents typed either way, full-width letters, invisible characters), and a typed path found one
way by every importer (surveys.names). The outside attack (issue 20, round 2, item 11) added Platform + U+200B,
Platform + U+00AD, U+202E + Platform and Ｐｌａｔｆｏｒｍ beside Platform."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from surveys import names, people_csv, services
from surveys.models import Team
from tests.factories import TeamFactory

HEADER = "email,name,team,role,manager\n"


@pytest.fixture
def engineering():
    engineering = TeamFactory(name="Engineering")
    TeamFactory(name="Platform", parent=engineering)
    return engineering


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Platform\u200b", "cannot be seen (U+200B ZERO WIDTH SPACE)"),
        ("Platform\u00ad", "cannot be seen (U+00AD SOFT HYPHEN)"),
        ("\u202ePlatform", "cannot be seen (U+202E RIGHT-TO-LEFT OVERRIDE)"),
        ("Plat\u3164form", "cannot be seen (U+3164 HANGUL FILLER)"),
        ("Ｐｌａｔｆｏｒｍ", "already has a team called “Platform”, which reads the same as “Ｐｌａｔｆｏｒｍ”"),
        ("PLATFORM", "already has a team called “Platform”, which reads the same as “PLATFORM”"),
        ("A／B", "cannot contain “/”"),
    ],
)
def test_a_name_with_a_hidden_character_or_reading_as_a_siblings_is_refused_naming_why(engineering, typed, message):
    with pytest.raises(ValidationError) as refused:
        services.team_save(name=typed, parent=engineering)
    assert message in refused.value.message_dict["name"][0]
    assert Team.objects.filter(parent=engineering).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["می\u200cخواهم", "👩\u200d💻 Devs", "क्\u200dष", "❤\ufe0f Care"])
def test_a_joiner_or_variation_selector_a_word_or_emoji_needs_is_kept(engineering, name):
    assert services.team_save(name=name, parent=engineering).name == name


# Generated look-alikes of a sibling's name.

HIDDEN = st.sampled_from(
    [c for c in map(chr, range(0x3100)) if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} or names.ignorable(c)]
    + ["\U000e0001", "\U000f0000"]  # a tag character; a private-use one
)
WORDS = st.text(st.sampled_from("abcxyzÉéßİ -"), min_size=1, max_size=10).map(str.strip).filter(bool)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# What renderers draw as nothing: a typed path holding one still finds its team (a control character does not).
IGNORABLE = st.sampled_from([c for c in map(chr, range(0x3200)) if names.ignorable(c)] + ["\U000e0001"])


@st.composite
def look_alikes(draw, hidden=HIDDEN) -> tuple[str, str]:
    """Return a name and another spelling that reads the same: hidden characters, case, width, NFD."""
    name = draw(WORDS)
    spelt = draw(st.sampled_from([name, name.upper(), name.lower(), full_width(name)]))
    spelt = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), spelt)
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(spelt)))
        spelt = spelt[:at] + draw(hidden) + spelt[at:]
    return name, spelt


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=look_alikes())
def test_no_sibling_can_read_the_same_as_another(pair):
    # given a team
    name, spelt = pair
    Team.objects.filter(parent__isnull=False).delete()
    Team.objects.all().delete()
    parent = Team.objects.create(name="Engineering")
    existing = services.team_save(name=name, parent=parent)
    # when a sibling is named another way that reads the same
    if unicodedata.normalize("NFC", spelt) == existing.name:
        event("the same name")
    with pytest.raises(ValidationError) as refused:
        services.team_save(name=spelt, parent=parent)
    # then it is refused, naming the hidden character or the sibling
    message = refused.value.message_dict["name"][0]
    event("hidden character named" if "cannot be seen" in message else "sibling named")
    assert "cannot be seen (U+" in message or f"already has a team called “{existing.name}”" in message
    assert list(Team.objects.filter(parent=parent)) == [existing]


@settings(max_examples=300, deadline=None)
@given(pair=look_alikes(hidden=IGNORABLE))
def test_a_typed_spelling_finds_the_one_name_it_reads_as(pair):
    name, spelt = pair
    other = "Zzz" if names.caseless(name) != "zzz" else "Yyy"
    find = names.name_finder({f"Acme/{name}": 1, f"Acme/{other}": 2})
    assert find(f"ＡＣＭＥ/{spelt}") == 1


def test_a_path_matching_two_existing_look_alike_siblings_finds_neither_unless_typed_exactly():
    # given two siblings made before the rule (or in a migration-free upgrade): Platform and Ｐｌａｔｆｏｒｍ
    find = names.name_finder({"Eng/Platform": 1, "Eng/Ｐｌａｔｆｏｒｍ": 2})
    # then each is found typed exactly, and no other spelling guesses between them
    assert (find("Eng/Platform"), find("Eng/Ｐｌａｔｆｏｒｍ"), find("eng/platform"), find("Eng/Platform\u200b")) == (
        1,
        2,
        None,
        None,
    )


def test_the_people_import_finds_a_team_typed_in_full_width():
    rows, _ = people_csv.parse(
        HEADER + "bo@example.com,Bo,Ｅｎｇｉｎｅｅｒｉｎｇ/ＰＬＡＴＦＯＲＭ,member,no\n",
        team_ids={"Engineering/Platform": 7},
    )
    assert (rows[0].team_id, rows[0].errors) == (7, [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"), [("Platform\u200b", "U+200B ZERO WIDTH SPACE"), ("Ｐｌａｔｆｏｒｍ", "reads the same")]
)
def test_the_django_admin_checks_a_team_name_as_the_teams_page_does(client, engineering, typed, message):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root@example.com", is_staff=True, is_superuser=True))
    page = client.post(reverse("admin:surveys_team_add"), {"name": typed, "parent": engineering.id})
    assert page.status_code == 200 and message in page.content.decode()
    assert Team.objects.filter(parent=engineering).count() == 1
    page = client.post(reverse("admin:surveys_team_add"), {"name": "Ｍｏｂｉｌｅ", "parent": engineering.id})
    assert page.status_code == 302 and Team.objects.filter(parent=engineering).count() == 2
