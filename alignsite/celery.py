"""The Celery app. Settings come from Django's settings under the CELERY_ namespace (see settings.py)."""

import logging
import os

from celery import Celery, Task
from django.conf import settings
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsite.settings")

logger = logging.getLogger(__name__)

# A dropped connection, a database restart, a deadlock or a lock timeout: worth trying again with backoff.
# Anything else (an IntegrityError, a bug) fails at once and is recorded as failed.
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)
DATABASE_RETRY = {"autoretry_for": TRANSIENT_DATABASE_ERRORS, "retry_backoff": True, "max_retries": 5}


class DeliveriesExceeded(Exception):
    """A task was delivered more than ALIGN_TASK_MAX_DELIVERIES times: it is failed instead of run again."""


class ReliableTask(Task):
    """A task that is acknowledged late and failed after too many redeliveries.

    acks_late + reject_on_worker_lost re-run a task whose worker died, which is what we want once or twice;
    a task that kills its worker every time would otherwise loop forever. Past the limit it ends as failed
    (recorded in the result backend and the log), and its message is acknowledged.
    """

    def deliveries_exceeded(self) -> bool:
        from django.core.cache import cache

        if self.request.called_directly or self.request.is_eager:
            return False
        # Per attempt: a retry re-sends the same task id with `retries` + 1 and is governed by max_retries.
        key = f"align:task-deliveries:{self.request.id}:{self.request.retries or 0}"
        cache.add(key, 0, timeout=24 * 3600)
        deliveries = cache.incr(key)
        return deliveries > settings.ALIGN_TASK_MAX_DELIVERIES

    def __call__(self, *args, **kwargs):
        if self.deliveries_exceeded():
            logger.error("Task %s[%s] was delivered too many times; failing it.", self.name, self.request.id)
            raise DeliveriesExceeded(f"{self.name} was delivered more than {settings.ALIGN_TASK_MAX_DELIVERIES} times")
        return super().__call__(*args, **kwargs)


app = Celery("alignsite", task_cls=ReliableTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
