"""The built-in "Align pulse": the mission's dimensions in about two minutes, rotated by dimension.

Psychological safety (Edmondson), trust in leadership, structure & clarity, business clarity, meaning, impact,
dependability, eNPS and the optional comment. Its 22 rated questions are more than a two-minute pulse asks, so
each cycle asks at most 10 of them (eNPS every time) and every dimension at least once every 3 cycles.
Data lives here, not imported, so this migration never changes; running it again changes nothing.
"""

from django.db import migrations

SLUG = "align-pulse"
NAME = "Align pulse"
DESCRIPTION = (
    "Psychological safety, trust in leadership, structure & clarity, business clarity (why it matters), "
    "meaning, impact, dependability, eNPS and one optional comment. Each cycle asks at most 10 questions, "
    "whole dimensions in rotation, each dimension at least every 3 cycles; eNPS and the comment every cycle. "
    "About two minutes."
)
MAX_QUESTIONS = 10
MEASURE_EVERY_CYCLES = 3
QUESTIONS = [
    *(f"psafety-{i}" for i in range(1, 8)),
    "trust-1", "trust-2", "trust-3",
    "clarity-1", "clarity-2",
    "business-1", "business-2", "business-3",
    "meaning-1", "meaning-2",
    "impact-1", "impact-2",
    "dependability-1", "dependability-2",
    "enps",
    "comment",
]  # fmt: skip


def install(apps, schema_editor):
    Question = apps.get_model("surveys", "Question")
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    TemplateQuestion = apps.get_model("surveys", "TemplateQuestion")
    template, created = SurveyTemplate.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": NAME,
            "description": DESCRIPTION,
            "max_questions": MAX_QUESTIONS,
            "measure_every_cycles": MEASURE_EVERY_CYCLES,
        },
    )
    if not created:
        return  # an admin may have edited it since: theirs to keep
    for position, key in enumerate(QUESTIONS, start=1):
        # The current version of each item: one reworded since keeps its key with a higher version.
        question = Question.objects.filter(key=key, retired=False).order_by("-version").first()
        TemplateQuestion.objects.create(template=template, question=question, position=position)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0016_template_rotation")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
