"""A worker process killed with SIGKILL in the middle of a job: the job runs again and ends as one clean run."""

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import transaction

from feedback.models import DoraDirty, GroupScore, JobRun, MetricValue
from feedback.services import scores_aggregate
from feedback.services.delivery import change_record, deployment_record, dora_recompute, incident_record
from feedback.tasks import scores_aggregate_task
from surveys import selectors, services
from surveys.models import Invitation
from tests.factories import CycleFactory, PersonFactory, TeamFactory
from tests.feedback.conftest import run_cycle

from .conftest import LINK, database_dsn, wait_for
from .test_transient_database_errors import blocked_backend

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def pool_children(worker_pid: int) -> list[int]:
    """Return the pids of a Celery worker's pool processes (the ones that run tasks)."""
    children = []
    for task in Path(f"/proc/{worker_pid}/task").iterdir():
        text = (task / "children").read_text().split()
        children += [int(pid) for pid in text]
    return children


def pool_kill(worker) -> None:
    """SIGKILL every pool process of a worker and wait until the worker has noticed."""
    for pid in pool_children(worker.process.pid):
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: "WorkerLostError" in worker.log() or "exited with" in worker.log(),
             timeout=30, what="the worker to notice its lost processes")  # fmt: skip


def scores(cycle):
    return sorted(GroupScore.objects.filter(cycle=cycle).values_list("team_id", "dimension_id", "respondents", "mean"))


def test_an_aggregation_whose_worker_process_is_killed_runs_again_to_one_clean_result(service_worker):
    # given a closed cycle and what one clean aggregation of it writes
    team = TeamFactory(name="Payments")
    cycle = run_cycle([(team, [{"psafety-2": 2}] * 7)])
    scores_aggregate(cycle_id=cycle.id)
    clean = scores(cycle)
    GroupScore.objects.all().delete()
    dsn = database_dsn()
    with psycopg.connect(**dsn) as locker, psycopg.connect(**dsn, autocommit=True) as watcher:
        # when the task is half-way (inside its transaction, waiting on a lock) and its process is SIGKILLed
        locker.execute(f"LOCK TABLE {GroupScore._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        scores_aggregate_task.delay(cycle.id)
        wait_for(lambda: blocked_backend(watcher, locker), timeout=30, what="the worker to be inside the job")
        pool_kill(service_worker)
        locker.commit()

    # then the task is delivered again (acks late, rejected on worker loss) and writes exactly one clean run
    wait_for(
        lambda: JobRun.objects.filter(kind="aggregate", status=JobRun.Status.SUCCEEDED).exists(),
        timeout=90,
        what="the redelivered aggregation to succeed",
    )
    assert scores(cycle) == clean


def test_invitation_sending_killed_mid_batch_ends_with_exactly_one_email_per_invitee(smtp_sink, smtp_worker):
    # given 30 people invited to a cycle, and a mail server that stalls on the 10th message
    team = TeamFactory(name="Payments")
    people = PersonFactory.create_batch(30, team=team)
    cycle = CycleFactory(teams=[team])
    smtp_sink.hold_at(10)

    # when the cycle opens and the worker's processes are SIGKILLed while that message is in flight
    services.cycle_open(cycle_id=cycle.id)
    assert smtp_sink.held.wait(timeout=60), "the worker never reached the 10th email"
    delivered_before = len(smtp_sink.accepted)
    pool_kill(smtp_worker)
    smtp_sink.release()

    # then the redelivered task and the tick finish the sending: everyone has exactly one email, whose link works
    wait_for(lambda: not Invitation.objects.filter(cycle=cycle, sent_at__isnull=True).exists(),
             timeout=90, what="every invitation to be sent")  # fmt: skip
    time.sleep(3)  # a few more ticks: nothing is sent twice
    assert 9 <= delivered_before < 30
    assert smtp_sink.recipients() == sorted(person.email for person in people)
    for _, text in smtp_sink.accepted:
        token = LINK.search(text.replace("=\n", "")).group(1).split("/")[2]
        assert selectors.invitation_redeemable(token=token).cycle_id == cycle.id


def dora_values(team):
    return sorted(
        MetricValue.objects.filter(team=team, source="dora").values_list("metric__key", "period_start", "value")
    )


def test_a_dora_recomputation_whose_worker_process_is_killed_ends_as_one_clean_run(service_worker):
    # given a team's delivery events over three weeks
    team = TeamFactory(name="Payments")
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    dsn = database_dsn()
    with psycopg.connect(**dsn) as locker, psycopg.connect(**dsn, autocommit=True) as watcher:
        # when the recomputation is half-way (its weeks claimed, waiting to write) and its process is SIGKILLed
        locker.execute(f"LOCK TABLE {MetricValue._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        # One transaction: the recomputation is queued when it commits, so a slow machine cannot start it while
        # events are still being recorded (the next event would then wait on the claimed weeks, and the test
        # on itself).
        with transaction.atomic():
            for day in range(0, 21, 2):
                at = start + timedelta(days=day)
                change_record(team=team, sha=f"c{day}", authored_at=at - timedelta(hours=5))
                deployment_record(team=team, external_id=f"d{day}", finished_at=at, shas=[f"c{day}"])
                if day % 6 == 0:
                    incident_record(team=team, external_id=f"i{day}", opened_at=at, resolved_at=at + timedelta(hours=2))
        wait_for(lambda: blocked_backend(watcher, locker), timeout=30, what="the worker to be inside the job")
        weeks = sorted(DoraDirty.objects.filter(team=team).values_list("week_start", flat=True))  # claimed, uncommitted
        pool_kill(service_worker)
        locker.commit()

    # then the claim rolled back with the process, the work is done again, and the figures are one clean run's
    wait_for(lambda: not DoraDirty.objects.filter(team=team).exists() and dora_values(team),
             timeout=90, what="the recomputation to be redone")  # fmt: skip
    service_worker.stop()
    recovered = dora_values(team)
    MetricValue.objects.filter(team=team, source="dora").delete()
    DoraDirty.objects.bulk_create(DoraDirty(team=team, week_start=week) for week in weeks)
    dora_recompute(team_id=team.id)
    assert recovered == dora_values(team)
    dora = {"deployment-frequency", "lead-time", "change-failure-rate", "time-to-restore"}
    assert {key for key, _, _ in recovered} == dora
