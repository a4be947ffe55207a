"""Django's admin stays for power users, but cannot weaken anonymity."""

import pytest
from django.urls import reverse

from surveys import services
from surveys.models import Cycle
from tests.factories import CycleFactory, PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root@example.com", is_staff=True, is_superuser=True))


def test_the_threshold_of_an_open_cycle_cannot_be_lowered_in_the_django_admin(client, root):
    team = TeamFactory()
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team], threshold=5)
    services.cycle_open(cycle_id=cycle.id)
    page = client.get(reverse("admin:surveys_cycle_change", args=[cycle.id])).content.decode()
    assert 'name="threshold"' not in page
    data = {
        "name": cycle.name, "teams": [team.id], "threshold": 3, "template": cycle.template_id,
        "opens_at_0": "2026-01-01", "opens_at_1": "09:00", "closes_at_0": "2030-01-01", "closes_at_1": "09:00",
        "reminder_days": "[]",
    }  # fmt: skip
    client.post(reverse("admin:surveys_cycle_change", args=[cycle.id]), data)
    assert Cycle.objects.get(id=cycle.id).threshold == 5


def test_a_person_is_not_deactivated_in_the_django_admin_where_their_login_would_stay_on(client, root):
    # round 9 of the outside tests: only people_deactivate switches the login off and keeps an admin
    person = PersonFactory(team=TeamFactory(), user=UserFactory(username="kim@example.com"))
    page = client.get(reverse("admin:surveys_person_change", args=[person.id])).content.decode()
    assert 'name="is_active"' not in page
    data = {"email": person.email, "name": person.name, "team": person.team_id, "role": person.role}
    data |= {"user": person.user_id}
    client.post(reverse("admin:surveys_person_change", args=[person.id]), data | {"is_active": ""})
    person.refresh_from_db()
    assert person.is_active and person.user.is_active


def test_responses_answers_and_comments_are_not_browsable_in_the_django_admin(client, root):
    for model in ("response", "answer", "comment", "invitationtoken", "spenttoken"):
        assert client.get(f"/admin/surveys/{model}/").status_code == 404
    page = client.get(reverse("admin:surveys_invitation_changelist")).content.decode()
    assert "responded" not in page.lower()


@pytest.mark.parametrize(
    ("page", "field"),
    [
        ("surveys_person_add", "managed_teams"),
        ("surveys_cycleschedule_add", "teams"),
        ("surveys_cycle_add", "teams"),
        ("auth_group_add", "permissions"),
    ],
)
def test_an_id_too_large_for_a_key_is_refused_like_an_unknown_one(client, root, page, field):
    # SQLite's driver overflowed on it inside Django's field: a 500.
    response = client.post(reverse(f"admin:{page}"), {"name": "x", field: [str(2**63)]})
    assert response.status_code == 200 and "is not a valid value" in response.content.decode()


def test_a_group_id_too_large_for_a_key_is_refused_on_a_users_page(client, root):
    user = UserFactory(username="someone@example.com")
    response = client.post(reverse("admin:auth_user_change", args=[user.id]), {"groups": [str(2**63)]})
    assert response.status_code == 200 and "is not a valid value" in response.content.decode()
