"""Accepting an anonymous response."""

import secrets
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from functools import cache

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.errors import UniqueViolation

from .. import sealing, selectors
from ..forms import COMMENT_TOO_LONG
from ..models import COMMENT_MAX_LENGTH, Answer, AnsweredMarker, Comment, Cycle, Invitation, Question, Response
from ..tokens import answered_marker
from ..typed_text import text_stored, text_typed, typed_length


def _validated_answers(
    *, questions: list[Question], answers: Mapping[int, int], comments: Mapping[int, str]
) -> tuple[dict[int, int], dict[int, str]]:
    """Return answers and non-empty comments checked against the questions, or raise ValidationError."""
    by_id = {question.id: question for question in questions}
    errors: dict[str, list[str]] = {}
    numeric = {q.id for q in questions if q.kind != Question.Kind.COMMENT}
    open_ended = {q.id for q in questions if q.kind == Question.Kind.COMMENT}
    for question_id in (set(answers) - numeric) | (set(comments) - open_ended):
        errors.setdefault("__all__", []).append(_("Question %(id)s is not part of this survey.") % {"id": question_id})
    clean_answers: dict[int, int] = {}
    for question_id, value in answers.items():
        question = by_id.get(question_id)
        if question_id not in numeric or question is None:
            continue
        if value not in question.value_range:
            low, high = question.value_range[0], question.value_range[-1]
            errors[f"q{question_id}"] = [_("Choose a value from %(low)d to %(high)d.") % {"low": low, "high": high}]
        else:
            clean_answers[question_id] = value
    clean_comments: dict[int, str] = {}
    for question_id, text in comments.items():
        if question_id not in open_ended:
            continue
        # Counted as the page's maxlength counted it (LF line breaks, UTF-16 code units), then kept in NFC.
        text = text_typed(text)
        if typed_length(text) > COMMENT_MAX_LENGTH:
            errors[f"q{question_id}"] = [COMMENT_TOO_LONG]
        elif text:
            clean_comments[question_id] = text_stored(text)
    for question in questions:
        given = question.id in answers if question.id in numeric else bool(text_typed(comments.get(question.id, "")))
        if question.required and not given:
            errors.setdefault(f"q{question.id}", [_("This question needs an answer.")])
    if errors:
        raise ValidationError(errors)
    return clean_answers, clean_comments


# On PostgreSQL a response is stored in one statement: one round trip, and a transaction of its own. It holds
# the cycle with a shared lock (submits do not wait for each other; closing, which updates the row, waits for
# the submits under way, so their responses are there when closing rewrites them, and a submit that waited for
# a close finds the cycle closed and stores nothing), then inserts the answered marker (its primary key refuses
# a second answer through any link: a concurrent one waits for this statement, then fails), the response, its
# answers (keyed by response and question) and the comments, with random ids made by the database. It returns
# how many markers it inserted: 0 when the cycle no longer takes answers.
STORE_POSTGRESQL = """
WITH held AS (
    SELECT id FROM surveys_cycle WHERE id = %(cycle)s AND state = %(open)s AND closes_at > %(now)s FOR SHARE
), marked AS (
    INSERT INTO surveys_answeredmarker (marker, cycle_id) SELECT %(marker)s, id FROM held RETURNING cycle_id
), responded AS (
    INSERT INTO surveys_response (id, cycle_id, team_id) SELECT gen_random_uuid(), cycle_id, %(team)s FROM marked
    RETURNING id
), answered AS (
    INSERT INTO surveys_answer (response_id, question_id, value)
    SELECT responded.id, given.question_id, given.value
    FROM responded, unnest(%(answer_questions)s::bigint[], %(values)s::smallint[]) AS given (question_id, value)
), commented AS (
    INSERT INTO surveys_comment (id, cycle_id, team_id, question_id, text, sealed)
    SELECT gen_random_uuid(), marked.cycle_id, %(team)s, given.question_id, '', given.sealed
    FROM marked, unnest(%(comment_questions)s::bigint[], %(sealed)s::bytea[]) AS given (question_id, sealed)
)
SELECT count(*) FROM marked
"""


@cache
def _prepared_cursor_class():
    """Return psycopg's server-binding cursor, made to prepare what it runs (imported on PostgreSQL only)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True, **kwargs)

        def _send_query_prepared(self, name, pgq, **kwargs):
            # Django's query log reads the statement from `_query`, which psycopg sets for unprepared ones only.
            self._query = pgq
            return super()._send_query_prepared(name, pgq, **kwargs)

    return PreparedCursor


def _prepared_cursor():
    """Return a cursor that runs its statements as prepared statements of the connection.

    PostgreSQL then parses and plans the submit's statement once per connection rather than on every submit,
    which takes about a third off its work. Django turns psycopg's preparing off for the sake of connection
    poolers; the settings turn it on for statements run here only (DATABASE_PREPARED_STATEMENTS, README's
    "Production"). Wrapped as Django wraps its own cursors, so errors and query logging behave the same; but
    without the health check's `SELECT 1` before it (see `_stored`).
    """
    connection.ensure_connection()
    return connection._prepare_cursor(_prepared_cursor_class()(connection.connection))


def _stored(params: dict) -> int:
    """Run STORE_POSTGRESQL and return how many markers it inserted.

    Django checks a kept connection with a `SELECT 1` before a request's first query (CONN_HEALTH_CHECKS): a
    round trip as dear as the statement itself. The submit skips it and runs the statement straight away; if
    the connection turns out broken (the database restarted, a proxy dropped it), it connects again and runs
    the statement once more. Running it twice cannot store twice: if the first run did commit, the marker
    refuses the second (InvitationUsed, and the answer is there). Inside a transaction nothing is run again.
    """
    try:
        return _run(params)
    except OperationalError:
        broken = connection.connection is not None and connection.connection.broken
        if connection.in_atomic_block or not broken:
            raise
    connection.close()
    return _run(params)


def _run(params: dict) -> int:
    # Outside a transaction the statement is one of its own (no BEGIN and COMMIT round trips); inside one, a
    # savepoint keeps the caller's transaction usable after a refusal.
    savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with savepoint, _prepared_cursor() as cursor:
        cursor.execute(STORE_POSTGRESQL, params)
        return cursor.fetchone()[0]


def _int_array(numbers: Iterable[int]) -> str:
    """Return PostgreSQL's literal for an array of whole numbers."""
    return "{" + ",".join(str(int(number)) for number in numbers) + "}"


def store_in_one_statement(
    *, marker: str, invitation: Invitation, answers: dict[int, int], comments: dict[int, str], key: str | None = None
):
    """Store a response on PostgreSQL in one statement (STORE_POSTGRESQL)."""
    params = {
        "cycle": invitation.cycle_id,
        "open": Cycle.State.OPEN,
        "now": timezone.now(),
        "marker": marker,
        "team": invitation.team_id,
        # Whole numbers go as array literals: adapting Python lists was 40% of this statement's CPU in psycopg.
        "answer_questions": _int_array(answers),
        "values": _int_array(answers.values()),
        "comment_questions": _int_array(comments),
        "sealed": _sealed(comments, cycle_id=invitation.cycle_id, team_id=invitation.team_id, key=key),
    }
    try:
        marked = _stored(params)
    except IntegrityError as error:
        cause = error.__cause__
        if isinstance(cause, UniqueViolation) and cause.diag.table_name == AnsweredMarker._meta.db_table:
            raise selectors.InvitationUsed from None
        raise
    if not marked:
        raise selectors.CycleNotOpen


@transaction.atomic
def store_with_orm(
    *, marker: str, invitation: Invitation, answers: dict[int, int], comments: dict[int, str], key: str | None = None
):
    """Store a response through the ORM in one transaction (SQLite: it lets one transaction write at a time,
    which gives the order PostgreSQL's shared lock on the cycle gives)."""
    cycle = Cycle.objects.get(id=invitation.cycle_id)
    if not selectors.cycle_accepts_answers(cycle=cycle):
        raise selectors.CycleNotOpen
    try:
        AnsweredMarker.objects.create(marker=marker, cycle=cycle)
    except IntegrityError:  # answered meanwhile: the transaction rolls back as this leaves it
        raise selectors.InvitationUsed from None
    team_id = invitation.team_id
    response = Response.objects.create(cycle=cycle, team_id=team_id)
    Answer.objects.bulk_create([Answer(response=response, question_id=q, value=v) for q, v in answers.items()])
    sealed = _sealed(comments, cycle_id=cycle.id, team_id=team_id, key=key)
    Comment.objects.bulk_create(
        [Comment(cycle=cycle, team_id=team_id, question_id=q, sealed=s) for q, s in zip(comments, sealed, strict=True)]
    )


def _sealed(comments: dict[int, str], *, cycle_id: int, team_id: int, key: str | None) -> list[bytes]:
    """Return each comment sealed for its row (surveys.sealing): an open cycle stores no comment readably, nor
    which were left blank, nor their lengths, nor which carry a conversation key (only written ones do)."""
    return [
        sealing.seal(
            text,
            cycle_id=cycle_id,
            team_id=team_id,
            question_id=q,
            key_hash=sealing.comment_key_hash(key, question_id=q) if key and text else None,
        )
        for q, text in comments.items()
    ]


def response_submit(
    *,
    token: str,
    answers: Mapping[int, int],
    comments: Mapping[int, str],
    questions: list[Question] | None = None,
    invitation: Invitation | None = None,
) -> str | None:
    """Store one anonymous response and mark its invitation answered, all or nothing; return the author's
    conversation key when the response carries a comment (None without one).

    1. Find the invitation behind the token, whose cycle takes answers (the caller may pass the one it has
       just read for this token, answered or not, and the cycle's questions).
    2. Validate every value against its question.
    3. In one transaction: hold the cycle so it cannot close before this commits and check it still takes
       answers; insert the invitation's answered marker, which refuses a second answer; write the response
       with the team as of the cycle and nothing that leads back to the invitation.

    Nothing of the invitation or its tokens is updated, deleted or locked, so none of their row versions or
    transaction ids can be lined up with the response; the marker is tied to the invitation only through
    the secret key. The conversation key (256 random bits) is returned to be shown once and kept nowhere: only
    its hashes, sealed inside the written comments (conversations/, docs/security.md).
    """
    if invitation is None:
        invitation = selectors.invitation_redeemable(token=token)
    # Frozen once the cycle opens, so the questions the caller read are still the cycle's.
    questions = questions if questions is not None else selectors.cycle_questions(cycle=invitation.cycle)
    clean_answers, clean_comments = _validated_answers(questions=questions, answers=answers, comments=comments)
    # Every open question gets a sealed row, "" when left blank (dropped at closing): who commented, on what,
    # is then as unreadable as what they wrote (surveys.sealing).
    sealed = {q.id: clean_comments.get(q.id, "") for q in questions if q.kind == Question.Kind.COMMENT}
    key = secrets.token_urlsafe(32) if clean_comments else None
    store = store_in_one_statement if connection.vendor == "postgresql" else store_with_orm
    store(marker=answered_marker(invitation.id), invitation=invitation, answers=clean_answers, comments=sealed, key=key)
    return key
