"""Admin pages for the question bank and survey templates, with a preview as respondents see it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from feedback.selectors.reliability import latest_reliabilities

from .. import languages, selectors, services
from ..access import admin_required
from ..admin_forms import (
    DimensionForm,
    QuestionEditForm,
    QuestionForm,
    QuestionTranslationForm,
    TemplateForm,
    apply_errors,
)
from ..forms import SurveyForm
from ..models import Dimension, Question, QuestionTranslation, SurveyTemplate
from .pages import form_page


@admin_required
@require_http_methods(["GET", "POST"])
def questions(request):
    question_form = QuestionForm(request.POST if "add_question" in request.POST else None, prefix="q")
    dimension_form = DimensionForm(request.POST if "add_dimension" in request.POST else None, prefix="d")
    for form, service in ((question_form, services.question_create), (dimension_form, services.dimension_create)):
        if form.is_bound and form.is_valid():
            try:
                service(**form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Added.")
                return redirect("surveys:manage_questions")
    dimensions = Dimension.objects.prefetch_related("questions__translations").order_by("name")
    reliability = latest_reliabilities()
    bank = [(d, [q for q in d.questions.all() if not q.retired], reliability.get(d.id)) for d in dimensions]
    context = {"bank": bank, "question_form": question_form, "dimension_form": dimension_form}
    failed = question_form.errors or dimension_form.errors
    return render(request, "surveys/manage/questions.html", context, status=400 if failed else 200)


@admin_required
@require_http_methods(["GET", "POST"])
def question_edit(request, question_id: int):
    question = get_object_or_404(Question, id=question_id, retired=False)
    initial = {f: getattr(question, f) for f in ("text", "scale_points", "reverse_scored", "required")}
    form = QuestionEditForm(request.POST or None, initial=initial)
    if question.kind != Question.Kind.LIKERT:
        del form.fields["scale_points"], form.fields["reverse_scored"]
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.question_update(question_id=question.id, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            note = f" as version {saved.version}" if saved.id != question.id else ""
            messages.success(request, f"Saved{note}.")
            return redirect("surveys:manage_questions")
    intro = (
        "This item comes from a validated instrument: changing its wording or scale saves a new version, and past "
        "cycles keep the original."
        if question.validated
        else "If a cycle has already asked this question, changing its wording or scale saves a new version."
    )
    translations = question.translations.order_by("language")
    return form_page(
        request,
        form,
        title="Edit question",
        submit="Save question",
        intro=intro,
        template="question_form.html",
        question=question,
        translations=translations,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def question_translation_edit(request, question_id: int, translation_id: int | None = None):
    """Add or change a question's text in another language; a POST with `delete` removes it."""
    question = get_object_or_404(Question, id=question_id, retired=False)
    translation = (
        get_object_or_404(QuestionTranslation, id=translation_id, question=question) if translation_id else None
    )
    if translation is not None and request.method == "POST" and "delete" in request.POST:
        services.question_translation_delete(translation_id=translation.id)
        messages.success(request, f"Removed the {languages.name(translation.language)} text.")
        return redirect("surveys:manage_question", question_id=question.id)
    initial = (
        {"language": translation.language, "text": translation.text, "source": translation.source}
        if (translation)
        else {}
    )
    form = QuestionTranslationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_translation_save(
                question_id=question.id, translation_id=translation.id if translation else None, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved the {languages.name(form.cleaned_data['language'])} text.")
            return redirect("surveys:manage_question", question_id=question.id)
    intro = f"“{question.text}”. " + (
        "This item comes from a validated instrument: give the published source of a validated translation. "
        "Without one it is shown as “translation not validated” here and in team reports; answers in every "
        "language count in the same figures."
        if question.validated
        else "Answers in every language count in the same figures."
    )
    title = f"{'Edit the' if translation else 'Add a'} translation"
    return form_page(
        request,
        form,
        title=title,
        submit="Save translation",
        intro=intro,
        template="question_translation_form.html",
        question=question,
        translation=translation,
    )


@admin_required
@require_GET
def templates(request):
    return render(request, "surveys/manage/templates.html", {"templates": SurveyTemplate.objects.order_by("name")})


@admin_required
@require_http_methods(["GET", "POST"])
def template_edit(request, template_id: int | None = None):
    template = get_object_or_404(SurveyTemplate, id=template_id) if template_id is not None else None
    chosen = [q.id for q in selectors.template_questions(template_id=template.id)] if template else []
    bank = list(Question.objects.filter(retired=False).select_related("dimension").order_by("dimension__name", "key"))
    initial = (
        {
            "name": template.name,
            "description": template.description,
            "max_questions": template.max_questions,
            "measure_every_cycles": template.measure_every_cycles,
        }
        if template
        else {}
    )
    form = TemplateForm(request.POST or None, initial=initial, questions=bank, chosen=chosen)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.template_save(
                template_id=template.id if template else None,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                question_ids=form.question_ids(),
                max_questions=form.cleaned_data["max_questions"],
                measure_every_cycles=form.cleaned_data["measure_every_cycles"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Saved. Cycles already open keep the questions they opened with.")
            return redirect("surveys:manage_template_preview", template_id=saved.id)
    status = 400 if form.errors else 200
    return render(request, "surveys/manage/template_form.html", {"form": form, "template": template}, status=status)


@admin_required
@require_GET
def template_preview(request, template_id: int):
    """Render the survey page exactly as respondents will see it, with submitting switched off."""
    template = get_object_or_404(SurveyTemplate, id=template_id)
    questions = selectors.template_questions(template_id=template.id)
    preview_cycle = {"name": template.name, "threshold": 5, "closes_at": None}
    rotating = sum(q.kind != Question.Kind.COMMENT for q in questions) > template.max_questions
    form = SurveyForm(questions=questions)
    # In the language the page is in (the switcher previews each translation).
    form.wordings_show(selectors.question_wordings(questions=questions, language=get_language()))
    context = {"form": form, "cycle": preview_cycle, "preview": True, "template": template}
    context["rotating"] = rotating
    return render(request, "surveys/answer.html", context)
