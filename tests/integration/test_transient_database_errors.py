"""A job whose database connection dies half-way is retried by the real worker and ends as one clean run."""

import psycopg
import pytest

from feedback.models import GroupScore, JobRun
from feedback.services import scores_aggregate
from feedback.tasks import scores_aggregate_task
from tests.factories import TeamFactory
from tests.feedback.conftest import run_cycle

from .conftest import database_dsn, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def blocked_backend(watcher: psycopg.Connection, locker: psycopg.Connection) -> int | None:
    """Return the pid of a backend waiting on a lock held by `locker`, if any.

    Asked on its own autocommit connection: pg_stat_activity is a snapshot taken once per transaction.
    """
    row = watcher.execute(
        "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [locker.info.backend_pid]
    ).fetchone()
    return row and row[0]


def test_an_aggregation_whose_connection_is_killed_is_retried_and_ends_as_one_clean_run(service_worker):
    # given a closed cycle, and what a clean aggregation of it writes
    team = TeamFactory(name="Payments")
    cycle = run_cycle([(team, [{"ps1": 4}] * 6)])
    scores_aggregate(cycle_id=cycle.id)
    clean = sorted(GroupScore.objects.filter(cycle=cycle).values_list("team_id", "dimension_id", "respondents", "mean"))
    GroupScore.objects.all().delete()
    dsn = database_dsn()
    with psycopg.connect(**dsn) as locker, psycopg.connect(**dsn, autocommit=True) as watcher:
        # when the worker's aggregation is stuck behind a lock and its connection is then terminated
        locker.execute(f"LOCK TABLE {GroupScore._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        scores_aggregate_task.delay(cycle.id)
        pid = wait_for(lambda: blocked_backend(watcher, locker), timeout=30, what="the worker to wait on the lock")
        watcher.execute("SELECT pg_terminate_backend(%s)", [pid])
        wait_for(
            lambda: JobRun.objects.filter(kind="aggregate", status=JobRun.Status.FAILED).exists(),
            timeout=30,
            what="the interrupted job to be recorded as failed",
        )
        locker.commit()  # releases the lock

    # then the retry succeeds and writes exactly what a clean run writes
    wait_for(
        lambda: JobRun.objects.filter(kind="aggregate", status=JobRun.Status.SUCCEEDED).exists(),
        timeout=60,
        what="the retried aggregation to succeed",
    )
    again = sorted(GroupScore.objects.filter(cycle=cycle).values_list("team_id", "dimension_id", "respondents", "mean"))
    assert again == clean
    assert "Retry in" in service_worker.log()
    failed = JobRun.objects.get(kind="aggregate", status=JobRun.Status.FAILED)
    assert "terminat" in failed.message or "closed" in failed.message
