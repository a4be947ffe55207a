"""GitHub deliveries kept for a repository that was not yet connected count once it is connected: connecting
replays them through the same ordered, idempotent path, and GitHub's Redeliver of one ignored then applies it
(issue 20, attack round 2 item 7: they were never counted, and Redeliver answered "duplicate")."""

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from feedback.models import Deployment, JobRun, RawEvent, Repository
from feedback.services.github import github_repository_connect, repository_events_replay, unmatched_repositories
from surveys.models import Person, Team
from tests.factories import TeamFactory, manager_of
from tests.feedback.test_event_order import PROPERTY, final_state, webhook_deliveries
from tests.feedback.test_github_webhook import REPO, configured, deliver, deployment_status  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("configured")]

BILLING = {"full_name": "acme/billing-svc", "id": 2002, "default_branch": "main"}


@pytest.fixture
def alice(client):
    """Alice is an admin of Acme, whose team Billing should count acme/billing-svc."""
    acme = TeamFactory(name="Acme")
    TeamFactory(name="Billing", parent=acme)
    user, _ = manager_of(acme, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user


def billing_deployment(number: int, at: str) -> dict:
    return {**deployment_status(number, f"{number:040x}", at), "repository": BILLING}


def test_deliveries_before_connecting_count_once_the_admin_connects_as_the_page_invites(
    client, alice, django_capture_on_commit_callbacks
):
    # given: the attack's three deliveries, each ignored, and listed for the admin to connect
    for number in (1, 2, 3):
        response = deliver(
            client,
            "deployment_status",
            billing_deployment(number, f"2026-11-0{number}T12:00:00Z"),
            delivery=f"b-{number}",
        )
        assert response.json() == {"status": "ignored"}
    assert [(name, count) for name, count, _ in unmatched_repositories()] == [("acme/billing-svc", 3)]
    billing = Team.objects.get(name="Billing")
    # when: she connects it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("feedback:manage_repositories"), {"full_name": "acme/billing-svc", "team": billing.id}, follow=True
        )
    # then: the three deployments count, the list is empty, and the replay is a job she can see
    assert "The 3 deliveries received before are being counted." in response.content.decode()
    assert sorted(Deployment.objects.values_list("external_id", "team__name")) == [
        ("1", "Billing"), ("2", "Billing"), ("3", "Billing")
    ]  # fmt: skip
    assert unmatched_repositories() == []
    job = JobRun.objects.get(kind="github-replay")
    assert (job.status, job.message) == (JobRun.Status.SUCCEEDED, "3 recorded, 0 outdated, 0 ignored.")
    assert Repository.objects.get().github_id == 2002
    # and GitHub's Redeliver of the first changes nothing: it was counted once already
    again = deliver(client, "deployment_status", billing_deployment(1, "2026-11-01T12:00:00Z"), delivery="b-1")
    assert again.json() == {"status": "duplicate"}
    assert Deployment.objects.count() == 3
    assert RawEvent.objects.count() == 3


def test_a_redelivery_of_a_delivery_ignored_before_connecting_is_applied(client):
    deliver(client, "deployment_status", billing_deployment(1, "2026-11-01T12:00:00Z"), delivery="b-1")
    Repository.objects.create(full_name="acme/billing-svc", team=TeamFactory(name="Billing"))  # no replay (yet)
    again = deliver(client, "deployment_status", billing_deployment(1, "2026-11-01T12:00:00Z"), delivery="b-1")
    assert again.json() == {"status": "recorded"}
    assert Deployment.objects.get().external_id == "1"
    assert deliver(
        client, "deployment_status", billing_deployment(1, "2026-11-01T12:00:00Z"), delivery="b-1"
    ).json() == {"status": "duplicate"}


def test_replaying_again_counts_nothing_twice(client):
    for number in (1, 2):
        deliver(
            client,
            "deployment_status",
            billing_deployment(number, f"2026-11-0{number}T12:00:00Z"),
            delivery=f"b-{number}",
        )
    repository, kept = github_repository_connect(full_name="Acme/Billing-Svc", team=TeamFactory(name="Billing"))
    assert kept == 2
    assert repository_events_replay(repository_id=repository.id) == {"recorded": 2, "outdated": 0, "ignored": 0}
    assert repository_events_replay(repository_id=repository.id) == {"recorded": 0, "outdated": 2, "ignored": 0}
    assert Deployment.objects.count() == 2


def test_deliveries_under_the_name_it_had_before_a_rename_count_too_and_it_keeps_its_latest_name(client):
    old = {**billing_deployment(1, "2026-11-01T12:00:00Z"), "repository": {**BILLING, "full_name": "acme/billing"}}
    deliver(client, "deployment_status", old, delivery="old-name")
    deliver(client, "deployment_status", billing_deployment(2, "2026-11-02T12:00:00Z"), delivery="new-name")
    assert {name for name, _, _ in unmatched_repositories()} == {"acme/billing", "acme/billing-svc"}
    repository, kept = github_repository_connect(full_name="acme/billing-svc", team=TeamFactory(name="Billing"))
    assert kept == 2
    repository_events_replay(repository_id=repository.id)
    assert Deployment.objects.count() == 2
    assert Repository.objects.get().full_name == "acme/billing-svc"
    assert unmatched_repositories() == []


def test_a_repository_re_pointed_to_another_team_replays_nothing(client):
    Repository.objects.create(full_name=REPO["full_name"], team=TeamFactory(name="Payments"))
    deliver(client, "deployment_status", deployment_status(1, "a1", "2026-11-02T12:00:00Z"))
    _, kept = github_repository_connect(full_name=REPO["full_name"], team=TeamFactory(name="Billing"))
    assert kept == 0
    assert Deployment.objects.get().team.name == "Payments"  # its past events counted for the team it had


def test_deliveries_another_connected_repository_counted_by_its_id_are_not_replayed(client):
    # acme/payments-api was renamed acme/payments on GitHub: its deliveries under the new name counted by id
    Repository.objects.create(full_name=REPO["full_name"], team=TeamFactory(name="Payments"), github_id=77)
    renamed = {
        **deployment_status(1, "a1", "2026-11-02T12:00:00Z"),
        "repository": {**REPO, "full_name": "acme/payments", "id": 77},
    }
    assert deliver(client, "deployment_status", renamed).json() == {"status": "recorded"}
    _, kept = github_repository_connect(full_name="acme/pAyments", team=TeamFactory(name="Billing"))
    assert kept == 0
    assert Deployment.objects.get().team.name == "Payments"


@PROPERTY
@given(deliveries=webhook_deliveries(), redelivered=st.lists(st.integers(min_value=0, max_value=30), max_size=4))
def test_deliveries_in_any_order_before_connecting_count_as_if_it_had_been_connected_throughout(
    client, django_capture_on_commit_callbacks, deliveries, redelivered
):
    in_time_order, arrived = deliveries

    def connected_throughout():
        with transaction.atomic():
            Repository.objects.create(full_name="acme/payments-api", team=TeamFactory(name="Payments"))
            for n, event in enumerate(in_time_order):
                assert deliver(client, *event, delivery=f"t-{n}").status_code == 200
            state = final_state()
            transaction.set_rollback(True)
        return state

    def connected_after():
        with transaction.atomic():
            for n, event in enumerate(arrived):
                assert deliver(client, *event, delivery=f"a-{n}").json()["status"] in {"ignored", "duplicate"}
            with django_capture_on_commit_callbacks(execute=True):
                github_repository_connect(full_name="Acme/Payments-API", team=TeamFactory(name="Payments"))
            # GitHub's Redeliver of any of them afterwards counts nothing twice
            for n in redelivered:
                if n < len(arrived):
                    assert deliver(client, *arrived[n], delivery=f"a-{n}").json() == {"status": "duplicate"}
            state, unmatched = final_state(), unmatched_repositories()
            transaction.set_rollback(True)
        return state, unmatched

    state, unmatched = connected_after()
    assert state == connected_throughout()
    assert unmatched == []
