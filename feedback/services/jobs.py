"""Recording what background jobs do, so admins can see status and progress."""

from contextlib import contextmanager

from django.db import DatabaseError, connection
from django.utils import timezone

from ..models import JobRun


@contextmanager
def job_recorded(*, kind: str, subject: str = ""):
    """Record a job as running, then as succeeded (with the message it set) or failed (with the error)."""
    job = JobRun.objects.create(kind=kind, subject=subject)
    try:
        yield job
    except Exception as error:
        _job_failed(job, error)
        raise
    JobRun.objects.filter(id=job.id).update(
        status=JobRun.Status.SUCCEEDED, message=job.message, finished_at=timezone.now()
    )


def job_progress(job: JobRun, *, done: int, total: int | None = None) -> None:
    """Update a running job's progress."""
    fields = {"progress": done} | ({"total": total} if total is not None else {})
    JobRun.objects.filter(id=job.id).update(**fields)


def _job_failed(job: JobRun, error: Exception) -> None:
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
