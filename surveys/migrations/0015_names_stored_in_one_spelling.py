"""Person and team names stored as names.name_stored keeps them from now on: trimmed, in NFC, and a run of spaces
as its first space. Names saved before were kept as typed, so Zoë typed with a combining diaeresis read as a name
change when the export (NFC) was imported again.

The rule is copied here rather than imported, so this migration does the same whatever names.py becomes. A team
whose new spelling is already a sibling's name (siblings made before the look-alike rule) keeps its name: the
constraint allows one of each among siblings, and the importers refuse a path that matches both. Backwards, nothing
is undone: the old spellings were not kept, and the new ones read the same.
"""

import re
import unicodedata

from django.db import migrations

SPACE_RUN = re.compile(r"[^\S\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]{2,}")


def stored(text: str) -> str:
    return SPACE_RUN.sub(lambda run: run.group()[0], unicodedata.normalize("NFC", text.strip()))


def names_stored(apps, schema_editor):
    Person = apps.get_model("surveys", "Person")
    Team = apps.get_model("surveys", "Team")
    longest = Person._meta.get_field("name").max_length
    for person in Person.objects.only("id", "name").iterator():
        name = stored(person.name)
        if name and name != person.name and len(name) <= longest:
            Person.objects.filter(id=person.id).update(name=name)
    longest = Team._meta.get_field("name").max_length
    for team in Team.objects.only("id", "name", "parent_id").order_by("id"):
        name = stored(team.name)
        if name == team.name or len(name) > longest or not name:
            continue
        if not Team.objects.filter(parent_id=team.parent_id, name=name).exists():
            Team.objects.filter(id=team.id).update(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0014_schedule_keeps_its_wall_time"),
    ]

    operations = [
        migrations.RunPython(names_stored, migrations.RunPython.noop),
    ]
