"""Accepting an anonymous response."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Subquery

from .. import selectors
from ..models import COMMENT_MAX_LENGTH, Answer, Comment, Invitation, InvitationToken, Question, Response, SpentToken
from ..tokens import spent_marker, token_hash


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


@transaction.atomic
def response_submit(
    *,
    token: str,
    answers: Mapping[int, int],
    comments: Mapping[int, str],
    questions: list[Question] | None = None,
    invitation: Invitation | None = None,
) -> None:
    """Store one anonymous response and spend every token of the invitation, in one transaction.

    1. Lock all token rows of the token's invitation in id order (one statement; one order for every submit,
       so two emails' links submitted at once queue up instead of deadlocking). The invitation row itself is
       neither locked nor updated: either would leave a trace of this transaction on it.
    2. If the token is no longer among them, an earlier submit (or the cycle's closing) won: refuse.
    3. Check the cycle still accepts answers and validate every value against its question.
    4. Delete the tokens and record the spent marker (its primary key refuses a second use).
    5. Write the response with the team as of the cycle and nothing that leads back to the invitation.

    The caller may pass the invitation and the cycle's questions it has just read for this token: closing a
    cycle deletes its tokens, so once they are locked here the cycle it read is still open.
    """
    hashed = token_hash(token)
    owner = InvitationToken.objects.filter(token_hash=hashed).values("invitation_id")[:1]
    live = list(InvitationToken.objects.select_for_update().filter(invitation_id=Subquery(owner)).order_by("id"))
    if hashed not in {row.token_hash for row in live}:
        raise selectors.dead_token_problem(token=token)
    invitation_id = live[0].invitation_id
    if invitation is None or invitation.id != invitation_id:
        invitation = Invitation.objects.select_related("cycle").get(id=invitation_id)
    cycle, team_id = invitation.cycle, invitation.team_id
    if not selectors.cycle_accepts_answers(cycle=cycle):
        raise selectors.CycleNotOpen
    # The caller may pass the cycle's questions it already read; they are frozen once the cycle opens.
    questions = questions if questions is not None else selectors.cycle_questions(cycle=cycle)
    clean_answers, clean_comments = _validated_answers(questions=questions, answers=answers, comments=comments)
    # By invitation, not by the ids locked above: this statement also sees a token added meanwhile.
    InvitationToken.objects.filter(invitation_id=invitation_id).delete()
    SpentToken.objects.create(marker=spent_marker(token), cycle=cycle)
    response = Response.objects.create(cycle=cycle, team_id=team_id)
    Answer.objects.bulk_create(
        [Answer(response=response, question_id=qid, value=value) for qid, value in clean_answers.items()]
    )
    Comment.objects.bulk_create(
        [Comment(cycle=cycle, team_id=team_id, question_id=qid, text=text) for qid, text in clean_comments.items()]
    )
