"""Importing an unchanged export changes nobody and says so (issue 20, attack round 8): it previewed "update 281" and
confirmed "Imported: 1 added, 281 updated" though every line read "no change"; and a second confirm of the same
preview (a double submit without JavaScript) said "The people changed since the preview… nothing was imported"
though the first had imported."""

import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import services
from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory, manager_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return TeamFactory(name="Acme")


@pytest.fixture
def ada(client, acme):
    """Ada is an admin by role, importing the people; Bo, Cy and Di are members."""
    user, _ = manager_of(acme, email="ada@example.com", role=Person.Role.ADMIN)
    for name in ("Bo", "Cy", "Di"):
        PersonFactory(email=f"{name.lower()}@example.com", name=name, team=acme)
    client.force_login(user)
    return user


def preview(client, text: str):
    upload = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("surveys:manage_people_import"), {"file": upload})


def confirm(client, page):
    token = re.search(r'name="confirm" value="([^"]+)"', page.content.decode()).group(1)
    done = client.post(reverse("surveys:manage_people_import"), {"confirm": token})
    return [str(message) for message in get_messages(done.wsgi_request)][-1]  # this confirm's own message


def test_an_unchanged_export_previews_and_imports_as_unchanged(client, ada):
    page = preview(client, services.people_export())
    text = page.content.decode()
    assert "Importing will add 0, update 0, leave 4 unchanged and deactivate 0 people." in text
    assert text.count("<td>unchanged</td>") == 4 and "<td>update</td>" not in text
    assert confirm(client, page) == "Imported: 0 added, 0 updated, 4 unchanged, 0 deactivated."


def test_the_attack_s_export_with_one_new_line_adds_one_and_updates_nobody(client, ada):
    page = preview(client, services.people_export() + "new@example.com,New Person,Acme,member,no\r\n")
    assert "Importing will add 1, update 0, leave 4 unchanged and deactivate 0 people." in page.content.decode()
    assert confirm(client, page) == "Imported: 1 added, 0 updated, 4 unchanged, 0 deactivated."


def test_a_second_confirm_of_the_same_preview_says_it_was_already_imported(client, ada):
    page = preview(client, services.people_export() + "new@example.com,New Person,Acme,member,no\r\n")
    assert confirm(client, page) == "Imported: 1 added, 0 updated, 4 unchanged, 0 deactivated."
    before = sorted(Person.objects.values_list("email", "name", "team_id", "role", "is_active"))
    # when: the same preview is confirmed again (the form sent twice)
    assert confirm(client, page) == (
        "This file was already imported: the people already match it, so nothing changed. (The same preview was "
        "probably confirmed twice.)"
    )
    assert sorted(Person.objects.values_list("email", "name", "team_id", "role", "is_active")) == before


def test_a_confirm_after_someone_else_changed_a_person_is_still_refused_as_changed(client, ada):
    page = preview(client, services.people_export())
    Person.objects.filter(email="bo@example.com").update(name="Bo Renamed")
    assert "changed since the preview" in confirm(client, page)
    assert Person.objects.get(email="bo@example.com").name == "Bo Renamed"


CHANGES = {
    "name": lambda line: line.replace(",Bo,", ",Bo Bright,").replace(",Cy,", ",Cy Clear,").replace(",Di,", ",Di Dee,"),
    "role": lambda line: line.replace(",member,", ",leader,"),
    "manager": lambda line: line.replace(",no", ",yes"),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changed=st.dictionaries(st.sampled_from(["bo", "cy", "di"]), st.sampled_from(sorted(CHANGES)), max_size=3))
def test_a_person_is_counted_updated_exactly_when_their_line_changes_them(ada, changed):
    lines = services.people_export().splitlines()
    edited = [CHANGES[changed[line.split("@")[0]]](line) if line.split("@")[0] in changed else line for line in lines]
    plan = services.people_import_plan(csv_text="\r\n".join(edited) + "\r\n")
    assert plan.valid
    assert sorted(plan.updated) == sorted(f"{who}@example.com" for who in changed)
    assert sorted(plan.unchanged) == sorted(
        f"{who}@example.com" for who in ("ada", "bo", "cy", "di") if who not in changed
    )
    assert plan.created == [] and plan.deactivated == []
