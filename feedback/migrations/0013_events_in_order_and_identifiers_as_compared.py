"""Delivery events applied in the order they happened, and identifiers compared as their owners compare them.

1. A repository is unique ignoring case, as on GitHub. Rows that differ only in case were one repository
   named twice (only the spelling in GitHub's payloads ever matched): the latest connected (highest id)
   is kept, as connecting again re-points a repository.
2. Deployments and incidents keep the sender's time of the state they hold (state_at, empty for rows from
   before: the next event applies). Incidents keep the deployment id they named, and whether they still
   count.
3. Commit ids are lower case when hexadecimal, as Git writes them. Changes of one team whose ids differed
   only in case are one change: merged, each time keeping the earliest value (as change_record does now).
"""

import re

import django.core.validators
import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Lower

HEX = re.compile(r"[0-9a-fA-F]+")


def _sha_key(sha: str) -> str:
    sha = sha.strip()
    return sha.lower() if HEX.fullmatch(sha) else sha


def repositories_merge_spellings(apps, schema_editor):
    Repository = apps.get_model("feedback", "Repository")
    seen = set()
    # lower() as the database computes it, so what is kept is exactly what the constraint will accept
    for repository in Repository.objects.annotate(key=Lower("full_name")).order_by("-id"):
        if repository.key in seen:
            repository.delete()
        seen.add(repository.key)


def incidents_keep_deployment_ids(apps, schema_editor):
    Incident = apps.get_model("feedback", "Incident")
    Deployment = apps.get_model("feedback", "Deployment")
    Incident.objects.filter(deployment__isnull=False).update(
        deployment_external_id=Subquery(Deployment.objects.filter(pk=OuterRef("deployment_id")).values("external_id")[:1])
    )


def shas_lower_case(apps, schema_editor):
    Change = apps.get_model("feedback", "Change")
    Deployment = apps.get_model("feedback", "Deployment")
    Incident = apps.get_model("feedback", "Incident")
    groups = {}
    for change in Change.objects.order_by("id").iterator():
        groups.setdefault((change.team_id, _sha_key(change.sha)), []).append(change)
    for (_, sha), changes in groups.items():
        first, others = changes[0], changes[1:]
        if not others and first.sha == sha:
            continue
        Change.objects.filter(pk__in=[other.pk for other in others]).delete()  # before the rename can collide
        Change.objects.filter(pk=first.pk).update(
            sha=sha,
            authored_at=min(filter(None, (c.authored_at for c in changes)), default=None),
            merged_at=min(filter(None, (c.merged_at for c in changes)), default=None),
        )
    for deployment in Deployment.objects.iterator():
        shas = sorted({_sha_key(sha) for sha in deployment.shas})
        if shas != deployment.shas:
            Deployment.objects.filter(pk=deployment.pk).update(shas=shas)
    for incident in Incident.objects.exclude(sha="").iterator():
        if _sha_key(incident.sha) != incident.sha:
            Incident.objects.filter(pk=incident.pk).update(sha=_sha_key(incident.sha))


class Migration(migrations.Migration):

    dependencies = [
        ("feedback", "0012_change_in_its_own_unit"),
    ]

    operations = [
        migrations.AlterField(
            model_name="repository",
            name="full_name",
            field=models.CharField(
                help_text="owner/name, as GitHub spells it; matched ignoring case, as GitHub does.",
                max_length=200,
                validators=[
                    django.core.validators.RegexValidator(
                        "\\A[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\\Z", "Write the repository as owner/name."
                    )
                ],
            ),
        ),
        migrations.RunPython(repositories_merge_spellings, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="repository",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("full_name"), name="repository_unique_ignoring_case"
            ),
        ),
        migrations.AddField(
            model_name="deployment",
            name="state_at",
            field=models.DateTimeField(
                blank=True,
                help_text="The sender's time of the state held; an event no newer changes nothing.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="counted",
            field=models.BooleanField(
                default=True,
                help_text="False for an issue that is not, or no longer, an incident (no incident label, "
                "deleted); kept so that an older event arriving late cannot make it one.",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="deployment_external_id",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="incident",
            name="state_at",
            field=models.DateTimeField(
                blank=True,
                help_text="The sender's time of the state held; an event no newer changes nothing.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="change",
            name="sha",
            field=models.CharField(
                help_text="The commit id; lower case when hexadecimal, as Git writes it.", max_length=64
            ),
        ),
        migrations.RunPython(incidents_keep_deployment_ids, migrations.RunPython.noop),
        migrations.RunPython(shas_lower_case, migrations.RunPython.noop),
    ]
