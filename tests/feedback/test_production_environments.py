"""One rule for deployment environments, whatever the source: only production ones are recorded and counted by DORA
— those named in ALIGN_PRODUCTION_ENVIRONMENTS (compared ignoring case, as GitHub compares environment names), and
those the sender marks `production_environment: true`.

A `deployment_status` for `production-eu` or `Production – EU` was answered "ignored" although GitHub's payload
said the environment is one "that end-users directly interact with" (issue #20, round 8 M6). A listed name marked
`production_environment: false` still counts: the list is the admin's explicit choice, and GitHub sends false by
default for every environment not called "production"."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import services
from feedback.models import Deployment, DoraDirty, MetricValue, RawEvent, Repository
from feedback.services.delivery import deployment_record, dora_recompute, production_environment, week_start
from tests.factories import TeamFactory
from tests.feedback.test_github_webhook import SECRET, deliver

pytestmark = pytest.mark.django_db

REPO = {"full_name": "acme/payments-api", "default_branch": "main"}
YESTERDAY = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
STAMP = YESTERDAY.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(autouse=True)
def configured(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.ALIGN_DORA_DEBOUNCE_SECONDS = 0
    settings.ALIGN_PRODUCTION_ENVIRONMENTS = ["production", "prod"]


@pytest.fixture
def platform():
    acme = TeamFactory(name="Acme")
    engineering = TeamFactory(name="Engineering", parent=acme)
    team = TeamFactory(name="Platform", parent=engineering)
    Repository.objects.create(full_name=REPO["full_name"], team=team)
    return team


@pytest.fixture
def machine(client):
    from django.test import Client

    _, secret = services.api_token_create(name="CI exporter", created_by=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def send_deployments(machine, values):
    return machine.post(reverse("api-deployments"), json.dumps({"values": values}), content_type="application/json")


def deployment_status(deployment_id, environment):
    return {
        "action": "created",
        "deployment_status": {"id": deployment_id * 10, "state": "success", "created_at": STAMP, "updated_at": STAMP},
        "deployment": {"id": deployment_id, "sha": "a1", "environment": environment, "created_at": STAMP},
        "repository": REPO,
    }


def weekly_deployments(team) -> float | None:
    value = MetricValue.objects.filter(
        team=team, metric__key="deployment-frequency", period_start=week_start(YESTERDAY)
    ).first()
    return value.value if value else None


def test_an_api_deployment_to_staging_is_answered_ignored_and_not_counted(
    machine, platform, django_capture_on_commit_callbacks
):
    # given: the tester's row, and a production one beside it
    values = [
        {"id": "d-stg", "team": "Acme/Engineering/Platform", "finished_at": STAMP, "environment": "staging"},
        {"id": "d-prd", "team": "Acme/Engineering/Platform", "finished_at": STAMP, "environment": "Production"},
    ]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = send_deployments(machine, values)
    # then
    assert response.status_code == 200
    answer = response.json()
    assert (answer["recorded"], answer["unchanged"]) == (1, 0)
    assert [(row["index"], row["field"]) for row in answer["ignored"]] == [(0, "environment")]
    assert (
        "staging" in answer["ignored"][0]["message"]
        and "not a production environment" in answer["ignored"][0]["message"]
    )
    assert list(Deployment.objects.values_list("external_id", flat=True)) == ["d-prd"]
    assert weekly_deployments(platform) == 1.0


@pytest.mark.parametrize("environment", ["production", "Production", "PRODUCTION", "prod", "PrOd", "  prod  "])
def test_an_api_deployment_to_production_in_any_case_is_recorded(machine, platform, environment):
    row = {"id": "d-1", "team": "Acme/Engineering/Platform", "finished_at": STAMP, "environment": environment}
    assert send_deployments(machine, [row]).json() == {"recorded": 1, "unchanged": 0}


@pytest.mark.parametrize("environment", ["staging", "STAGING", "Production-EU", "preprod", "qa"])
def test_an_api_deployment_elsewhere_in_any_case_is_ignored(machine, platform, environment):
    row = {"id": "d-1", "team": "Acme/Engineering/Platform", "finished_at": STAMP, "environment": environment}
    answer = send_deployments(machine, [row]).json()
    assert answer["recorded"] == 0 and answer["unchanged"] == 0 and answer["ignored"][0]["index"] == 0
    assert not Deployment.objects.exists()


def test_an_api_deployment_without_an_environment_is_production(machine, platform):
    row = {"id": "d-1", "team": "Acme/Engineering/Platform", "finished_at": STAMP}
    assert send_deployments(machine, [row]).json() == {"recorded": 1, "unchanged": 0}


@pytest.mark.parametrize(
    ("environment", "counted"),
    [("production", True), ("Production", True), ("PROD", True), ("staging", False), ("Staging", False)],
)
def test_the_webhook_follows_the_same_rule_and_says_why_it_ignores(client, platform, environment, counted):
    answer = deliver(client, "deployment_status", deployment_status(7, environment)).json()
    if counted:
        assert answer == {"status": "recorded"}
    else:
        assert answer["status"] == "ignored" and environment in answer["detail"]
    assert Deployment.objects.exists() is counted


def test_dora_counts_only_production_deployments_whatever_is_stored(platform):
    # given: a staging deployment stored before the rule (or by any other way in), and a production one
    deployment_record(team=platform, external_id="old-stg", finished_at=YESTERDAY, environment="staging")
    deployment_record(team=platform, external_id="prd", finished_at=YESTERDAY, environment="PROD")
    # when
    dora_recompute(team_id=platform.id)
    # then
    assert weekly_deployments(platform) == 1.0


NAMES = st.sampled_from(["production", "prod", "staging", "qa", "Production", "PROD", "review-app", "prod-eu"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(environments=st.lists(NAMES | st.text(min_size=1, max_size=12).filter(str.strip), min_size=1, max_size=6))
def test_the_api_records_exactly_the_production_rows_and_dora_counts_them(machine, platform, environments):
    # given: nothing stored by an earlier example
    Deployment.objects.all().delete()
    MetricValue.objects.all().delete()
    DoraDirty.objects.all().delete()
    values = [
        {"id": f"d-{n}", "team": "Acme/Engineering/Platform", "finished_at": STAMP, "environment": environment}
        for n, environment in enumerate(environments)
    ]
    production = [
        n for n, environment in enumerate(environments) if environment.strip().casefold() in {"production", "prod"}
    ]
    # when
    response = send_deployments(machine, values)
    if response.status_code == 400:  # text a field refuses (a NUL, or longer than 50 once trimmed): nothing stored
        assert not Deployment.objects.exists()
        return
    answer = response.json()
    # then
    assert answer["recorded"] == len(production)
    assert [row["index"] for row in answer.get("ignored", [])] == [
        n for n in range(len(environments)) if n not in production
    ]
    assert sorted(Deployment.objects.values_list("external_id", flat=True)) == sorted(f"d-{n}" for n in production)
    dora_recompute(team_id=platform.id)
    assert (weekly_deployments(platform) or 0.0) == len(production)


def test_production_environment_ignores_case_and_spaces(settings):
    settings.ALIGN_PRODUCTION_ENVIRONMENTS = ["production", " Prod"]
    assert production_environment("PRODUCTION") and production_environment("prod ") and production_environment("pRoD")
    assert not production_environment("staging") and not production_environment("production-eu")


# Marked production by the sender (GitHub's deployment.production_environment)

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
REPOSITORY = {
    "id": 987654321, "node_id": "R_kgDOAbc", "name": "payments-api", "full_name": "acme/payments-api",
    "private": True, "owner": {"login": "acme", "id": 1, "type": "Organization"}, "default_branch": "main",
}  # fmt: skip
SENDER = {"login": "octocat", "id": 583231, "type": "User"}


def documented_deployment_status(deployment_id: int, environment: str, production_environment: bool | None) -> dict:
    """A `deployment_status` delivery shaped as GitHub's webhook reference documents it (action created)."""
    deployment = {
        "url": f"https://api.github.com/repos/acme/payments-api/deployments/{deployment_id}",
        "id": deployment_id, "node_id": "DE_kwDOAbc", "task": "deploy", "original_environment": environment,
        "environment": environment, "description": None, "created_at": STAMP, "updated_at": STAMP,
        "statuses_url": f"https://api.github.com/repos/acme/payments-api/deployments/{deployment_id}/statuses",
        "repository_url": "https://api.github.com/repos/acme/payments-api", "sha": SHA, "ref": "main",
        "payload": {}, "creator": SENDER, "transient_environment": False, "performed_via_github_app": None,
    }  # fmt: skip
    if production_environment is not None:  # optional in GitHub's schema
        deployment["production_environment"] = production_environment
    return {
        "action": "created",
        "deployment_status": {
            "url": f"https://api.github.com/repos/acme/payments-api/deployments/{deployment_id}/statuses/1",
            "id": deployment_id * 10,
            "node_id": "DES_kwDOAbc",
            "state": "success",
            "creator": SENDER,
            "description": "",
            "environment": environment,
            "target_url": "",
            "log_url": "",
            "environment_url": "",
            "created_at": STAMP,
            "updated_at": STAMP,
            "deployment_url": f"https://api.github.com/repos/acme/payments-api/deployments/{deployment_id}",
            "repository_url": "https://api.github.com/repos/acme/payments-api",
            "performed_via_github_app": None,
        },
        "deployment": deployment,
        "repository": REPOSITORY,
        "sender": SENDER,
    }


@pytest.mark.parametrize("environment", ["production-eu", "Production – EU"])
def test_the_report_s_marked_production_deployment_is_recorded_and_counted(client, platform, environment):
    # when
    answer = deliver(client, "deployment_status", documented_deployment_status(5004, environment, True)).json()
    # then
    assert answer == {"status": "recorded"}
    assert list(Deployment.objects.values_list("environment", "marked_production")) == [(environment, True)]
    dora_recompute(team_id=platform.id)
    assert weekly_deployments(platform) == 1.0


@pytest.mark.parametrize("production_environment", [False, None])
def test_an_unlisted_environment_not_marked_production_is_still_ignored(client, platform, production_environment):
    answer = deliver(
        client, "deployment_status", documented_deployment_status(7, "production-eu", production_environment)
    )
    body = answer.json()
    assert body["status"] == "ignored"
    assert "production-eu" in body["detail"] and "not marked production_environment: true" in body["detail"]
    assert not Deployment.objects.exists()


def test_a_listed_environment_marked_not_production_still_counts(client, platform):
    # GitHub's default for any environment not called "production" is false: "prod" sends it every time.
    answer = deliver(client, "deployment_status", documented_deployment_status(8, "prod", False)).json()
    assert answer == {"status": "recorded"}
    dora_recompute(team_id=platform.id)
    assert weekly_deployments(platform) == 1.0


def test_the_api_takes_the_same_production_environment_field(machine, platform):
    rows = [
        {"id": "eu", "team": "Acme/Engineering/Platform", "finished_at": STAMP, "environment": "production-eu",
         "production_environment": True},
        {"id": "stg", "team": "Acme/Engineering/Platform", "finished_at": STAMP, "environment": "staging",
         "production_environment": False},
        {"id": "prd", "team": "Acme/Engineering/Platform", "finished_at": STAMP, "environment": "PROD",
         "production_environment": False},
    ]  # fmt: skip
    answer = send_deployments(machine, rows).json()
    assert (answer["recorded"], answer["unchanged"]) == (2, 0)
    assert [(row["index"], row["field"]) for row in answer["ignored"]] == [(1, "environment")]
    dora_recompute(team_id=platform.id)
    assert weekly_deployments(platform) == 2.0


def test_a_marked_deployment_stored_counts_whatever_the_list_says_later(settings, platform):
    services.deployment_record(
        team=platform, external_id="d", finished_at=YESTERDAY, environment="live-eu", marked_production=True
    )
    settings.ALIGN_PRODUCTION_ENVIRONMENTS = ["production"]
    dora_recompute(team_id=platform.id)
    assert weekly_deployments(platform) == 1.0


NAMED = ["production", "Production", " PROD ", "prod", "production-eu", "Production – EU", "staging", "live", "prd"]
ENVIRONMENTS = st.sampled_from(NAMED) | st.text(min_size=1, max_size=20).filter(str.strip)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(environment=ENVIRONMENTS, marked=st.none() | st.booleans())
def test_a_github_deployment_counts_exactly_when_marked_production_or_listed(client, platform, environment, marked):
    # given: nothing from an earlier example
    for model in (Deployment, DoraDirty, MetricValue, RawEvent):
        model.objects.all().delete()
    listed = environment.strip().casefold() in {"production", "prod"}
    # when
    response = deliver(client, "deployment_status", documented_deployment_status(9, environment, marked))
    if response.status_code == 400:  # text GitHub never sends (a NUL, a lone surrogate): nothing stored
        assert not Deployment.objects.exists()
        return
    # then
    counted = bool(marked) or listed
    assert response.json()["status"] == ("recorded" if counted else "ignored")
    dora_recompute(team_id=platform.id)
    assert (weekly_deployments(platform) or 0.0) == (1.0 if counted else 0.0)
