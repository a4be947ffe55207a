"""Celery tasks of the feedback side: thin wrappers that take ids and call a service."""

from celery import shared_task

from . import services


@shared_task
def scores_aggregate_task(cycle_id: int) -> int:
    """Compute a closed cycle's group scores (idempotent: a rerun replaces them)."""
    return services.scores_aggregate(cycle_id=cycle_id)
