"""Events in the order they happened, not the order they arrive (Hypothesis).

GitHub does not promise to deliver webhooks in order, and API senders retry and batch as they like. For one
incident and one deployment, every order and any repetition of the same events must leave what applying
them in time order leaves — through the webhook and through the API alike.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import services
from feedback.models import Change, Deployment, Incident, Repository
from tests.factories import TeamFactory
from tests.feedback.test_github_webhook import REPO, SECRET, deliver

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def arrivals(draw, events: list) -> list:
    """Return the events in an order of arrival: shuffled, some delivered twice or three times."""
    repeats = [event for event in events for _ in range(draw(st.integers(min_value=1, max_value=3)))]
    return draw(st.permutations(repeats))


def final_state() -> dict:
    """Return what the events left, by natural keys (row ids differ between runs)."""
    return {
        "deployments": sorted(
            (d.source, d.external_id, d.team.name, d.finished_at, d.environment, tuple(d.shas), d.state_at)
            for d in Deployment.objects.select_related("team")
        ),
        "incidents": sorted(
            (
                i.source,
                i.external_id,
                i.team.name,
                i.opened_at,
                i.resolved_at,
                i.counted,
                i.state_at,
                i.deployment and i.deployment.external_id,
                i.deployment_external_id,
                i.sha,
            )
            for i in Incident.objects.select_related("team", "deployment")
        ),
        "changes": sorted((c.team.name, c.sha, c.authored_at, c.merged_at) for c in Change.objects.select_related()),
    }


def outcome(apply, events) -> dict:
    """Apply events one by one in a transaction that is rolled back; return the state they left."""
    with transaction.atomic():
        apply(events)
        state = final_state()
        transaction.set_rollback(True)
    return state


# Through the webhook.


# The order of an issue's events within one second, as Align ranks them (opened, then what is done to the open
# issue, then closing or reopening, then deleting or transferring): written out here rather than imported, so
# that the test states the rule it checks.
ISSUE_GONE = ("deleted", "transferred")
ACTION_ORDER = {"opened": 0, "labeled": 1, "unlabeled": 1, "edited": 1, "closed": 2, "reopened": 2, "deleted": 3,
                "transferred": 3}  # fmt: skip


@st.composite
def issue_history(draw, gap=1):
    """One issue's life as GitHub reports it, from its opening: each step a whole snapshot as of its updated_at.

    Steps often share a second (GitHub's times are whole seconds: an issue opened with a label is "opened" with
    labels [] and then "labeled", in the same second). With gap=1 a step shares its second with the one before
    only when it comes later in the order Align ranks the events of one second by (ACTION_ORDER), so that time
    order is the order they happened in; with gap=0 any steps may share one, in any order.
    """
    created = START + timedelta(minutes=draw(st.integers(0, 60)))
    labels = set(draw(st.sampled_from([[], [], ["incident"], ["bug"]])))
    moment, closed_at, previous, events = created, None, "opened", []

    def snapshot(action, label=None):
        payload = {
            "action": action,
            "issue": {
                "id": 501, "number": 7, "state": "closed" if closed_at else "open", "created_at": stamp(created),
                "updated_at": stamp(moment), "closed_at": closed_at and stamp(closed_at),
                "labels": [{"id": 900 + n, "name": name} for n, name in enumerate(sorted(labels))],
            },
            "repository": REPO,
        }  # fmt: skip
        if label is not None:
            payload["label"] = {"name": label}
        return ("issues", payload)

    events.append(snapshot("opened"))
    if draw(st.booleans()):  # created with its labels: "opened" (labels []) then "labeled", in one second
        label = draw(st.sampled_from(["incident", "Incident", "bug"]))
        labels = labels | {label}
        events.append(snapshot("labeled", label))
        previous = "labeled"
    for _ in range(draw(st.integers(min_value=0, max_value=7))):
        action = draw(
            st.sampled_from(["labeled", "unlabeled", "closed", "reopened", "edited", "labeled other", "deleted",
                             "transferred"])
        )  # fmt: skip
        kind = "labeled" if action == "labeled other" else action
        same_second = draw(st.booleans()) and (gap == 0 or ACTION_ORDER[kind] > ACTION_ORDER[previous])
        moment += timedelta(seconds=0 if same_second else draw(st.integers(min_value=max(gap, 1), max_value=7200)))
        label = None
        if action == "labeled":
            label = draw(st.sampled_from(["incident", "Incident"]))  # GitHub labels ignore case
            labels = {name for name in labels if name.casefold() != "incident"} | {label}
        elif action == "unlabeled":
            present = [name for name in labels if name.casefold() == "incident"]
            if not present:
                continue
            label = present[0]
            labels = labels - {label}
        elif action == "labeled other":
            action, label = "labeled", "bug"
            labels = labels | {"bug"}
        elif action == "closed":
            closed_at = moment
        elif action == "reopened":
            closed_at = None
        events.append(snapshot(action, label))
        previous = kind
        if action in ("deleted", "transferred"):
            break  # nothing happens to an issue after it is gone from the repository
    return events


@st.composite
def deployment_history(draw, gap=1):
    """One deployment's statuses (the same deployment object, a later status each time)."""
    moment, events = START, []
    for number in range(draw(st.integers(min_value=1, max_value=5))):
        moment += timedelta(seconds=draw(st.integers(min_value=gap, max_value=3600)))
        state = draw(st.sampled_from(["success", "success", "failure", "in_progress", "inactive"]))
        events.append(
            ("deployment_status", {
                "action": "created",
                "deployment_status": {"id": 7000 + number, "state": state, "created_at": stamp(moment),
                                      "updated_at": stamp(moment)},
                "deployment": {"id": 42, "sha": SHA, "environment": "Production", "created_at": stamp(START)},
                "repository": REPO,
            })
        )  # fmt: skip
    return events


@st.composite
def webhook_deliveries(draw, gap=1):
    """Returns (in time order, as they arrived): an issue's and a deployment's events, and a change's."""
    issue, deployment = draw(issue_history(gap)), draw(deployment_history(gap))
    push = (
        "push",
        {
            "ref": "refs/heads/main",
            "repository": REPO,
            "commits": [{"id": SHA.upper(), "timestamp": stamp(START - timedelta(hours=1))}],
        },
    )
    merged = ("pull_request", {"action": "closed", "repository": REPO, "pull_request": {
        "merged": True, "merge_commit_sha": SHA, "merged_at": stamp(START - timedelta(minutes=30)),
        "base": {"ref": "main"}}})  # fmt: skip
    in_time_order = sorted(
        [*issue, *deployment, push, merged],
        key=lambda event: event[1].get("issue", event[1].get("deployment_status", {})).get("updated_at", ""),
    )
    return in_time_order, arrivals(draw, in_time_order)


@PROPERTY
@given(deliveries=webhook_deliveries(), same_ids=st.booleans())
def test_any_order_and_repetition_of_github_deliveries_leaves_what_time_order_leaves(
    client, settings, deliveries, same_ids
):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.ALIGN_DORA_DEBOUNCE_SECONDS = 0
    in_time_order, arrived = deliveries
    # a repeat is GitHub's redelivery (the same X-GitHub-Delivery) or a second event with the same content
    ids = {id(event): f"d-{n}" for n, event in enumerate(in_time_order)}

    def send(events):
        # connected under another spelling than GitHub's payloads use: the same repository
        Repository.objects.create(full_name="ACME/Payments-API", team=TeamFactory(name="Payments"))
        for n, event in enumerate(events):
            delivery = ids[id(event)] if same_ids else f"arrival-{n}"
            response = deliver(client, *event, delivery=delivery)
            assert response.status_code == 200, response.content

    expected = outcome(send, in_time_order)
    assert outcome(send, arrived) == expected
    # and time order leaves what the issue's last event says: an incident while labelled and not gone
    last = [payload for event, payload in in_time_order if event == "issues"][-1]
    labelled = any(label["name"].casefold() == "incident" for label in last["issue"]["labels"])
    assert [incident[5] for incident in expected["incidents"]] == [labelled and last["action"] not in ISSUE_GONE]


@PROPERTY
@given(first=webhook_deliveries(gap=0), second=st.randoms(use_true_random=False))
def test_events_of_the_same_second_leave_the_same_state_in_any_order(client, settings, first, second):
    # GitHub's times are whole seconds: two changes in one second have no time order, but which one wins
    # must still not depend on which arrived first.
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    _, arrived = first
    shuffled = list(arrived)
    second.shuffle(shuffled)

    def send(events):
        Repository.objects.create(full_name="acme/payments-api", team=TeamFactory(name="Payments"))
        for n, event in enumerate(events):
            assert deliver(client, *event, delivery=f"arrival-{n}").status_code == 200

    assert outcome(send, shuffled) == outcome(send, arrived)


# Through the API.


@st.composite
def api_histories(draw):
    """Rows for one deployment and one incident naming it, each a later state of the same thing.

    A row's time is its updated_at; a row may leave updated_at out when its own latest time (finished_at;
    resolved_at, else opened_at) is that time, exactly as the API reads it.
    """
    deployments, incidents, moment = [], [], START
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        moment += timedelta(minutes=draw(st.integers(min_value=1, max_value=600)))
        finished = moment - timedelta(minutes=draw(st.sampled_from([0, 0, 5, 30])))
        shas = draw(st.sampled_from([[], [SHA], [SHA.upper()[:9]]]))  # in capitals, or abbreviated
        row = {"id": "dep-1", "team": "Engineering/Platform", "finished_at": finished.isoformat(), "shas": shas,
               "updated_at": moment.isoformat()}  # fmt: skip
        if finished == moment and draw(st.booleans()):
            del row["updated_at"]
        deployments.append((moment, row))
    opened = START + timedelta(minutes=draw(st.integers(min_value=0, max_value=60)))
    moment = opened
    for step in range(draw(st.integers(min_value=1, max_value=5))):
        moment += timedelta(minutes=draw(st.integers(min_value=0 if step == 0 else 1, max_value=600)))
        resolved = draw(st.sampled_from([None, moment, moment - timedelta(minutes=1)]))
        resolved = resolved if resolved is None or resolved >= opened else None
        row = {"id": "inc-1", "team": "engineering/platform", "opened_at": opened.isoformat(),
               "resolved_at": resolved and resolved.isoformat(), "deployment_id": draw(st.sampled_from(["dep-1", ""])),
               "sha": draw(st.sampled_from(["", SHA[:7]])), "updated_at": moment.isoformat()}  # fmt: skip
        if (resolved or opened) == moment and draw(st.booleans()):
            del row["updated_at"]
        incidents.append((moment, row))
    timed = sorted(
        [(m, "deployments", row) for m, row in deployments] + [(m, "incidents", row) for m, row in incidents],
        key=lambda event: event[0],
    )
    in_time_order = [(kind, row) for _, kind, row in timed]
    return in_time_order, arrivals(draw, in_time_order)


@PROPERTY
@given(histories=api_histories(), batch_size=st.integers(min_value=1, max_value=4))
def test_any_order_and_repetition_of_api_rows_leaves_what_time_order_leaves(histories, batch_size):
    in_time_order, arrived = histories
    machine = Client(HTTP_AUTHORIZATION=f"Bearer {services.api_token_create(name='CI', created_by=None)[1]}")

    def send(events, batch_size):
        engineering = TeamFactory(name="Engineering")
        TeamFactory(name="Platform", parent=engineering)
        # consecutive rows of one kind go in one batch, as a sender that buffers would send them
        batch: list = []
        for n, (kind, row) in enumerate(events):
            batch.append(row)
            last = n + 1 == len(events) or events[n + 1][0] != kind
            if last or len(batch) == batch_size:
                body = json.dumps({"values": batch})
                response = machine.post(reverse(f"api-{kind}"), body, content_type="application/json")
                assert response.status_code == 200, response.content
                batch = []

    expected = outcome(lambda events: send(events, 1), in_time_order)
    assert outcome(lambda events: send(events, batch_size), arrived) == expected
    # and what time order leaves is the last state of each
    last_incident = [row for kind, row in in_time_order if kind == "incidents"][-1]
    [incident] = expected["incidents"]
    assert (incident[4] and incident[4].isoformat()) == last_incident["resolved_at"]
    assert incident[7] == (last_incident["deployment_id"] or None)


def test_an_api_row_without_updated_at_never_undoes_a_resolution(teams_and_machine):
    machine = teams_and_machine
    resolved = {"id": "i", "team": "Engineering", "opened_at": "2026-11-02T10:00:00Z",
                "resolved_at": "2026-11-02T12:00:00Z"}  # fmt: skip
    still_open = {"id": "i", "team": "Engineering", "opened_at": "2026-11-02T10:00:00Z"}
    for values in ([resolved], [still_open]):
        machine.post(reverse("api-incidents"), json.dumps({"values": values}), content_type="application/json")
    assert Incident.objects.get().resolved_at is not None
    # a reopening says when it happened
    reopened = {**still_open, "updated_at": "2026-11-02T13:00:00Z"}
    body = json.dumps({"values": [reopened]})
    response = machine.post(reverse("api-incidents"), body, content_type="application/json")
    assert response.json() == {"recorded": 1, "unchanged": 0}
    assert Incident.objects.get().resolved_at is None


def test_an_updated_at_before_the_state_happened_is_refused(teams_and_machine):
    row = {"id": "d", "team": "Engineering", "finished_at": "2026-11-02T10:00:00Z",
           "updated_at": "2026-11-02T09:00:00Z"}  # fmt: skip
    response = teams_and_machine.post(
        reverse("api-deployments"), json.dumps({"values": [row]}), content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "updated_at"


def test_an_incident_naming_a_deployment_sent_later_is_charged_to_it(teams_and_machine):
    machine = teams_and_machine
    incident = {"id": "i", "team": "Engineering", "opened_at": "2026-11-02T10:00:00Z", "deployment_id": "d"}
    deployment = {"id": "d", "team": "Engineering", "finished_at": "2026-11-02T09:00:00Z"}
    machine.post(reverse("api-incidents"), json.dumps({"values": [incident]}), content_type="application/json")
    machine.post(reverse("api-deployments"), json.dumps({"values": [deployment]}), content_type="application/json")
    assert Incident.objects.get().deployment == Deployment.objects.get()


@pytest.fixture
def teams_and_machine():
    TeamFactory(name="Engineering")
    return Client(HTTP_AUTHORIZATION=f"Bearer {services.api_token_create(name='CI', created_by=None)[1]}")


# Events of one second, by name.


def issue_event(action, labels, *, at="2026-11-02T10:00:00Z", closed=False):
    return (
        "issues",
        {
            "action": action,
            "issue": {
                "id": 601, "number": 8, "state": "closed" if closed else "open", "created_at": "2026-11-02T10:00:00Z",
                "updated_at": at, "closed_at": at if closed else None,
                "labels": [{"id": 900 + n, "name": name} for n, name in enumerate(labels)],
            },
            "repository": REPO,
            **({"label": {"name": "incident"}} if action in ("labeled", "unlabeled") else {}),
        },
    )  # fmt: skip


@pytest.mark.parametrize("order", ["opened first", "labeled first"])
def test_an_issue_opened_and_labelled_incident_in_the_same_second_counts_whichever_arrives_first(
    client, settings, order
):
    # given: GitHub's two deliveries for an issue created with the label, both as of the same second
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    Repository.objects.create(full_name="acme/payments-api", team=TeamFactory(name="Payments"))
    opened, labeled = issue_event("opened", []), issue_event("labeled", ["incident"])
    events = [opened, labeled] if order == "opened first" else [labeled, opened]
    # when
    answers = [deliver(client, *event, delivery=f"arrival-{n}").json()["status"] for n, event in enumerate(events)]
    # then: the labelling is what happened last in that second
    assert answers == (["ignored", "recorded"] if order == "opened first" else ["recorded", "outdated"])
    assert Incident.objects.get().counted is True


@pytest.mark.parametrize(
    ("last", "counted"), [(issue_event("deleted", ["incident"]), False), (issue_event("unlabeled", []), False)]
)
def test_a_deletion_or_unlabelling_of_the_same_second_as_the_opening_stops_counting_in_any_order(
    client, settings, last, counted
):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    Repository.objects.create(full_name="acme/payments-api", team=TeamFactory(name="Payments"))
    for n, event in enumerate([last, issue_event("opened", ["incident"])]):
        assert deliver(client, *event, delivery=f"arrival-{n}").status_code == 200
    assert Incident.objects.get().counted is counted
