"""Recording what background jobs do, so admins can see status and progress."""

from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F
from django.utils import timezone

from ..models import JobRun


@contextmanager
def job_recorded(*, kind: str, subject: str = ""):
    """Record a job as running, then as succeeded (with the message it set) or failed (with the error)."""
    job = job_started(kind=kind, subject=subject)
    try:
        yield job
    except Exception as error:
        job_failed(job, error)
        raise
    job_succeeded(job)


def job_started(*, kind: str, subject: str = "") -> JobRun:
    """Record a job as running (and, first, runs abandoned by a dead worker as failed); return its record."""
    jobs_abandoned_fail()
    return JobRun.objects.create(kind=kind, subject=subject)


def job_succeeded(job: JobRun, *, done: int | None = None) -> None:
    """Record a job as succeeded with the message it set (and its progress as `done`, where given)."""
    fields = {"progress": done} if done is not None else {}
    JobRun.objects.filter(id=job.id).update(
        status=JobRun.Status.SUCCEEDED, message=job.message, finished_at=timezone.now(), **fields
    )


def jobs_abandoned_fail() -> int:
    """Record as failed every run still "running" past the hard time limit: its worker died mid-job.

    No run outlives the limit (the worker kills it), so such a row can only be left by a process killed
    before it could record anything; the redelivered job records a run of its own.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return JobRun.objects.filter(status=JobRun.Status.RUNNING, started_at__lt=cutoff).update(
        status=JobRun.Status.FAILED, message="Interrupted: its worker stopped before the job finished.", finished_at=now
    )


def job_progress(job: JobRun, *, done: int | None = None, total: int | None = None, add: int = 0) -> None:
    """Update a running job's progress: set it to `done`, or add `add` to it (parts of one job running at once)."""
    fields = {"progress": done if done is not None else F("progress") + add}
    JobRun.objects.filter(id=job.id).update(**fields | ({"total": total} if total is not None else {}))


def job_failed(job: JobRun, error: Exception) -> None:
    """Mark a job failed, even when what failed was the database connection itself."""
    fields = {"status": JobRun.Status.FAILED, "message": repr(error)[:2000], "finished_at": timezone.now()}
    try:
        JobRun.objects.filter(id=job.id).update(**fields)
    except DatabaseError:
        if connection.in_atomic_block:
            return
        # The connection died (the error being reported is likely that): reconnect once to record it.
        connection.close()
        JobRun.objects.filter(id=job.id).update(**fields)
