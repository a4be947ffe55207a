"""The question bank (DESIGN.md §4): re:Work dynamics, trust in leadership, business clarity, and a full template.

Data lives here, not imported, so this migration never changes. Wording from a published source is marked
validated; items we wrote are not, and their dimension says so, so their reliability is measured from the
data (Cronbach's α) rather than assumed.
"""

from django.db import migrations

REWORK = (
    "Google re:Work, 'Guide: Understand team effectiveness' (2016), the five dynamics of effective teams; "
    "the first item of this dimension is Google's published sample item."
)
WRITTEN_HERE = "Written for Align; not a validated scale. Reliability (Cronbach's α) is measured from the data."

DIMENSIONS = [
    ("dependability", "Dependability", "Whether teammates get things done on time and to a high bar.", REWORK),
    ("structure-clarity", "Structure & clarity", "Whether goals, roles and plans are clear.", REWORK),
    ("meaning", "Meaning", "Whether the work is personally important to people.", REWORK),
    ("impact", "Impact", "Whether people believe their work matters to the organisation.", REWORK),
    ("trust-leadership", "Trust in leadership", "Whether people trust and can speak up to leadership.", WRITTEN_HERE),
    (
        "business-clarity",
        "Business clarity",
        "Whether people understand why the business chose its priorities.",
        WRITTEN_HERE,
    ),
]

# (key, dimension, text, reverse_scored, validated)
QUESTIONS = [
    ("dependability-1", "dependability", "When my teammates say they'll do something, they follow through with it.", False, True),
    ("dependability-2", "dependability", "I can count on my teammates to deliver work of a high standard.", False, False),
    ("clarity-1", "structure-clarity", "Our team has an effective decision-making process.", False, True),
    ("clarity-2", "structure-clarity", "Goals, roles and plans on our team are clear.", False, True),
    ("meaning-1", "meaning", "The work I do for our team is meaningful to me.", False, True),
    ("meaning-2", "meaning", "I would miss the work I do here if I left.", False, False),
    ("impact-1", "impact", "I understand how our team's work contributes to the organization's goals.", False, True),
    ("impact-2", "impact", "Our team's work makes a visible difference to our customers.", False, False),
    ("trust-1", "trust-leadership", "I trust the decisions our leadership makes.", False, False),
    ("trust-2", "trust-leadership", "Leadership tells us the truth, even when it is uncomfortable.", False, False),
    ("trust-3", "trust-leadership", "I could disagree with leadership without it being held against me.", False, False),
    ("business-1", "business-clarity", "I understand why our roadmap priorities were chosen.", False, False),
    ("business-2", "business-clarity", "I know which business results our team's work is meant to move.", False, False),
    ("business-3", "business-clarity", "I am often surprised by changes in our priorities.", True, False),
]  # fmt: skip

FULL_TEMPLATE = [
    *(f"psafety-{i}" for i in range(1, 8)),
    *(key for key, *_ in QUESTIONS),
    "enps",
    "comment",
]


def install(apps, schema_editor):
    Dimension = apps.get_model("surveys", "Dimension")
    Question = apps.get_model("surveys", "Question")
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    TemplateQuestion = apps.get_model("surveys", "TemplateQuestion")
    Question.objects.filter(key__startswith="psafety-").update(validated=True)
    Question.objects.filter(key="enps").update(validated=True)
    dimensions = {}
    for key, name, description, source in DIMENSIONS:
        dimensions[key], _ = Dimension.objects.update_or_create(
            key=key,
            defaults={"name": name, "description": description, "source": source, "validated": source is REWORK},
        )
    for key, dimension, text, reverse_scored, validated in QUESTIONS:
        Question.objects.update_or_create(
            key=key,
            version=1,
            defaults={
                "dimension": dimensions[dimension],
                "kind": "likert",
                "text": text,
                "scale_points": 5,
                "reverse_scored": reverse_scored,
                "required": True,
                "validated": validated,
            },
        )
    template, _ = SurveyTemplate.objects.update_or_create(
        slug="team-effectiveness-pulse",
        defaults={
            "name": "Team effectiveness pulse",
            "description": "Psychological safety, the other four re:Work dynamics, trust in leadership, business "
            "clarity, eNPS and one optional comment. About three minutes.",
        },
    )
    for position, key in enumerate(FULL_TEMPLATE, start=1):
        TemplateQuestion.objects.update_or_create(
            template=template, question=Question.objects.get(key=key, version=1), defaults={"position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_question_versions_and_cycle_questions")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
