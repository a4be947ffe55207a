"""Celery tasks of the feedback side: thin wrappers that take ids and call a service."""

from datetime import date

from celery import chord, shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from alignsite.celery import DATABASE_RETRY
from surveys.tasks import TRANSIENT_EMAIL_ERRORS

from . import services
from .services import delivery, github
from .services.jobs import job_recorded


@shared_task(**DATABASE_RETRY)
def scores_aggregate_task(cycle_id: int) -> int:
    """Compute a closed cycle's group scores (idempotent: a rerun replaces them), then refresh correlations."""
    with job_recorded(kind="aggregate", subject=f"cycle {cycle_id}") as job:
        rows = services.scores_aggregate(cycle_id=cycle_id)
        job.message = f"{rows} group scores."
    services.correlations_refresh_enqueue()
    results_announce_task.delay(cycle_id)
    return rows


@shared_task(autoretry_for=TRANSIENT_EMAIL_ERRORS, retry_backoff=True, max_retries=8)
def results_announce_task(cycle_id: int) -> bool:
    """Tell admins, once, that a cycle's results are ready to publish."""
    return services.results_announce(cycle_id=cycle_id)


@shared_task(autoretry_for=TRANSIENT_EMAIL_ERRORS, retry_backoff=True, max_retries=8)
def results_published_notify_task(cycle_id: int) -> int:
    """Tell a published cycle's invitees, once, that their team's results are in."""
    return services.results_published_notify(cycle_id=cycle_id)


@shared_task(**DATABASE_RETRY)
def correlations_refresh_task() -> int:
    """Re-test every dimension × metric × lag and replace the findings, shared out among the workers: read the
    plan, test each metric and lag's pairs in a task of its own (any worker), then combine and write once."""
    job, shares = services.correlations_start()
    if not shares:  # nothing to test: write the empty result now
        return services.correlations_finish(job_id=job.id, shares=[]).id
    correlations_shares_send(job.id, shares)
    return job.id


def correlations_shares_send(job_id: int, shares: list[list[int]]) -> None:
    """Send a started job's shares as a chord: finished by correlations_finish_task once all are in, failed by
    correlations_failed_task if one fails for good."""
    finish = correlations_finish_task.si(job_id, shares).on_error(correlations_failed_task.s(job_id, shares))
    try:
        chord((correlations_share_task.si(job_id, share) for share in shares), finish).delay()
    except Exception as error:  # the broker refused it, or (run eagerly) a share failed: nothing will finish it
        services.correlations_failed(job_id=job_id, error=error, shares=shares)
        raise


@shared_task(**DATABASE_RETRY)
def correlations_share_task(job_id: int, positions: list[int]) -> int:
    """Test one share of a correlation job's pairs (services.correlations_share)."""
    return services.correlations_share(job_id=job_id, positions=positions)


@shared_task(**DATABASE_RETRY)
def correlations_finish_task(job_id: int, shares: list[list[int]]) -> int:
    """Adjust and write a correlation job's findings once every share is in (services.correlations_finish)."""
    return services.correlations_finish(job_id=job_id, shares=shares).id


@shared_task
def correlations_failed_task(request, error, traceback, job_id: int, shares: list[list[int]]) -> None:
    """Record a correlation job whose share failed for good as failed (the chord's error callback)."""
    services.correlations_failed(job_id=job_id, error=error, shares=shares)


@shared_task(**DATABASE_RETRY)
def dora_recompute_task(team_id: int) -> int:
    """Recompute a team's DORA figures for the weeks its new events touched."""
    return services.dora_recompute(team_id=team_id)


@shared_task(**DATABASE_RETRY)
def repository_events_replay_task(repository_id: int) -> int:
    """Count the GitHub deliveries kept for a repository before it was connected (a rerun changes nothing)."""
    with job_recorded(kind="github-replay", subject=f"repository {repository_id}") as job:
        counts = github.repository_events_replay(repository_id=repository_id, job=job)
        job.message = ", ".join(f"{count} {status}" for status, count in counts.items()) + "."
    return counts["recorded"]


@shared_task(**DATABASE_RETRY)
def dora_sweep_task() -> int:
    """Recompute every team with weeks still waiting (a lost or crashed recomputation leaves them)."""
    teams = services.dora_dirty_teams()
    for team_id in teams:
        dora_recompute_task.delay(team_id)
    return len(teams)


@shared_task(autoretry_for=TRANSIENT_EMAIL_ERRORS, retry_backoff=True, max_retries=8)
def digest_send_task(user_id: int, week_start: str) -> bool:
    """Send one login its weekly digest (at most once per week)."""
    user = get_user_model().objects.get(id=user_id)
    return services.digest_send(user=user, week_start=date.fromisoformat(week_start))


@shared_task(**DATABASE_RETRY)
def digests_send_task() -> int:
    """Queue this week's digest for every leader and admin (run weekly by beat).

    The week is the organisation's week on TIME_ZONE's wall clock, the one DORA's weekly figures use; beat
    reads ALIGN_DIGEST_CRON on the same clock (CELERY_TIMEZONE), across changes of the clocks too.
    """
    week_start = delivery.week_start(timezone.now())
    recipients = services.digest_recipients()
    for user in recipients:
        digest_send_task.delay(user.id, week_start.isoformat())
    return len(recipients)
