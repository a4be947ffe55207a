"""A SCIM audit line keeps who, what and the group within its 200-character column: long values are cut in the
middle, not at the end (attack round 9: a long address or path cut at 200 lost the new value or the group)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.models import ReportAccess
from surveys.scim.services import _subject
from tests.factories import TeamFactory

from .conftest import GROUP, user_body

pytestmark = pytest.mark.django_db

LONG = "l" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 50 + ".com"  # 247 characters


def subjects(action: str) -> list[str]:
    return list(ReportAccess.objects.filter(report=action).values_list("subject", flat=True))


def test_adding_a_long_address_to_a_long_group_keeps_both_ends_of_each(scim):
    # given
    TeamFactory(name="Acme")
    user = scim.post("Users", user_body(LONG, name="Long Address")).json()["id"]
    group = scim.post("Groups", {"schemas": [GROUP], "displayName": "Acme/" + "G" * 100}).json()["id"]
    # when
    scim.patch(f"Groups/{group}", {"op": "add", "path": "members", "value": [{"value": user}]})
    # then
    (line,) = subjects("scim:member_add")
    who, _, where = line.partition(" → ")
    assert len(line) <= 200
    assert who.startswith("llll") and who.endswith(".com") and "…" in who
    assert where.startswith("Acme/GGG") and where.endswith("GGG")


def test_a_user_update_keeps_the_new_value(scim):
    user = scim.post("Users", user_body("bob@example.com", name="Bob")).json()["id"]
    scim.patch(f"Users/{user}", {"op": "replace", "path": "displayName", "value": "B" * 190 + " Newname"})
    (line,) = subjects("scim:user_update")
    assert len(line) <= 200 and line.startswith("bob@example.com: name Bob → ") and line.endswith(" Newname")


@given(parts=st.lists(st.text(min_size=0, max_size=400), min_size=1, max_size=4))
def test_a_subject_fits_its_column_and_keeps_every_part_that_fits_whole(parts):
    template = " → ".join("{}" for _ in parts)
    subject = _subject(template, *parts)
    assert len(subject) <= 200
    if len(template.format(*parts)) <= 200:
        assert subject == template.format(*parts)
    shortest = min(parts, key=len)
    if len(shortest) * len(parts) <= 200 - len(template.replace("{}", "")):
        assert shortest in subject
