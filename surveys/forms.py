"""The survey form, built from a cycle's questions."""

from django import forms
from django.core.exceptions import ValidationError

from .models import COMMENT_MAX_LENGTH, Question

AGREEMENT_LABELS = {
    5: ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
    7: [
        "Strongly disagree",
        "Disagree",
        "Somewhat disagree",
        "Neither agree nor disagree",
        "Somewhat agree",
        "Agree",
        "Strongly agree",
    ],
}
ERRORS = {"required": "This question needs an answer.", "invalid_choice": "Choose one of the options."}


def field_name(question: Question) -> str:
    return f"q{question.id}"


def _choices(question: Question) -> list[tuple[int, str]]:
    if question.kind == Question.Kind.ENPS:
        ends = {0: "0 – not at all likely", 10: "10 – extremely likely"}
        return [(value, ends.get(value, str(value))) for value in range(11)]
    return list(enumerate(AGREEMENT_LABELS[question.scale_points], start=1))


class SurveyForm(forms.Form):
    """One field per question, named q<question id>; radios for scales, a text area for comments. It renders
    the survey, and a refused submit's answers with what was wrong (a valid submit skips it: `answers_posted`)."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            if question.kind == Question.Kind.COMMENT:
                field = forms.CharField(
                    required=question.required,
                    max_length=COMMENT_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX_LENGTH}),
                    error_messages={
                        **ERRORS,
                        "max_length": f"Keep comments to {COMMENT_MAX_LENGTH} characters or fewer.",
                    },
                )
            else:
                field = forms.TypedChoiceField(
                    required=question.required,
                    choices=_choices(question),
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages=ERRORS,
                )
            field.label = question.text
            field.question = question
            self.fields[field_name(question)] = field


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
