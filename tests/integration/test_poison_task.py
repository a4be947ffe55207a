"""A task that kills its worker process on every delivery ends as failed after a bounded number of tries."""

import pytest
from celery.result import AsyncResult

from alignsite.celery import app

from .conftest import WorkerProcess, services_env, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_poison_task_fails_after_the_delivery_limit_and_the_worker_carries_on(tmp_path):
    worker = WorkerProcess(services_env(ALIGN_TASK_MAX_DELIVERIES="3"), tmp_path / "worker.log")
    worker.start("--include", "tests.integration.poison_tasks")
    runs = tmp_path / "runs.txt"
    try:
        # when a task is sent that SIGKILLs the process running it
        result: AsyncResult = app.send_task("tests.poison", args=[str(runs)])

        # then it is redelivered after each death (acks late), and past the limit it is failed, not run
        wait_for(lambda: result.state == "FAILURE", timeout=90, what="the poison task to end as failed")
        assert runs.read_text().count("run") == 3
        assert "DeliveriesExceeded" in repr(result.result)
        assert worker.log().count("WorkerLostError") >= 3
        # and the worker is still alive and working: its tick keeps running
        ticks = worker.log().count("cycles_tick_task")
        wait_for(lambda: worker.log().count("cycles_tick_task") > ticks, timeout=30, what="another tick")
        assert worker.process.poll() is None
    finally:
        worker.stop()
