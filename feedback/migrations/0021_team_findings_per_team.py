"""Team findings: one row per team holding its pairs, instead of one per team and pair (issue #24: 800,000
rows rewritten on every analysis run at 5,000 teams). The rows are derived: the next run writes them again."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0020_deployment_marked_production"),
        ("surveys", "0023_logins_follow_addresses"),
    ]

    operations = [
        migrations.DeleteModel(name="TeamFinding"),
        migrations.CreateModel(
            name="TeamFinding",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "pairs",
                    models.JSONField(help_text="The team's own test of each dimension, metric and lag (see the model)."),
                ),
                (
                    "team",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="own_findings", to="surveys.team"
                    ),
                ),
            ],
        ),
    ]
