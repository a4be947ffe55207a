"""Cycles made before they kept a time zone take their schedule's, else TIME_ZONE."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import pulse_template

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = ("surveys", "0011_invitation_keeps_its_address")
AFTER = ("surveys", "0012_cycle_time_zone")
OPENS = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_cycles_take_their_schedules_zone_and_the_others_the_sites(settings):
    # given: the schema before cycles kept a zone, a Berlin schedule's cycle and a cycle made by hand
    settings.TIME_ZONE = "America/New_York"
    template_id = pulse_template().id
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    schedule = old.get_model("surveys", "CycleSchedule").objects.create(
        name="Weekly", template_id=template_id, first_opens_at=OPENS, time_zone="Europe/Berlin"
    )
    old_cycle = old.get_model("surveys", "Cycle")
    window = {"template_id": template_id, "opens_at": OPENS, "closes_at": OPENS + timedelta(days=7)}
    scheduled = old_cycle.objects.create(name="Scheduled", schedule=schedule, **window)
    by_hand = old_cycle.objects.create(name="By hand", **window)

    # when
    executor = MigrationExecutor(connection)
    executor.migrate([AFTER])

    # then (read through the schema as of that migration: later ones may add columns)
    cycles = executor.loader.project_state([AFTER]).apps.get_model("surveys", "Cycle").objects
    assert cycles.get(id=scheduled.id).time_zone == "Europe/Berlin"
    assert cycles.get(id=by_hand.id).time_zone == "America/New_York"
