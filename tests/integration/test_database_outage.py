"""PostgreSQL unreachable for a moment while people submit: a clear 503, nothing lost, nothing half-written."""

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from surveys import services
from surveys.models import Invitation, Response
from tests.factories import CycleFactory, PersonFactory, TeamFactory
from tests.surveys.test_views import form_data

from .conftest import database_dsn

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_submit_during_an_outage_gets_a_503_and_the_retry_stores_exactly_one_response(client):
    if connection.vendor != "postgresql":
        pytest.fail("the outage test needs PostgreSQL (DATABASE_URL)")
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    token = services.invitation_link_issue(invitation_id=Invitation.objects.filter(cycle=cycle).first().id)
    client.get(f"/s/{token}/")
    assert client.get(reverse("surveys:answer")).status_code == 200
    answers = form_data(cycle)
    name = database_dsn()["dbname"]
    with psycopg.connect(**database_dsn() | {"dbname": "postgres"}, autocommit=True) as admin:
        # the database goes away: no new connections, every open one cut
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            during = client.post(reverse("surveys:answer"), answers)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    assert during.status_code == 503 and during["Retry-After"] == "30"
    assert "Nothing you sent was kept" in during.content.decode()
    # and once it is back, the same link and the same answers go through, once
    # A server drops the dead connection at the start of the next request (close_old_connections and
    # CONN_HEALTH_CHECKS); Django's test client switches that off, so do it here.
    connection.close()
    after = client.post(reverse("surveys:answer"), answers)
    assert after.status_code == 302 and "/survey/thanks/" in after["Location"]
    assert Response.objects.filter(cycle=cycle).count() == 1
