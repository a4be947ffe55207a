"""A worker process killed with SIGKILL in the middle of a job: the job runs again and ends as one clean run."""

import os
import signal
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from feedback.models import GroupScore, JobRun
from feedback.services import scores_aggregate
from feedback.tasks import scores_aggregate_task
from tests.factories import TeamFactory
from tests.feedback.conftest import run_cycle

from .conftest import wait_for
from .test_transient_database_errors import blocked_backend

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def pool_children(worker_pid: int) -> list[int]:
    """Return the pids of a Celery worker's pool processes (the ones that run tasks)."""
    children = []
    for task in Path(f"/proc/{worker_pid}/task").iterdir():
        text = (task / "children").read_text().split()
        children += [int(pid) for pid in text]
    return children


def scores(cycle):
    return sorted(GroupScore.objects.filter(cycle=cycle).values_list("team_id", "dimension_id", "respondents", "mean"))


def test_an_aggregation_whose_worker_process_is_killed_runs_again_to_one_clean_result(service_worker):
    # given a closed cycle and what one clean aggregation of it writes
    team = TeamFactory(name="Payments")
    cycle = run_cycle([(team, [{"psafety-2": 2}] * 7)])
    scores_aggregate(cycle_id=cycle.id)
    clean = scores(cycle)
    GroupScore.objects.all().delete()
    db = connection.settings_dict
    dsn = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "dbname": db["NAME"]}
    with psycopg.connect(**dsn) as locker, psycopg.connect(**dsn, autocommit=True) as watcher:
        # when the task is half-way (inside its transaction, waiting on a lock) and its process is SIGKILLed
        locker.execute(f"LOCK TABLE {GroupScore._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        scores_aggregate_task.delay(cycle.id)
        wait_for(lambda: blocked_backend(watcher, locker), timeout=30, what="the worker to be inside the job")
        for pid in pool_children(service_worker.process.pid):
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: "WorkerLostError" in service_worker.log() or "exited with" in service_worker.log(),
                 timeout=30, what="the worker to notice its lost process")  # fmt: skip
        locker.commit()

    # then the task is delivered again (acks late, rejected on worker loss) and writes exactly one clean run
    wait_for(
        lambda: JobRun.objects.filter(kind="aggregate", status=JobRun.Status.SUCCEEDED).exists(),
        timeout=90,
        what="the redelivered aggregation to succeed",
    )
    assert scores(cycle) == clean
