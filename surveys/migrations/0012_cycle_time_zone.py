"""Each cycle keeps the wall clock it is counted on: its schedule's zone, else TIME_ZONE (the default)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import surveys.models


def zones_from_schedules(apps, schema_editor):
    Cycle = apps.get_model("surveys", "Cycle")
    CycleSchedule = apps.get_model("surveys", "CycleSchedule")
    zone = CycleSchedule.objects.filter(id=OuterRef("schedule_id")).values("time_zone")[:1]
    Cycle.objects.filter(schedule__isnull=False).update(time_zone=Subquery(zone))


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0011_invitation_keeps_its_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="cycle",
            name="time_zone",
            field=models.CharField(
                default=surveys.models.site_time_zone,
                editable=False,
                help_text="The wall clock its reminders and dates are counted on: its schedule's zone, else TIME_ZONE.",
                max_length=64,
                validators=[surveys.models.validate_time_zone],
            ),
        ),
        migrations.RunPython(zones_from_schedules, migrations.RunPython.noop),
    ]
