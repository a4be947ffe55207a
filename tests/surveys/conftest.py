import pytest
from django.core import mail
from django.db import connection

from surveys import services
from surveys.models import Invitation, Person
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of


def physical_order() -> str:
    """Return the column that orders rows as stored (PostgreSQL's ctid, SQLite's rowid)."""
    return "ctid" if connection.vendor == "postgresql" else "rowid"


@pytest.fixture
def platform():
    return TeamFactory(name="Platform")


@pytest.fixture
def open_cycle(platform):
    """An open cycle for Platform's six people, invitations sent."""
    PersonFactory.create_batch(6, team=platform)
    cycle = CycleFactory(teams=[platform])
    services.cycle_open(cycle_id=cycle.id)
    services.invitations_send_batch(cycle_id=cycle.id, batch_size=100)
    mail.outbox.clear()
    return cycle


@pytest.fixture
def invitation(open_cycle):
    return Invitation.objects.filter(cycle=open_cycle).order_by("id").first()


@pytest.fixture
def token(invitation):
    """A working link token for `invitation` (replacing the one that was emailed)."""
    return services.invitation_link_issue(invitation_id=invitation.id)


@pytest.fixture
def ada(client):
    """Ada is an admin by role (not a Django superuser) of the team Ops, logged in on `client`."""
    user, _ = manager_of(TeamFactory(name="Ops"), email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user
