"""Exit non-zero when beat has not run the cycle tick recently: the healthcheck of the beat container."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

TICK = "cycles-tick"


class Command(BaseCommand):
    help = "Fail unless celery beat has sent the cycle tick within the allowed delay."

    def add_arguments(self, parser):
        # Beat saves last_run_at every few minutes, not every tick, so allow for that.
        parser.add_argument("--max-delay", type=int, default=max(10 * 60, 5 * settings.ALIGN_TICK_SECONDS))

    def handle(self, *args, max_delay: int, **options):
        task = PeriodicTask.objects.filter(name=TICK).first()
        if task is None or task.last_run_at is None:
            raise CommandError(f"beat has never run {TICK!r}")
        age = timezone.now() - task.last_run_at
        if age > timedelta(seconds=max_delay):
            raise CommandError(f"beat last ran {TICK!r} {int(age.total_seconds())}s ago (allowed {max_delay}s)")
        self.stdout.write(f"beat ok: {TICK!r} ran {int(age.total_seconds())}s ago")
