"""Answers are keyed by (response, question) instead of a random id of their own.

Django cannot turn an existing table's key into a composite one, so the answers move to a new table, in the
order of their old random ids (which keeps their stored order unrelated to the order people answered in).
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models

BATCH = 5000


def copy_forwards(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO surveys_answerkeyed (response_id, question_id, value) "
        "SELECT response_id, question_id, value FROM surveys_answer ORDER BY id"
    )


def copy_backwards(apps, schema_editor):
    Keyed = apps.get_model("surveys", "AnswerKeyed")
    Answer = apps.get_model("surveys", "Answer")
    rows = Keyed.objects.values_list("response_id", "question_id", "value").iterator(chunk_size=BATCH)
    Answer.objects.bulk_create(
        (Answer(id=uuid.uuid4(), response_id=r, question_id=q, value=v) for r, q, v in rows), batch_size=BATCH
    )


def key_named_for_the_table(old: str, new: str):
    """Return a step that renames the key's constraint on PostgreSQL, where renaming the table kept its name."""

    def rename(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE surveys_answer RENAME CONSTRAINT {old} TO {new}")

    return rename


class Migration(migrations.Migration):
    dependencies = [("surveys", "0008_answered_marker")]

    operations = [
        migrations.CreateModel(
            name="AnswerKeyed",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "response", "question", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("value", models.SmallIntegerField()),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="surveys.question"
                    ),
                ),
                (
                    "response",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="surveys.response",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("value__gte", 0), ("value__lte", 10)), name="answer_value_in_any_scale"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_forwards, copy_backwards),
        migrations.DeleteModel(name="Answer"),
        migrations.RenameModel("AnswerKeyed", "Answer"),
        migrations.RunPython(
            key_named_for_the_table("surveys_answerkeyed_pkey", "surveys_answer_pkey"),
            key_named_for_the_table("surveys_answer_pkey", "surveys_answerkeyed_pkey"),
        ),
        migrations.AlterField(
            model_name="answer",
            name="question",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="answers", to="surveys.question"
            ),
        ),
        migrations.AlterField(
            model_name="answer",
            name="response",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="surveys.response",
            ),
        ),
    ]
