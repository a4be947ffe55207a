"""Accepting an anonymous response."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from .. import selectors
from ..models import COMMENT_MAX_LENGTH, Answer, AnsweredMarker, Comment, Cycle, Invitation, Question, Response
from ..tokens import answered_marker


def _validated_answers(
    *, questions: list[Question], answers: Mapping[int, int], comments: Mapping[int, str]
) -> tuple[dict[int, int], dict[int, str]]:
    """Return answers and non-empty comments checked against the questions, or raise ValidationError."""
    by_id = {question.id: question for question in questions}
    errors: dict[str, list[str]] = {}
    numeric = {q.id for q in questions if q.kind != Question.Kind.COMMENT}
    open_ended = {q.id for q in questions if q.kind == Question.Kind.COMMENT}
    for question_id in (set(answers) - numeric) | (set(comments) - open_ended):
        errors.setdefault("__all__", []).append(f"Question {question_id} is not part of this survey.")
    clean_answers: dict[int, int] = {}
    for question_id, value in answers.items():
        question = by_id.get(question_id)
        if question_id not in numeric or question is None:
            continue
        if value not in question.value_range:
            low, high = question.value_range[0], question.value_range[-1]
            errors[f"q{question_id}"] = [f"Choose a value from {low} to {high}."]
        else:
            clean_answers[question_id] = value
    clean_comments: dict[int, str] = {}
    for question_id, text in comments.items():
        if question_id not in open_ended:
            continue
        text = text.strip()
        if len(text) > COMMENT_MAX_LENGTH:
            errors[f"q{question_id}"] = [f"Keep comments to {COMMENT_MAX_LENGTH} characters or fewer."]
        elif text:
            clean_comments[question_id] = text
    for question in questions:
        given = question.id in answers if question.id in numeric else bool(comments.get(question.id, "").strip())
        if question.required and not given:
            errors.setdefault(f"q{question.id}", ["This question needs an answer."])
    if errors:
        raise ValidationError(errors)
    return clean_answers, clean_comments


def _cycle_held(cycle_id: int) -> Cycle:
    """Read the cycle and hold it until this transaction ends, so it cannot close in the meantime.

    On PostgreSQL a shared row lock: submits do not wait for each other, and closing (which updates the row)
    waits for the submits under way, so each of their responses is there when closing rewrites them. SQLite
    lets one transaction write at a time, which gives the same order.
    """
    if connection.vendor != "postgresql":
        return Cycle.objects.get(id=cycle_id)
    return Cycle.objects.raw("SELECT * FROM surveys_cycle WHERE id = %s FOR SHARE", [cycle_id])[0]


@transaction.atomic
def response_submit(
    *,
    token: str,
    answers: Mapping[int, int],
    comments: Mapping[int, str],
    questions: list[Question] | None = None,
    invitation: Invitation | None = None,
) -> None:
    """Store one anonymous response and mark its invitation answered, in one transaction.

    1. Find the open, unanswered invitation behind the token (the caller may pass the one it has just read
       for this token, and the cycle's questions).
    2. Hold the cycle so it cannot close before this commits, and check it still accepts answers.
    3. Validate every value against its question.
    4. Insert the invitation's answered marker: its primary key refuses a second answer (through any of the
       invitation's links; a concurrent one waits for this transaction, then fails).
    5. Write the response with the team as of the cycle and nothing that leads back to the invitation.

    Nothing of the invitation or its tokens is updated, deleted or locked, so none of their row versions or
    transaction ids can be lined up with the response; the marker is tied to the invitation only through
    the secret key.
    """
    if invitation is None:
        invitation = selectors.invitation_redeemable(token=token)
    cycle, team_id = _cycle_held(invitation.cycle_id), invitation.team_id
    if not selectors.cycle_accepts_answers(cycle=cycle):
        raise selectors.CycleNotOpen
    # Frozen once the cycle opens, so the questions the caller read are still the cycle's.
    questions = questions if questions is not None else selectors.cycle_questions(cycle=cycle)
    clean_answers, clean_comments = _validated_answers(questions=questions, answers=answers, comments=comments)
    try:
        AnsweredMarker.objects.create(marker=answered_marker(invitation.id), cycle=cycle)
    except IntegrityError:  # answered meanwhile: the transaction rolls back as this leaves it
        raise selectors.InvitationUsed from None
    response = Response.objects.create(cycle=cycle, team_id=team_id)
    Answer.objects.bulk_create(
        [Answer(response=response, question_id=qid, value=value) for qid, value in clean_answers.items()]
    )
    Comment.objects.bulk_create(
        [Comment(cycle=cycle, team_id=team_id, question_id=qid, text=text) for qid, text in clean_comments.items()]
    )
