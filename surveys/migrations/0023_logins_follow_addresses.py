"""Bring every person's login in step with their address (attack finding H1): before, a login kept the address it
was created with, so a person's new address left the old one naming their login, and a reset for the old address
mailed a link to whoever holds that mailbox now. A login whose person's address another login holds is left as it
is (two logins cannot share one) and named in the migration's output for an admin to settle."""

from django.conf import settings
from django.db import migrations


def logins_follow_addresses(apps, schema_editor):
    Person = apps.get_model("surveys", "Person")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for person in Person.objects.exclude(user=None).select_related("user").order_by("pk"):
        user = person.user
        if user.username == person.email and user.email == person.email:
            continue
        held = User.objects.exclude(pk=user.pk).filter(username__iexact=person.email).exists()
        if held:
            print(f"\n  login {user.pk} of person {person.pk}: its address is another login's username; left as is")
            continue
        user.username = user.email = person.email
        user.save(update_fields=["username", "email"])


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0022_person_language_and_question_translations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(logins_follow_addresses, migrations.RunPython.noop)]
