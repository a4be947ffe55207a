import pytest

from feedback.models import MetricDefinition, MetricValue, ReportAccess
from surveys.models import Person, Team
from surveys.scim.services import unassigned_team
from tests.factories import PersonFactory, TeamFactory

from .conftest import GROUP, scim_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def engineering():
    acme = TeamFactory(name="Acme")
    return TeamFactory(name="Engineering", parent=acme)


def members(team: Team) -> set[str]:
    return set(Person.objects.filter(team=team).values_list("email", flat=True))


def test_every_team_is_a_group_named_by_its_path(scim, engineering):
    bob = PersonFactory(email="bob@example.com", team=engineering)
    body = scim.get("Groups").json()
    groups = {group["displayName"]: group for group in body["Resources"]}
    assert set(groups) == {"Acme", "Acme/Engineering"}
    assert groups["Acme/Engineering"]["members"] == [
        {"value": str(bob.pk), "$ref": f"http://testserver/scim/v2/Users/{bob.pk}"}
    ]
    assert "members" not in groups["Acme"]
    assert groups["Acme/Engineering"]["schemas"] == [GROUP]


def test_a_group_is_found_by_its_path_in_any_case_to_link_it(scim, engineering):
    body = scim.get("Groups", filter='displayName eq "acme/ENGINEERING"', excludedAttributes="members").json()
    assert [group["id"] for group in body["Resources"]] == [str(engineering.pk)]
    assert "members" not in body["Resources"][0]


def test_groups_are_filtered_by_a_member(scim, engineering):
    bob = PersonFactory(email="bob@example.com", team=engineering)
    body = scim.get("Groups", filter=f'id eq "{engineering.pk}" and members[value eq "{bob.pk}"]').json()
    assert body["totalResults"] == 1
    other = PersonFactory()
    assert scim.get("Groups", filter=f'members[value eq "{other.pk}"]').json()["totalResults"] == 1


def test_a_group_is_created_as_a_team_under_the_team_its_path_names_with_its_members(scim, engineering):
    # given: Bob was created by the provider, so he is in Unassigned
    bob = scim.post("Users", {"userName": "bob@example.com", "displayName": "Bob"}).json()
    # when
    response = scim.post(
        "Groups", {"schemas": [GROUP], "displayName": "Acme/Engineering/Platform", "externalId": "g1",
                   "members": [{"value": bob["id"]}]},
    )  # fmt: skip
    # then
    assert response.status_code == 201, response.content
    platform = Team.objects.get(name="Platform")
    assert (platform.parent, platform.external_id) == (engineering, "g1")
    assert members(platform) == {"bob@example.com"}
    assert response.json()["members"][0]["value"] == bob["id"]
    assert list(ReportAccess.objects.filter(report__startswith="scim:").values_list("report", "subject")) == [
        ("scim:member_add", "bob@example.com → Acme/Engineering/Platform"),
        ("scim:group_create", "Acme/Engineering/Platform"),
        ("scim:user_create", "bob@example.com"),
    ]


def test_a_group_at_an_existing_path_is_a_409_and_under_a_missing_parent_a_400(scim, engineering):
    scim_error(scim.post("Groups", {"displayName": "Acme/engineering"}), 409, "uniqueness")
    scim_error(scim.post("Groups", {"displayName": "Nowhere/Platform"}), 400, "invalidValue")
    scim_error(scim.post("Groups", {"displayName": "Acme/Ｅｎｇｉｎｅｅｒｉｎｇ"}), 409, "uniqueness")


def test_an_okta_patch_adds_and_removes_members_by_value_path(scim, engineering):
    bob = PersonFactory(email="bob@example.com", team=scim_unassigned())
    path = f"Groups/{engineering.pk}"
    # when: added
    response = scim.patch(path, {"op": "add", "path": "members", "value": [{"value": str(bob.pk)}]})
    assert response.status_code == 200, response.content
    assert members(engineering) == {"bob@example.com"}
    # when: removed, Okta's way
    response = scim.patch(path, {"op": "remove", "path": f'members[value eq "{bob.pk}"]'})
    assert response.status_code == 200, response.content
    assert members(engineering) == set()
    bob.refresh_from_db()
    assert bob.team.name == "Unassigned"
    assert (
        ReportAccess.objects.filter(report="scim:member_remove").get().subject == "bob@example.com ← Acme/Engineering"
    )


def test_an_entra_patch_removes_members_with_a_value_list_and_renames_with_replace(scim, engineering):
    bob = PersonFactory(email="bob@example.com", team=engineering)
    carol = PersonFactory(email="carol@example.com", team=engineering)
    response = scim.patch(
        f"Groups/{engineering.pk}",
        {"op": "Remove", "path": "members", "value": [{"value": str(bob.pk)}]},
        {"op": "Replace", "path": "displayName", "value": "Acme/R&D"},
    )
    assert response.status_code == 200, response.content
    engineering.refresh_from_db()
    assert engineering.name == "R&D"
    assert members(engineering) == {carol.email}
    assert response.json()["displayName"] == "Acme/R&D"


def test_a_patch_replacing_the_group_without_a_path_keeps_members(scim, engineering):
    bob = PersonFactory(email="bob@example.com", team=engineering)
    response = scim.patch(
        f"Groups/{engineering.pk}",
        {"op": "replace", "value": {"id": str(engineering.pk), "displayName": "Acme/Engineering", "externalId": "x"}},
    )
    assert response.status_code == 200, response.content
    engineering.refresh_from_db()
    assert engineering.external_id == "x"
    assert members(engineering) == {bob.email}


def test_putting_a_person_of_another_group_into_a_second_is_a_409_naming_the_first(scim, engineering):
    sales = TeamFactory(name="Sales", parent=engineering.parent)
    bob = PersonFactory(email="bob@example.com", team=sales)
    body = scim_error(
        scim.patch(f"Groups/{engineering.pk}", {"op": "add", "path": "members", "value": [{"value": str(bob.pk)}]}),
        409,
        "uniqueness",
    )
    assert "Acme/Sales" in body["detail"]
    bob.refresh_from_db()
    assert bob.team == sales


def test_a_put_replaces_the_members(scim, engineering):
    bob = PersonFactory(email="bob@example.com", team=engineering)
    carol = PersonFactory(email="carol@example.com", team=scim_unassigned())
    response = scim.put(
        f"Groups/{engineering.pk}", {"displayName": "Acme/Engineering", "members": [{"value": str(carol.pk)}]}
    )
    assert response.status_code == 200, response.content
    assert members(engineering) == {carol.email}
    bob.refresh_from_db()
    assert bob.team.name == "Unassigned"


def test_an_unknown_member_is_a_400_and_changes_nothing(scim, engineering):
    bob = PersonFactory(email="bob@example.com", team=engineering)
    scim_error(
        scim.put(f"Groups/{engineering.pk}", {"displayName": "Acme/Engineering", "members": [{"value": "999999"}]}),
        400,
        "invalidValue",
    )
    assert members(engineering) == {bob.email}


def test_an_empty_group_is_deleted_and_one_holding_metric_values_is_kept_with_a_409(scim, engineering):
    empty = TeamFactory(name="Empty", parent=engineering)
    assert scim.delete(f"Groups/{empty.pk}").status_code == 204
    assert not Team.objects.filter(pk=empty.pk).exists()
    metric = MetricDefinition.objects.get(key="revenue")
    MetricValue.objects.create(
        metric=metric, team=engineering, period_start="2026-01-01", period_end="2026-01-31", value=1.0
    )
    scim_error(scim.delete(f"Groups/{engineering.pk}"), 409)
    assert Team.objects.filter(pk=engineering.pk).exists()


def scim_unassigned() -> Team:
    return unassigned_team()
