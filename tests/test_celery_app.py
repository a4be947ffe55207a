from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from alignsite.celery import DeliveriesExceeded, app

pytestmark = pytest.mark.django_db


@app.task(name="tests.count_runs")
def count_runs(runs: list) -> str:
    runs.append(1)
    return "ran"


def run_as_worker(task, task_id: str, *args, retries: int = 0):
    """Call the task the way a worker does (not eagerly), with a given delivery's task id."""
    task.push_request(id=task_id, called_directly=False, is_eager=False, retries=retries)
    try:
        return task(*args)
    finally:
        task.pop_request()


def test_a_task_redelivered_more_than_the_limit_fails_instead_of_running(settings):
    settings.ALIGN_TASK_MAX_DELIVERIES = 3
    runs: list = []
    assert [run_as_worker(count_runs, "same-delivery", runs) for _ in range(3)] == ["ran", "ran", "ran"]
    for _ in range(2):
        with pytest.raises(DeliveriesExceeded, match="more than 3 times"):
            run_as_worker(count_runs, "same-delivery", runs)
    assert len(runs) == 3


def test_a_retry_is_a_new_attempt_not_a_redelivery(settings):
    settings.ALIGN_TASK_MAX_DELIVERIES = 1
    runs: list = []
    assert [run_as_worker(count_runs, "retried", runs, retries=n) for n in range(3)] == ["ran", "ran", "ran"]


def test_different_tasks_keep_separate_delivery_counts(settings):
    settings.ALIGN_TASK_MAX_DELIVERIES = 1
    runs: list = []
    assert run_as_worker(count_runs, "first", runs) == "ran"
    assert run_as_worker(count_runs, "second", runs) == "ran"


def test_the_reliability_settings_of_the_design_are_on():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert "surveys.tasks.cycles_tick_task" in {entry["task"] for entry in conf.beat_schedule.values()}


def beat_ran(seconds_ago: int) -> None:
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name="cycles-tick",
        defaults={
            "task": "surveys.tasks.cycles_tick_task",
            "interval": every,
            "last_run_at": timezone.now() - timedelta(seconds=seconds_ago),
        },
    )


def test_the_beat_healthcheck_passes_when_the_tick_ran_recently(capsys):
    beat_ran(seconds_ago=30)
    call_command("check_beat")
    assert "beat ok" in capsys.readouterr().out


def test_the_beat_healthcheck_fails_when_the_tick_is_stale():
    beat_ran(seconds_ago=3600)
    with pytest.raises(CommandError, match="beat last ran"):
        call_command("check_beat")


def test_the_beat_healthcheck_fails_when_beat_never_ran():
    with pytest.raises(CommandError, match="never run"):
        call_command("check_beat")
