"""The survey form, built from a cycle's questions, and text as browsers send it."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from . import addresses
from .models import COMMENT_MAX_LENGTH, Question
from .typed_text import text_stored, text_typed, typed_length

# Lazy: each label and message is translated into the language active where it is shown.
AGREEMENT_LABELS = {
    5: [
        pgettext_lazy("agreement scale", "Strongly disagree"),
        pgettext_lazy("agreement scale", "Disagree"),
        pgettext_lazy("agreement scale", "Neither agree nor disagree"),
        pgettext_lazy("agreement scale", "Agree"),
        pgettext_lazy("agreement scale", "Strongly agree"),
    ],
    7: [
        pgettext_lazy("agreement scale", "Strongly disagree"),
        pgettext_lazy("agreement scale", "Disagree"),
        pgettext_lazy("agreement scale", "Somewhat disagree"),
        pgettext_lazy("agreement scale", "Neither agree nor disagree"),
        pgettext_lazy("agreement scale", "Somewhat agree"),
        pgettext_lazy("agreement scale", "Agree"),
        pgettext_lazy("agreement scale", "Strongly agree"),
    ],
}
# The ends of the 0-10 scale, shown beside it and part of the names of its first and last options.
ENPS_ANCHORS = (pgettext_lazy("0-10 scale", "Not at all likely"), pgettext_lazy("0-10 scale", "Extremely likely"))
ERRORS = {"required": _("This question needs an answer."), "invalid_choice": _("Choose one of the options.")}


def _comment_too_long() -> str:
    return ngettext(
        "Keep comments to %(limit)d character or fewer.",
        "Keep comments to %(limit)d characters or fewer.",
        COMMENT_MAX_LENGTH,
    ) % {"limit": COMMENT_MAX_LENGTH}


COMMENT_TOO_LONG = lazy(_comment_too_long, str)()  # a lazy ngettext's `%` would translate it once, at import


class TypedLengthValidator(MaxLengthValidator):
    """Django's maximum length, counted as the page's maxlength counts it (`typed_length`)."""

    def clean(self, x: str) -> int:
        return typed_length(x)


class TypedTextField(forms.CharField):
    """Text from a text area, as `text_typed` reads it (line breaks as LF, no control characters; nothing visible
    is nothing), its maximum length counted as the page's maxlength counts it
    (the number is the same on both sides), stored in NFC. Counted before NFC, which lengthens a few letters
    (Devanagari क़ is two characters in NFC): the person was allowed to type what the page counted."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea)
        super().__init__(**kwargs)
        self.validators = [
            TypedLengthValidator(v.limit_value) if type(v) is MaxLengthValidator else v for v in self.validators
        ]

    def to_python(self, value):
        value = super().to_python(value)
        return text_typed(value) if value else value

    def clean(self, value):
        value = super().clean(value)
        return text_stored(value) if value else value


class AddressField(forms.EmailField):
    """An email address as Align reads addresses wherever they come in (`addresses.problem`: an invisible
    character named, a part before the @ that is not ASCII said so, lengths, IDNA 2008), then Django's own
    check. The value stays as typed; services store it as `addresses.stored` spells it."""

    def validate(self, value):
        super().validate(value)
        problem = value and addresses.problem(value, max_length=self.max_length or 254)
        if problem:
            raise ValidationError(problem, code="invalid")


def field_name(question: Question) -> str:
    return f"q{question.id}"


def _choices(question: Question) -> list[tuple[int, str]]:
    if question.kind == Question.Kind.ENPS:
        ends = {0: f"0 – {ENPS_ANCHORS[0].lower()}", 10: f"10 – {ENPS_ANCHORS[1].lower()}"}
        return [(value, ends.get(value, str(value))) for value in range(11)]
    return list(enumerate(AGREEMENT_LABELS[question.scale_points], start=1))


class SurveyForm(forms.Form):
    """One field per question, named q<question id>; radios for scales, a text area for comments. It renders
    the survey, and a refused submit's answers with what was wrong (a valid submit skips it: `answers_posted`)."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        # What the page's progress counts: the questions answered on a scale (the comment box is not one).
        self.scale_count = sum(question.kind != Question.Kind.COMMENT for question in questions)
        self.has_comment = self.scale_count < len(questions)
        number = 0
        for question in questions:
            if question.kind == Question.Kind.COMMENT:
                field = TypedTextField(
                    required=question.required,
                    max_length=COMMENT_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    error_messages={**ERRORS, "max_length": COMMENT_TOO_LONG},
                )
            else:
                field = forms.TypedChoiceField(
                    required=question.required,
                    choices=_choices(question),
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages=ERRORS,
                )
                number += 1
            # The questions on a scale are numbered 1, 2, … wherever a comment box stands among them.
            field.number = number if question.kind != Question.Kind.COMMENT else None
            field.label = question.text
            field.text_lang = ""  # the HTML lang of the label when it is not in the page's language (`wordings_show`)
            field.question = question
            field.anchors = ENPS_ANCHORS if question.kind == Question.Kind.ENPS else None
            self.fields[field_name(question)] = field

    def wordings_show(self, wordings: dict) -> None:
        """Label each question with its text in the page's language (`selectors.question_wordings`): a translation,
        or the question's own text with the `lang` it is written in."""
        for question in self.questions:
            wording = wordings.get(question.id)
            if wording is not None:
                field = self.fields[field_name(question)]
                field.label, field.text_lang = wording.text, wording.lang


def answers_posted(data, *, questions: list[Question]) -> tuple[dict[int, int], dict[int, str]]:
    """Read a posted survey into answers and comments by question id, without the form machinery (the answering
    service validates them); raise ValidationError, with the form's message, for a value that is not one of its
    question's options."""
    answers: dict[int, int] = {}
    comments: dict[int, str] = {}
    for question in questions:
        given = data.get(field_name(question), "")
        if question.kind == Question.Kind.COMMENT:
            comments[question.id] = given
        elif given in question.options:
            answers[question.id] = int(given)
        elif given:
            raise ValidationError({field_name(question): [ERRORS["invalid_choice"]]})
    return answers, comments
