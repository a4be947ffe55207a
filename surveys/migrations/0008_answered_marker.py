"""Answering no longer deletes tokens: an invitation is marked answered by a keyed HMAC of its id."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def mark_answered(apps, schema_editor):
    """Open cycles: an invitation that was sent and has no token left was answered. Old per-token markers go."""
    from surveys.tokens import answered_marker

    Invitation = apps.get_model("surveys", "Invitation")
    InvitationToken = apps.get_model("surveys", "InvitationToken")
    AnsweredMarker = apps.get_model("surveys", "AnsweredMarker")
    AnsweredMarker.objects.all().delete()
    answered = (
        Invitation.objects.filter(cycle__state="open", sent_at__isnull=False)
        .exclude(Exists(InvitationToken.objects.filter(invitation=OuterRef("pk"))))
        .values_list("id", "cycle_id")
    )
    AnsweredMarker.objects.bulk_create(
        (AnsweredMarker(marker=answered_marker(invitation_id), cycle_id=cycle_id) for invitation_id, cycle_id in answered),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0007_cycle_members_notified")]

    operations = [
        migrations.RenameModel("SpentToken", "AnsweredMarker"),
        migrations.RunPython(mark_answered, migrations.RunPython.noop),
    ]
