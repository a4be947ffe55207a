import pytest

from feedback.models import ReportAccess
from surveys import services
from surveys.models import CycleTeam, Invitation, Person
from tests.factories import CycleFactory, PersonFactory, TeamFactory

from .conftest import MEDIA_TYPE, USER, scim_error, user_body

pytestmark = pytest.mark.django_db


def audit(action: str) -> list[str]:
    return list(ReportAccess.objects.filter(report=action).values_list("subject", flat=True))


def test_a_user_is_created_as_a_member_of_unassigned_and_read_back(scim):
    # when
    response = scim.post("Users", user_body("Bob@Example.com", externalId="00u1"))
    # then
    assert response.status_code == 201
    assert response["Content-Type"] == MEDIA_TYPE
    body = response.json()
    person = Person.objects.get(pk=int(body["id"]))
    assert (person.email, person.name, person.role, person.team.name) == (
        "bob@example.com",
        "Bob Builder",
        Person.Role.MEMBER,
        "Unassigned",
    )
    assert response["Location"].endswith(f"/scim/v2/Users/{person.pk}")
    read = scim.get(f"Users/{person.pk}").json()
    assert read["userName"] == "bob@example.com"
    assert read["externalId"] == "00u1"
    assert read["active"] is True
    assert read["schemas"] == [USER]
    assert read["groups"][0]["display"] == "Unassigned"
    assert audit("scim:user_create") == ["bob@example.com"]
    assert ReportAccess.objects.get(report="scim:user_create").viewer.startswith("SCIM token Okta")


def test_a_user_name_already_taken_in_another_case_is_a_409_uniqueness_error(scim):
    PersonFactory(email="bob@example.com")
    scim_error(scim.post("Users", user_body("BOB@EXAMPLE.COM")), 409, "uniqueness")


def test_a_user_name_that_is_not_an_email_address_needs_an_address_in_emails(scim):
    body = scim_error(scim.post("Users", user_body("bob")), 400, "invalidValue")
    assert "'bob' is not an email address" in body["detail"]
    body = scim_error(scim.post("Users", user_body("bob@localhost")), 400, "invalidValue")
    assert body["detail"].startswith("userName (the person's email address): ")


def test_a_user_principal_name_is_kept_beside_the_address_from_emails(scim):
    # when: Entra ID sends a user principal name that is not a mailbox, and the mail in emails
    emails = [{"value": "other@example.com", "type": "home"}, {"value": "Bob@Example.com", "primary": True}]
    response = scim.post("Users", user_body("bob.builder", emails=emails))
    # then
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=int(response.json()["id"]))
    assert (person.email, person.user_name) == ("bob@example.com", "bob.builder")
    found = scim.get("Users", filter='userName eq "BOB.Builder"').json()["Resources"]
    assert [user["userName"] for user in found] == ["bob.builder"]
    assert scim.get("Users", filter='userName eq "bob@example.com"').json()["totalResults"] == 0
    scim_error(scim.post("Users", user_body("bob.builder", emails=emails)), 409, "uniqueness")
    scim_error(scim.post("Users", user_body("bob@example.com")), 409, "uniqueness")


def test_users_are_filtered_by_user_name_in_any_case(scim):
    bob = PersonFactory(email="bob@example.com")
    PersonFactory(email="carol@example.com")
    # when
    body = scim.get("Users", filter='userName eq "BOB@example.COM"').json()
    # then
    assert body["totalResults"] == 1
    assert [user["id"] for user in body["Resources"]] == [str(bob.pk)]
    assert scim.get("Users", filter='userName eq "nobody@example.com"').json()["totalResults"] == 0


def test_users_are_filtered_by_external_id_exactly_and_by_and_or(scim):
    bob = PersonFactory(email="bob@example.com", external_id="abc")
    carol = PersonFactory(email="carol@example.com", external_id="ABC")
    assert [u["id"] for u in scim.get("Users", filter='externalId eq "abc"').json()["Resources"]] == [str(bob.pk)]
    both = scim.get("Users", filter='externalId eq "abc" or userName eq "carol@example.com"').json()
    assert {u["id"] for u in both["Resources"]} == {str(bob.pk), str(carol.pk)}


def test_a_list_is_paged_by_start_index_and_count(scim):
    people = PersonFactory.create_batch(5)
    body = scim.get("Users", startIndex=2, count=2).json()
    assert body["totalResults"] == 5
    assert (body["startIndex"], body["itemsPerPage"]) == (2, 2)
    assert [u["id"] for u in body["Resources"]] == [str(p.pk) for p in people[1:3]]
    assert scim.get("Users", count=0).json()["Resources"] == []


def test_a_filter_that_cannot_be_read_or_names_an_unknown_attribute_is_a_400_invalid_filter(scim):
    scim_error(scim.get("Users", filter="userName eq"), 400, "invalidFilter")
    scim_error(scim.get("Users", filter='nickName eq "bob"'), 400, "invalidFilter")
    scim_error(scim.get("Groups", filter='nickName eq "bob"'), 400, "invalidFilter")


def test_a_put_replaces_the_name_address_and_external_id(scim):
    bob = PersonFactory(email="bob@example.com", name="Bob")
    # when
    response = scim.put(f"Users/{bob.pk}", user_body("robert@example.com", "Robert Builder", externalId="x1"))
    # then
    assert response.status_code == 200
    bob.refresh_from_db()
    assert (bob.email, bob.name, bob.external_id) == ("robert@example.com", "Robert Builder", "x1")
    assert audit("scim:user_update") == [
        "robert@example.com: address bob@example.com → robert@example.com; name Bob → Robert Builder; externalId  → x1"
    ]


def test_an_entra_patch_replaces_with_a_value_object_and_active_as_the_string_false(scim, ada):
    bob = PersonFactory(email="bob@example.com", name="Bob")
    # when: Entra ID's shape
    response = scim.patch(
        f"Users/{bob.pk}",
        {"op": "Replace", "path": "displayName", "value": "Bobby"},
        {"op": "Replace", "path": "active", "value": "False"},
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    bob.refresh_from_db()
    assert (bob.name, bob.is_active) == ("Bobby", False)
    assert audit("scim:user_deactivate") == ["bob@example.com"]


def test_an_okta_patch_replaces_with_no_path_and_a_value_object(scim, ada):
    bob = PersonFactory(email="bob@example.com", name="Bob")
    response = scim.patch(f"Users/{bob.pk}", {"op": "replace", "value": {"id": str(bob.pk), "active": False}})
    assert response.status_code == 200, response.content
    bob.refresh_from_db()
    assert bob.is_active is False
    # and back
    scim.patch(f"Users/{bob.pk}", {"op": "replace", "value": {"active": True}})
    bob.refresh_from_db()
    assert bob.is_active is True


def test_a_patch_of_given_and_family_name_renames_the_person(scim):
    bob = PersonFactory(email="bob@example.com", name="Bob Builder")
    scim.patch(
        f"Users/{bob.pk}",
        {"op": "replace", "value": {"name.givenName": "Robert", "name.familyName": "Baumeister"}},
    )
    bob.refresh_from_db()
    assert bob.name == "Robert Baumeister"


def test_a_patch_of_an_attribute_align_does_not_keep_changes_nothing_and_is_not_refused(scim):
    bob = PersonFactory(email="bob@example.com", name="Bob")
    response = scim.patch(
        f"Users/{bob.pk}",
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "R&D"},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "bob@example.com"},
    )
    assert response.status_code == 200, response.content
    assert ReportAccess.objects.filter(report="scim:user_update").count() == 0


def test_a_patch_with_an_unknown_operation_or_a_broken_path_is_a_400(scim):
    bob = PersonFactory()
    scim_error(scim.patch(f"Users/{bob.pk}", {"op": "merge", "path": "active", "value": True}), 400, "invalidSyntax")
    scim_error(scim.patch(f"Users/{bob.pk}", {"op": "replace", "path": "name[", "value": "x"}), 400, "invalidPath")
    maybe = {"op": "replace", "path": "active", "value": "maybe"}
    scim_error(scim.patch(f"Users/{bob.pk}", maybe), 400, "invalidValue")
    scim_error(scim.patch(f"Users/{bob.pk}", {"op": "replace", "path": "id", "value": "9"}), 400, "mutability")


def test_deactivating_the_last_admin_through_scim_is_refused_and_changes_nothing(scim, ada):
    body = scim_error(scim.patch(f"Users/{ada.pk}", {"op": "replace", "path": "active", "value": False}), 400)
    assert "Manage" in body["detail"]
    ada.refresh_from_db()
    assert ada.is_active is True
    assert audit("scim:user_deactivate") == []


def test_deactivation_through_scim_leaves_the_audience_of_an_open_cycle_as_it_was_frozen(scim, ada):
    # given: an open cycle for Platform's six people
    platform = TeamFactory(name="Platform")
    people = PersonFactory.create_batch(6, team=platform)
    cycle = CycleFactory(teams=[platform])
    services.cycle_open(cycle_id=cycle.id)
    frozen = sorted(Invitation.objects.filter(cycle=cycle).values_list("person_id", "team_id", "email"))
    tree = sorted(CycleTeam.objects.filter(cycle=cycle).values_list("team_id", "parent_id", "name"))
    # when
    response = scim.patch(f"Users/{people[0].pk}", {"op": "replace", "path": "active", "value": False})
    # then
    assert response.status_code == 200
    assert sorted(Invitation.objects.filter(cycle=cycle).values_list("person_id", "team_id", "email")) == frozen
    assert sorted(CycleTeam.objects.filter(cycle=cycle).values_list("team_id", "parent_id", "name")) == tree
    people[0].refresh_from_db()
    assert (people[0].is_active, people[0].team_id) == (False, platform.pk)


def test_a_deleted_user_is_deactivated_answers_404_and_comes_back_when_created_again(scim, ada):
    bob = PersonFactory(email="bob@example.com")
    # when
    assert scim.delete(f"Users/{bob.pk}").status_code == 204
    # then
    bob.refresh_from_db()
    assert bob.is_active is False
    scim_error(scim.get(f"Users/{bob.pk}"), 404)
    assert scim.get("Users", filter='userName eq "bob@example.com"').json()["totalResults"] == 0
    # and created again, the same person is back
    again = scim.post("Users", user_body("bob@example.com"))
    assert again.status_code == 201
    assert again.json()["id"] == str(bob.pk)
    bob.refresh_from_db()
    assert bob.is_active is True
    assert audit("scim:user_delete") == ["bob@example.com"]
    assert audit("scim:user_restore") == ["bob@example.com"]


def test_an_unknown_id_is_a_404_scim_error(scim):
    scim_error(scim.get("Users/999999"), 404)
    scim_error(scim.get("Users/abc"), 404)
    scim_error(scim.get("Groups/999999"), 404)


@pytest.mark.parametrize(
    "body",
    [
        "{",
        "[1, 2]",
        '"text"',
        b"\xff\xfe",
        '{"userName": "a@example.com", "userName": "b@example.com"}',
        "[" * 100000,
        '{"userName": 5, "displayName": "x"}',
        '{"userName": "a@example.com", "displayName": ["x"]}',
        '{"userName": "a@example.com", "displayName": "x", "active": null}',
        '{"userName": "a\\u0000@example.com", "displayName": "x"}',
    ],
)
def test_a_malformed_body_is_a_400_scim_error_not_a_500(scim, body):
    scim_error(scim.send("POST", "Users", body), 400)


def test_a_body_of_another_type_is_refused_with_415(scim):
    scim_error(scim.send("POST", "Users", "userName=x", content_type="application/x-www-form-urlencoded"), 415)


def test_a_user_name_written_by_a_concurrent_request_is_a_409_not_a_500(scim, monkeypatch):
    # given: the first request's check ran before the second request's write
    first = scim.post("Users", user_body("bob.builder", emails=[{"value": "bob@example.com"}]))
    assert first.status_code == 201
    monkeypatch.setattr("surveys.scim.services.person_by_user_name", lambda user_name: None)
    # when
    response = scim.post("Users", user_body("BOB.BUILDER", emails=[{"value": "robert@example.com"}]))
    # then
    scim_error(response, 409, "uniqueness")
    assert Person.objects.filter(email="robert@example.com").count() == 0
