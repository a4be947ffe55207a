"""A repeated delivery row spelt otherwise is a repeat (issue #20, round 8 L4, in part).

Rows of the same time differing only in how an identifier is written — the environment's case or surrounding
spaces, a commit id abbreviated to a prefix of the stored one — were answered "recorded", not "unchanged", though
matching reads them as the same deployment (environments ignoring case, as GitHub compares them; an abbreviation
of 7 or more digits as the commit it begins). The repeat test now compares them as matching does. A fuller id than
the one stored is news and is kept, whichever arrives first.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import services
from feedback.models import Deployment, Incident
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

AT = "2026-11-24T10:00:00Z"
SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
OTHER = "4b825dc642cb6eb9a060e54bf8d69288fbee4999"  # shares SHA's first 38 digits


@pytest.fixture
def platform():
    return TeamFactory(name="Platform", parent=TeamFactory(name="Acme"))


@pytest.fixture
def machine():
    _, secret = services.api_token_create(name="CI exporter", created_by=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def send(machine, kind: str, **row) -> dict:
    response = machine.post(
        reverse(f"api-{kind}"),
        json.dumps({"values": [{"team": "Acme/Platform", **row}]}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def deployment(**changes) -> dict:
    return {"id": "d-1", "finished_at": AT, "environment": "production", "shas": [SHA], **changes}


@pytest.mark.parametrize(
    "respelt",
    [
        {"environment": "Production"},
        {"environment": " PRODUCTION "},
        {"shas": [SHA[:7]]},
        {"shas": [SHA[:12].upper()]},
        {"environment": "Production", "shas": [SHA[:7]]},
    ],
)
def test_the_report_s_respelt_deployment_row_is_unchanged(machine, platform, respelt):
    assert send(machine, "deployments", **deployment()) == {"recorded": 1, "unchanged": 0}
    assert send(machine, "deployments", **deployment(**respelt)) == {"recorded": 0, "unchanged": 1}
    assert list(Deployment.objects.values_list("environment", "shas")) == [("production", [SHA])]


def test_a_row_spelt_otherwise_first_makes_the_usual_spelling_a_repeat_too(machine, platform):
    assert send(machine, "deployments", **deployment(environment="Production"))["recorded"] == 1
    assert send(machine, "deployments", **deployment()) == {"recorded": 0, "unchanged": 1}


def test_a_fuller_commit_id_is_kept_whichever_arrives_first(machine, platform):
    # given: an abbreviated id first
    send(machine, "deployments", **deployment(shas=[SHA[:7]]))
    # when: the full one, then the abbreviation again
    assert send(machine, "deployments", **deployment()) == {"recorded": 1, "unchanged": 0}
    assert send(machine, "deployments", **deployment(shas=[SHA[:7]])) == {"recorded": 0, "unchanged": 1}
    # then
    assert Deployment.objects.get().shas == [SHA]


@pytest.mark.parametrize(
    "changed",
    [{"environment": "prod"}, {"shas": [OTHER]}, {"shas": [SHA, OTHER]}, {"shas": []}, {"shas": [SHA[:6]]}],
)
def test_a_row_that_names_something_else_at_the_same_time_is_still_applied_by_the_usual_rule(
    machine, platform, changed
):
    send(machine, "deployments", **deployment())
    first = send(machine, "deployments", **deployment(**changed))
    # the same two rows in the other order end the same (events_in_order): one of the two orders records it
    Deployment.objects.all().delete()
    send(machine, "deployments", **deployment(**changed))
    second = send(machine, "deployments", **deployment())
    assert first["recorded"] + second["recorded"] == 1


def test_an_incident_naming_its_commit_by_an_abbreviation_is_a_repeat(machine, platform):
    row = {"id": "i-1", "opened_at": AT, "sha": SHA}
    assert send(machine, "incidents", **row)["recorded"] == 1
    assert send(machine, "incidents", **{**row, "sha": SHA[:9].upper()}) == {"recorded": 0, "unchanged": 1}
    assert Incident.objects.get().sha == SHA


def case_mix(draw, text: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)


@st.composite
def spellings(draw) -> dict:
    """The deployment row spelt as some sender might: environment in any case with spaces around it, each commit
    id whole or abbreviated (7 digits or more), in any case."""
    environment = draw(st.text(" \t", max_size=2)) + case_mix(draw, "production") + draw(st.text(" \t", max_size=2))
    shas = [case_mix(draw, sha[: draw(st.integers(7, 40))]) for sha in (SHA, "0" * 40)]
    return deployment(environment=environment, shas=shas)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(spellings(), min_size=1, max_size=5))
def test_any_spellings_of_one_row_are_one_state_and_only_news_is_recorded(machine, platform, rows):
    """For any sequence of spellings of one row at one time: a row is recorded only when it names a commit more
    fully than every row before it, and the row stored ends with each commit's fullest id sent."""
    Deployment.objects.all().delete()
    fullest: dict[str, str] = {}
    for row in rows:
        news = any(len(sha) > len(fullest.get(sha[:7].lower(), "")) for sha in row["shas"])
        answer = send(machine, "deployments", **row)
        assert answer == {"recorded": int(news), "unchanged": int(not news)}, (row, fullest)
        for sha in row["shas"]:
            if len(sha) > len(fullest.get(sha[:7].lower(), "")):
                fullest[sha[:7].lower()] = sha.lower()
    assert Deployment.objects.get().shas == sorted(fullest.values())


def test_a_later_time_with_the_same_identifiers_is_still_a_new_state(platform):
    at = datetime(2026, 11, 24, 10, tzinfo=UTC)
    services.deployment_record(team=platform, external_id="d", finished_at=at, shas=[SHA])
    later = services.deployment_record(
        team=platform, external_id="d", finished_at=at, shas=[SHA[:7]], updated_at=at + timedelta(hours=1)
    )
    assert later is not None
