"""The question bank and survey templates: creating, versioning and ordering questions."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from .. import languages, names, rotation, scales
from ..models import (
    DEFAULT_MAX_QUESTIONS,
    DEFAULT_MEASURE_EVERY_CYCLES,
    CycleQuestion,
    Dimension,
    Question,
    QuestionTranslation,
    SurveyTemplate,
    TemplateQuestion,
)
from ..selectors import template_rotation

# Changing any of these changes what an answer means, so a question already asked gets a new version.
MEANING_FIELDS = ("text", "reverse_scored", "scale_points")


@transaction.atomic
def dimension_create(*, name: str, description: str = "") -> Dimension:
    """Create a custom (unvalidated) dimension with a unique key made from its name."""
    base = slugify(name)[:40] or "dimension"
    key, n = base, 1
    while Dimension.objects.filter(key=key).exists():
        n += 1
        key = f"{base}-{n}"
    return Dimension.objects.create(key=key, name=name, description=description, validated=False)


@transaction.atomic
def question_create(
    *,
    dimension: Dimension,
    text: str,
    kind: str = Question.Kind.LIKERT,
    scale_points: int = 5,
    reverse_scored: bool = False,
    required: bool = True,
) -> Question:
    """Add a custom question to the bank."""
    if kind != Question.Kind.LIKERT:
        scale_points, reverse_scored = (11 if kind == Question.Kind.ENPS else 5), False
    n = Question.objects.filter(key__startswith=f"{dimension.key}-custom-").count() + 1
    question = Question(
        key=f"{dimension.key}-custom-{n}"[:50],
        dimension=dimension,
        kind=kind,
        text=text,
        scale_points=scale_points,
        reverse_scored=reverse_scored,
        required=required,
    )
    question.full_clean()
    question.save()
    return question


def _has_been_asked(question: Question) -> bool:
    return question.answers.exists() or CycleQuestion.objects.filter(question=question).exists()


@transaction.atomic
def question_update(*, question_id: int, **changes) -> Question:
    """Change a question; return the question that templates now use.

    A validated item, or one any cycle has already asked, is never edited in place when its meaning changes
    (text, reverse scoring, scale): a new version replaces it in every template and the old version is retired,
    so past cycles keep the wording they asked and trends compare like with like.
    """
    question = Question.objects.select_for_update().get(id=question_id)
    if question.retired:
        raise ValidationError("This question has been replaced by a newer version; edit that one instead.")
    unknown = set(changes) - {*MEANING_FIELDS, "required"}
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    fixed = [f for f in ("scale_points", "reverse_scored") if f in changes and changes[f] != getattr(question, f)]
    if question.kind != Question.Kind.LIKERT and fixed:
        # eNPS is always 0–10 and never reversed; a comment has no scale (`surveys.scales`).
        raise ValidationError(f"A {question.get_kind_display()} question has no agreement scale to change.")
    meaning_changes = any(getattr(question, f) != changes[f] for f in MEANING_FIELDS if f in changes)
    if meaning_changes and (question.validated or _has_been_asked(question)):
        latest = Question.objects.filter(key=question.key).aggregate(v=Max("version"))["v"]
        successor = Question(
            key=question.key,
            version=latest + 1,
            dimension=question.dimension,
            kind=question.kind,
            text=question.text,
            scale_points=question.scale_points,
            reverse_scored=question.reverse_scored,
            required=question.required,
            validated=False,  # new wording is ours, whoever wrote the original
        )
        for field, value in changes.items():
            setattr(successor, field, value)
        successor.full_clean()
        successor.save()
        Question.objects.filter(id=question.id).update(retired=True)
        TemplateQuestion.objects.filter(question=question).update(question=successor)
        return successor
    for field, value in changes.items():
        setattr(question, field, value)
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def template_save(
    *,
    name: str,
    question_ids: list[int],
    description: str = "",
    template_id: int | None = None,
    max_questions: int = DEFAULT_MAX_QUESTIONS,
    measure_every_cycles: int = DEFAULT_MEASURE_EVERY_CYCLES,
) -> SurveyTemplate:
    """Create or update a template with the given questions in the given order.

    A dimension's questions in one template are of one kind on one scale (`surveys.scales`, `Question.clean`).

    More rated questions than `max_questions` rotate by dimension (`rotation.cycle_dimensions`); a template
    no rotation fits — every dimension at least every `measure_every_cycles` cycles, eNPS every cycle, at
    most `max_questions` per cycle — is refused, saying why.
    """
    if not question_ids:
        raise ValidationError({"questions": ["Choose at least one question."]})
    if len(set(question_ids)) != len(question_ids):
        raise ValidationError({"questions": ["Each question can appear only once."]})
    questions = Question.objects.in_bulk(question_ids)
    if len(questions) != len(question_ids):
        raise ValidationError({"questions": ["One of the chosen questions does not exist."]})
    if any(q.retired for q in questions.values()):
        raise ValidationError({"questions": ["A retired question version cannot be added; use the current one."]})
    ordered = [questions[qid] for qid in question_ids]
    items: dict[Dimension, list[tuple[str, int]]] = {}
    for question in ordered:
        items.setdefault(question.dimension, []).append((question.kind, question.scale_points))
    for dimension, dimension_items in items.items():
        problem = scales.scale_problem(dimension.name, dimension_items)
        if problem:  # a bank from before `Question.clean` refused it: never in one template
            raise ValidationError({"questions": [problem]})
    if sum(q.kind in (Question.Kind.LIKERT, Question.Kind.ENPS) for q in ordered) > max_questions:
        sizes, always = template_rotation(ordered)
        problem = rotation.rotation_problem(
            sizes, max_questions=max_questions, every=measure_every_cycles, always=always
        )
        if problem:
            raise ValidationError({"max_questions": [problem]})
    rotation_fields = {"max_questions": max_questions, "measure_every_cycles": measure_every_cycles}
    if template_id is None:
        base = slugify(name)[:40] or "template"
        slug, n = base, 1
        while SurveyTemplate.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        template = SurveyTemplate.objects.create(slug=slug, name=name, description=description, **rotation_fields)
    else:
        template = SurveyTemplate.objects.select_for_update().get(id=template_id)
        template.name, template.description = name, description
        for field, value in rotation_fields.items():
            setattr(template, field, value)
        template.save(update_fields=["name", "description", *rotation_fields])
        template.items.all().delete()
    TemplateQuestion.objects.bulk_create(
        [TemplateQuestion(template=template, question_id=qid, position=i) for i, qid in enumerate(question_ids, 1)]
    )
    return template


@transaction.atomic
def question_translation_save(
    *, question_id: int, language: str, text: str, source: str = "", translation_id: int | None = None
) -> QuestionTranslation:
    """Create or change a question's text in another language; return it.

    `language` is a code of settings.LANGUAGES other than the question's own (settings.LANGUAGE_CODE); a question
    has at most one text per language. `text` is kept as the question's own is (trimmed, NFC, a run of spaces as
    one: names.name_stored), at most as long. `source` cites the published, validated translation of a validated
    item; without one, a validated item's translation is "translation not validated" wherever admins and report
    readers see it. Answers in every language are answers to the same question. Raises ValidationError naming the
    field.
    """
    question = Question.objects.get(id=question_id)
    if question.retired:
        raise ValidationError("This question has been replaced by a newer version; translate that one instead.")
    if language == languages.default():
        raise ValidationError({"language": [f"The question's own text is in {languages.name(language)}."]})
    text, source = names.name_stored(text), source.strip()
    if not text:
        raise ValidationError({"text": ["A translation needs a text."]})
    problem = names.line_break_or_control(text)
    if problem:
        raise ValidationError({"text": [f"A question is one line of text ({problem})."]})
    if translation_id is None:
        translation = QuestionTranslation(question=question, language=language)
    else:
        translation = QuestionTranslation.objects.select_for_update().get(id=translation_id, question=question)
        translation.language = language
    same = QuestionTranslation.objects.filter(question=question, language=language).exclude(id=translation_id)
    if same.exists():
        raise ValidationError(
            {"language": [f"This question already has a text in {languages.name(language)}: edit that one."]}
        )
    translation.text, translation.source = text, source
    translation.full_clean()
    translation.save()
    return translation


@transaction.atomic
def question_translation_delete(*, translation_id: int) -> None:
    """Remove a question's text in one language: pages in that language show the question's own text again."""
    QuestionTranslation.objects.filter(id=translation_id).delete()
