"""Each schedule keeps the wall-clock time of its first opening, taken from the moment stored so far as it shows
in the schedule's zone (a time typed in a gap was stored as the moment after the jump, and cannot be told
apart from a time typed there: such a schedule keeps the later time, as it did)."""

from datetime import UTC
from zoneinfo import ZoneInfo

from django.db import migrations, models


def walls_from_moments(apps, schema_editor):
    CycleSchedule = apps.get_model("surveys", "CycleSchedule")
    for schedule in CycleSchedule.objects.all():
        wall = schedule.first_opens_at.astimezone(UTC).astimezone(ZoneInfo(schedule.time_zone))
        schedule.first_opens_local_date, schedule.first_opens_local_time = wall.date(), wall.time().replace(tzinfo=None)
        schedule.save(update_fields=["first_opens_local_date", "first_opens_local_time"])


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0013_cycle_send_seconds"),
    ]

    operations = [
        migrations.AddField(
            model_name="cycleschedule",
            name="first_opens_local_date",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="cycleschedule",
            name="first_opens_local_time",
            field=models.TimeField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="cycleschedule",
            name="first_opens_at",
            field=models.DateTimeField(help_text="The moment the first cycle opens."),
        ),
        migrations.RunPython(walls_from_moments, migrations.RunPython.noop),
    ]
