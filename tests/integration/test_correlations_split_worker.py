"""The analysis shared out among a real Celery worker's processes writes exactly what the single-process job writes."""

import pytest

from feedback import services
from feedback.models import Finding, JobRun
from feedback.tasks import correlations_refresh_task, correlations_shares_send
from tests.feedback.test_correlations_service import history  # noqa: F401  (a fixture)
from tests.feedback.test_correlations_split import single_process, stored

from .conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_split_job_on_a_real_worker_writes_exactly_what_the_single_process_job_writes(history, service_worker):  # noqa: F811
    # given what the job writes in one process (2 metrics × 2 lags: 4 shares)
    single = single_process()
    # when a real worker (two processes) runs the task and its chord
    job_id = correlations_refresh_task.delay().get(timeout=60)
    job = wait_for(
        lambda: JobRun.objects.exclude(status=JobRun.Status.RUNNING).filter(id=job_id).first(),
        timeout=120,
        what="the split correlation job to end",
    )
    # then
    assert job.status == JobRun.Status.SUCCEEDED, job.message
    assert stored() == single
    assert job.progress == job.total == 4
    assert service_worker.log().count("feedback.tasks.correlations_share_task") >= 4  # each share a task


def test_a_share_that_fails_on_a_real_worker_fails_the_job_and_writes_nothing(history, service_worker):  # noqa: F811
    # given a started job whose plan the workers cannot read (kept in this process's own cache, not Redis)
    job, shares = services.correlations_start(permutations=99)
    # when its shares are sent to the worker
    correlations_shares_send(job.id, shares)
    # then the chord's error callback records the job as failed, and nothing was written
    wait_for(
        lambda: JobRun.objects.filter(id=job.id, status=JobRun.Status.FAILED).exists(),
        timeout=60,
        what="the job to be recorded as failed",
    )
    assert "no longer in the cache" in JobRun.objects.get(id=job.id).message
    assert not Finding.objects.exists()
