"""Recompute every closed cycle's aggregates, oldest first (after an upgrade changed how figures are computed)."""

from django.core.management.base import BaseCommand

from surveys.models import Cycle

from ...services import scores_aggregate


class Command(BaseCommand):
    help = "Recompute the group scores, changes and item scores of every closed or published cycle, oldest first."

    def handle(self, *args, **options):
        # Oldest first: a cycle's change is measured against the cycle before it.
        cycles = Cycle.objects.filter(state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED]).order_by("opens_at")
        for cycle in cycles:
            rows = scores_aggregate(cycle_id=cycle.id)
            self.stdout.write(f"{cycle.name}: {rows} group scores")
