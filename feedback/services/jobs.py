"""Recording what background jobs do, so admins can see status and progress."""

from contextlib import contextmanager

from django.utils import timezone

from ..models import JobRun


@contextmanager
def job_recorded(*, kind: str, subject: str = ""):
    """Record a job as running, then as succeeded (with the message it set) or failed (with the error)."""
    job = JobRun.objects.create(kind=kind, subject=subject)
    try:
        yield job
    except Exception as error:
        JobRun.objects.filter(id=job.id).update(
            status=JobRun.Status.FAILED, message=repr(error)[:2000], finished_at=timezone.now()
        )
        raise
    JobRun.objects.filter(id=job.id).update(
        status=JobRun.Status.SUCCEEDED, message=job.message, finished_at=timezone.now()
    )


def job_progress(job: JobRun, *, done: int, total: int | None = None) -> None:
    """Update a running job's progress."""
    fields = {"progress": done} | ({"total": total} if total is not None else {})
    JobRun.objects.filter(id=job.id).update(**fields)
