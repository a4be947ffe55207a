"""A people import's confirm does exactly what its preview showed, or nothing (issue #20, finding 1)."""

import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys import services
from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory, manager_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return TeamFactory(name="ACME")


@pytest.fixture
def ada(client, acme):
    """Ada is an admin by role (not a Django superuser), importing the people."""
    user, _ = manager_of(acme, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user


@pytest.fixture
def bo(acme):
    return PersonFactory(email="bo@example.com", name="Bo", team=acme, role=Person.Role.MEMBER)


def preview(client, text: str):
    upload = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("surveys:manage_people_import"), {"file": upload})


def confirm_token(page) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', page.content.decode()).group(1)


def state() -> list[tuple]:
    return sorted(Person.objects.values_list("email", "name", "team_id", "role", "is_active"))


def test_a_person_added_after_the_preview_is_not_deactivated_by_its_confirm(client, ada, bo):
    # given: the preview of the current export deactivates nobody
    page = preview(client, services.people_export())
    assert "deactivate 0 people" in page.content.decode()
    token = confirm_token(page)
    # when: Late Hire is added by hand, then the preview is confirmed
    response = client.post(
        reverse("surveys:manage_person_new"),
        {
            "email": "late.hire@example.com",
            "name": "Late Hire",
            "team": ada.person.team_id,
            "role": "member",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    before = state()
    done = client.post(reverse("surveys:manage_people_import"), {"confirm": token})
    # then: refused, saying why, and nothing changed
    assert done.status_code == 302 and done["Location"] == reverse("surveys:manage_people_import")
    message = " ".join(str(m) for m in get_messages(done.wsgi_request))
    assert "changed since the preview" in message and "Upload the file again" in message
    assert state() == before
    assert Person.objects.get(email="late.hire@example.com").is_active


def test_a_person_renamed_after_the_preview_makes_its_confirm_refused(client, ada, bo):
    page = preview(client, services.people_export())
    token = confirm_token(page)
    Person.objects.filter(email="bo@example.com").update(name="Bo Renamed")
    before = state()
    done = client.post(reverse("surveys:manage_people_import"), {"confirm": token})
    assert "changed since the preview" in " ".join(str(m) for m in get_messages(done.wsgi_request))
    assert state() == before


def test_a_confirm_with_nothing_changed_in_between_applies_the_preview(client, ada, bo, acme):
    text = services.people_export() + "cy@example.com,Cy,ACME,member,no\r\n"
    text = text.replace("bo@example.com,Bo,", "bo@example.com,Bo Bright,")
    page = preview(client, text)
    assert page.status_code == 200
    done = client.post(reverse("surveys:manage_people_import"), {"confirm": confirm_token(page)})
    message = " ".join(str(m) for m in get_messages(done.wsgi_request))
    assert done["Location"] == reverse("surveys:manage_people")
    assert "Imported: 1 added, 1 updated, 1 unchanged, 0 deactivated." in message  # Ada's line changes nothing
    assert Person.objects.get(email="bo@example.com").name == "Bo Bright"
    assert Person.objects.get(email="cy@example.com").team == acme


def test_the_service_refuses_a_plan_digest_that_differs_from_the_plan_now(ada, bo):
    text = services.people_export()
    previewed = services.people_import_plan(csv_text=text).digest
    PersonFactory(email="late.hire@example.com", team=bo.team)
    before = state()
    with pytest.raises(services.ImportChanged):
        services.people_import(csv_text=text, previewed=previewed)
    assert state() == before


def test_a_confirm_token_from_before_the_digest_was_carried_is_refused_as_expired(client, ada):
    from django.core import signing

    old = signing.dumps(services.people_export(), salt="align.people-import", compress=True)
    done = client.post(reverse("surveys:manage_people_import"), {"confirm": old})
    assert "expired or was altered" in " ".join(str(m) for m in get_messages(done.wsgi_request))
