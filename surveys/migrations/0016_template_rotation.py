"""Templates rotate their dimensions: at most N rated questions per cycle, every dimension every M cycles."""

import django.core.validators
from django.db import migrations, models


def install(apps, schema_editor):
    """Let every template made before rotation ask all its rated questions, as it did: rotation is chosen."""
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    TemplateQuestion = apps.get_model("surveys", "TemplateQuestion")
    for template in SurveyTemplate.objects.all():
        rated = TemplateQuestion.objects.filter(template=template, question__kind__in=["likert", "enps"]).count()
        if rated > template.max_questions:
            template.max_questions = rated
            template.save(update_fields=["max_questions"])


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0015_names_stored_in_one_spelling'),
    ]

    operations = [
        migrations.AddField(
            model_name='surveytemplate',
            name='max_questions',
            field=models.PositiveSmallIntegerField(default=10, help_text='At most this many rated questions per cycle (eNPS included, the optional comment not).', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(200)]),
        ),
        migrations.AddField(
            model_name='surveytemplate',
            name='measure_every_cycles',
            field=models.PositiveSmallIntegerField(default=3, help_text='Every dimension is asked at least once in every this many consecutive cycles.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(24)]),
        ),
        migrations.AddConstraint(
            model_name='surveytemplate',
            constraint=models.CheckConstraint(condition=models.Q(('max_questions__gte', 1)), name='template_asks_at_least_one_question'),
        ),
        migrations.AddConstraint(
            model_name='surveytemplate',
            constraint=models.CheckConstraint(condition=models.Q(('measure_every_cycles__gte', 1)), name='template_measures_every_cycle_or_more'),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
