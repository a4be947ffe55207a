"""Teams created at once under one parent with names that read the same: exactly one is made, on PostgreSQL's
real locks (attack round 9: twelve concurrent SCIM creates of Acme/Racea, Acme/racea and Acme/Rаcea — a Cyrillic
а — made look-alike siblings)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from feedback import services as feedback_services
from feedback.models import ApiToken
from surveys import services
from surveys.models import Team
from surveys.scim import services as scim_services
from surveys.scim.protocol import ScimError
from surveys.scim.resources import GroupAsked

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SPELLINGS = ["Racea", "racea", "R\u0430cea"]  # the third with a Cyrillic а


def race(write, count: int = 12) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def go(i):
        try:
            barrier.wait()
            write(SPELLINGS[i % len(SPELLINGS)])
            outcomes.append("made")
        except (ValidationError, ScimError):
            outcomes.append("refused")
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.parametrize("top_level", [False, True])
def test_twelve_simultaneous_creates_of_look_alike_siblings_make_exactly_one_team(top_level):
    # given
    acme = None if top_level else services.team_save(name="Acme", parent=None)
    # when
    outcomes = race(lambda name: services.team_save(name=name, parent=acme))
    # then
    assert connection.vendor == "postgresql"
    assert outcomes == ["made"] + ["refused"] * 11
    assert Team.objects.filter(parent=acme).exclude(name="Acme").count() == 1


def test_simultaneous_renames_to_look_alike_names_leave_no_two_siblings_reading_the_same():
    acme = services.team_save(name="Acme", parent=None)
    teams = [services.team_save(name=f"Team {i}", parent=acme).pk for i in range(12)]
    ids = iter(teams)
    lock = threading.Lock()

    def rename(name):
        with lock:
            team_id = next(ids)
        services.team_save(name=name, parent=acme, team_id=team_id)

    outcomes = race(rename)
    assert outcomes == ["made"] + ["refused"] * 11


def test_scim_group_creates_at_once_make_one_group_and_answer_the_others_409():
    services.team_save(name="Acme", parent=None)
    token, _ = feedback_services.api_token_create(name="Entra", created_by=None, scope=ApiToken.Scope.SCIM)
    statuses: list[int] = []

    def create(name):
        try:
            scim_services.scim_group_create(
                asked=GroupAsked(path=f"Acme/{name}", external_id="", member_ids=None), token=token
            )
        except ScimError as error:
            statuses.append(error.status)
            raise

    outcomes = race(create)
    assert outcomes == ["made"] + ["refused"] * 11
    assert statuses == [409] * 11
