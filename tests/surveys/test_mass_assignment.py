"""Mass assignment: fields nobody should set (team, cycle, role, is_staff, source, …) posted to every form and
to the API are ignored or refused — the stored rows are exactly what the server decides."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from feedback import services as feedback_services
from feedback.models import Action, MetricValue
from surveys.models import Cycle, Person, Response, Team
from tests.factories import TeamFactory, UserFactory, manager_of
from tests.feedback.conftest import run_cycle
from tests.surveys.test_views import form_data

pytestmark = pytest.mark.django_db
EXTRA = {"is_staff": "on", "is_superuser": "on", "user": "1", "id": "999", "created_by": "1", "source": "dora"}


def test_a_survey_submit_cannot_choose_its_team_or_cycle(client, token, open_cycle, platform):
    other = TeamFactory(name="Elsewhere")
    other_cycle = run_cycle([(TeamFactory(name="Third"), [{}] * 5)])
    client.get(f"/s/{token}/")
    data = form_data(open_cycle) | {"team": str(other.id), "cycle": str(other_cycle.id), **EXTRA}
    assert client.post(reverse("surveys:answer"), data).status_code == 302
    response = Response.objects.get(cycle=open_cycle)
    assert response.team_id == platform.id
    assert not Response.objects.filter(team=other).exists()
    assert Response.objects.filter(cycle=other_cycle).count() == 5


def test_an_admin_editing_a_person_cannot_make_a_login_staff_through_the_form(client):
    ops = TeamFactory(name="Ops")
    admin, _ = manager_of(ops, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    user = UserFactory(username="charlie@example.com")
    charlie = Person.objects.create(email="charlie@example.com", name="Charlie", team=ops, user=user)
    data = {"email": "charlie@example.com", "name": "Charlie C", "team": ops.id, "role": "member", "is_active": "on"}
    data |= EXTRA  # (without is_active the form would deactivate Charlie, which asks to confirm first)
    response = client.post(reverse("surveys:manage_person", args=[charlie.id]), data)
    assert response.status_code in (200, 302)
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser
    assert Person.objects.get(id=charlie.id).name == "Charlie C"


def test_an_action_is_always_the_urls_team_and_the_poster(client):
    a, b = TeamFactory(name="A"), TeamFactory(name="B")
    cycle = run_cycle([(a, [{}] * 5), (b, [{}] * 5)])
    Cycle.objects.filter(id=cycle.id).update(state=Cycle.State.PUBLISHED)
    alice, _ = manager_of(a, email="alice@example.com")
    client.force_login(alice)
    data = {"text": "Pairing", "team": b.id, "cycle": 0, **EXTRA}
    client.post(reverse("feedback:action_add", args=[a.id, cycle.id]), data)
    action = Action.objects.get()
    assert (action.team_id, action.cycle_id, action.created_by_id) == (a.id, cycle.id, alice.id)


def test_api_rows_cannot_set_source_ids_or_builtin_metrics():
    TeamFactory(name="Engineering")
    _, secret = feedback_services.api_token_create(name="exporter", created_by=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    row = {"metric": "revenue", "team": "Engineering", "period_start": "2026-10-01", "period_end": "2026-10-31",
           "value": 10.0, "source": "dora", "id": 1, "updated_at": "2000-01-01T00:00:00Z"}  # fmt: skip
    url = reverse("api-metric-values-batch")
    response = client.post(url, data=json.dumps({"values": [row]}), content_type="application/json")
    assert response.status_code == 200, response.content
    value = MetricValue.objects.get(metric__key="revenue")
    assert value.source == "api" and value.updated_at.year > 2000
    builtin = row | {"metric": "change-failure-rate"}
    response = client.post(url, data=json.dumps({"values": [builtin]}), content_type="application/json")
    assert response.status_code == 400
    assert not MetricValue.objects.filter(metric__key="change-failure-rate").exists()
    assert Team.objects.count() == 1
