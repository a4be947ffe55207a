"""Built-in metrics: DORA's four keys (computed by Align) and common business measures (sent in)."""

from django.db import migrations

# key, name, unit, category, direction, time rollup, team rollup, builtin
METRICS = [
    ("deployment-frequency", "Deployment frequency", "deploys/week", "delivery", "higher", "mean", "sum", True),
    ("lead-time", "Lead time for changes (median)", "hours", "delivery", "lower", "mean", "mean", True),
    ("change-failure-rate", "Change failure rate", "%", "delivery", "lower", "mean", "mean", True),
    ("time-to-restore", "Time to restore service (median)", "hours", "delivery", "lower", "mean", "mean", True),
    ("revenue", "Revenue", "currency", "business", "higher", "sum", "sum", False),
    ("nps", "Customer NPS", "score", "business", "higher", "mean", "mean", False),
    ("churn-rate", "Customer churn rate", "%", "business", "lower", "mean", "mean", False),
    ("incidents", "Customer-facing incidents", "count", "quality", "lower", "sum", "sum", False),
]


def install(apps, schema_editor):
    MetricDefinition = apps.get_model("feedback", "MetricDefinition")
    for key, name, unit, category, direction, time_rollup, team_rollup, builtin in METRICS:
        MetricDefinition.objects.update_or_create(
            key=key,
            defaults={
                "name": name,
                "unit": unit,
                "category": category,
                "direction": direction,
                "time_rollup": time_rollup,
                "team_rollup": team_rollup,
                "builtin": builtin,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_metrics")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
