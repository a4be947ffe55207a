"""Mark for recomputation every week holding a stored "0 deploys/week", so that the recomputation removes those
before the team's first deployment (feedback.dora.deploying). One commit dated 1970 had filled 2,985 weeks from
1969-12-29 with 0; only the recomputation knows the team's first production deployment, so this migration only
marks the weeks and the DORA sweep (every minute) does the rest. Every such figure is 0 (no deployment came
before it), so marking the zeros reaches them all; a real quiet week is recomputed to the same 0."""

from datetime import timedelta

from django.db import migrations


def _monday(day):
    return day - timedelta(days=day.weekday())


def zero_weeks_mark(apps, schema_editor):
    MetricValue = apps.get_model("feedback", "MetricValue")
    DoraDirty = apps.get_model("feedback", "DoraDirty")
    zeros = MetricValue.objects.filter(
        source="dora", metric__key="deployment-frequency", value=0, team__isnull=False
    ).values_list("team_id", "period_start", "period_end")
    marks = set()
    for team_id, start, end in zeros.iterator():
        # A cycle window's dates are on its own zone's clock: the weeks of both ends overlap it.
        marks |= {(team_id, _monday(start)), (team_id, _monday(end))}
    DoraDirty.objects.bulk_create(
        [DoraDirty(team_id=team_id, week_start=week) for team_id, week in sorted(marks)],
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0018_api_token_scim_scope"),
    ]

    operations = [migrations.RunPython(zero_weeks_mark, migrations.RunPython.noop)]
