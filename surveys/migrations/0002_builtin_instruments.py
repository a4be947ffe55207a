"""The built-in instruments (DESIGN.md §4). Data lives here, not imported, so this migration never changes."""

from django.db import migrations

EDMONDSON_1999 = (
    "Edmondson, A. (1999). Psychological safety and learning behavior in work teams. "
    "Administrative Science Quarterly, 44(2), 350–383. Items 1, 3 and 5 are reverse-scored."
)

DIMENSIONS = [
    {
        "key": "psychological-safety",
        "name": "Psychological safety",
        "description": "Whether the team is safe for interpersonal risk-taking.",
        "source": EDMONDSON_1999,
        "validated": True,
    },
    {
        "key": "enps",
        "name": "eNPS",
        "description": "Employee Net Promoter Score: % promoters (9–10) − % detractors (0–6).",
        "source": "Employee adaptation of Reichheld's Net Promoter Score (Harvard Business Review, 2003).",
        "validated": True,
    },
    {
        "key": "comment",
        "name": "Open comment",
        "description": "Free text, shown only to groups at or above the comment threshold.",
        "source": "",
        "validated": False,
    },
]

# (key, dimension, kind, text, reverse_scored, required)
QUESTIONS = [
    ("psafety-1", "psychological-safety", "likert",
     "If you make a mistake on this team, it is often held against you.", True, True),
    ("psafety-2", "psychological-safety", "likert",
     "Members of this team are able to bring up problems and tough issues.", False, True),
    ("psafety-3", "psychological-safety", "likert",
     "People on this team sometimes reject others for being different.", True, True),
    ("psafety-4", "psychological-safety", "likert", "It is safe to take a risk on this team.", False, True),
    ("psafety-5", "psychological-safety", "likert",
     "It is difficult to ask other members of this team for help.", True, True),
    ("psafety-6", "psychological-safety", "likert",
     "No one on this team would deliberately act in a way that undermines my efforts.", False, True),
    ("psafety-7", "psychological-safety", "likert",
     "Working with members of this team, my unique skills and talents are valued and utilized.", False, True),
    ("enps", "enps", "enps", "How likely are you to recommend this company as a place to work?", False, True),
    ("comment", "comment", "comment",
     "Is there anything else you would like to share with your team's leadership?", False, False),
]  # fmt: skip

TEMPLATES = [
    {
        "slug": "psychological-safety-pulse",
        "name": "Psychological safety pulse",
        "description": "Edmondson's seven items, eNPS and one optional comment. About two minutes.",
        "questions": [key for key, *_ in QUESTIONS],
    },
]


def install(apps, schema_editor):
    Dimension = apps.get_model("surveys", "Dimension")
    Question = apps.get_model("surveys", "Question")
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    TemplateQuestion = apps.get_model("surveys", "TemplateQuestion")
    dimensions = {}
    for spec in DIMENSIONS:
        dimensions[spec["key"]], _ = Dimension.objects.update_or_create(key=spec["key"], defaults=spec)
    questions = {}
    for key, dimension, kind, text, reverse_scored, required in QUESTIONS:
        questions[key], _ = Question.objects.update_or_create(
            key=key,
            version=1,
            defaults={
                "dimension": dimensions[dimension],
                "kind": kind,
                "text": text,
                "scale_points": 11 if kind == "enps" else 5,
                "reverse_scored": reverse_scored,
                "required": required,
            },
        )
    for spec in TEMPLATES:
        template, _ = SurveyTemplate.objects.update_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "description": spec["description"]}
        )
        for position, key in enumerate(spec["questions"], start=1):
            TemplateQuestion.objects.update_or_create(
                template=template, question=questions[key], defaults={"position": position}
            )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
