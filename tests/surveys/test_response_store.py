"""The two ways a response is stored — one statement on PostgreSQL, the ORM elsewhere (SQLite, the demo) —
write the same rows and refuse the same things; and on PostgreSQL, closing waits for a submit under way."""

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from surveys import selectors, services
from surveys.models import Answer, AnsweredMarker, Comment, Cycle, Invitation, Question, Response
from surveys.services.answering import store_in_one_statement, store_with_orm
from surveys.tokens import answered_marker
from tests.conftest import IN_CI
from tests.factories import opened
from tests.integration.conftest import database_dsn, wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # autocommit, as in a request: no test transaction around
ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql" and not IN_CI, reason="needs DATABASE_URL (PostgreSQL); CI runs it"
)
STORES = [
    pytest.param(store_in_one_statement, marks=ON_POSTGRESQL, id="one-postgresql-statement"),
    pytest.param(store_with_orm, id="orm"),
]


def given(cycle) -> tuple[dict[int, int], dict[int, str]]:
    questions = selectors.cycle_questions(cycle=cycle)
    answers = {q.id: (9 if q.kind == Question.Kind.ENPS else 2) for q in questions if q.kind != Question.Kind.COMMENT}
    comments = {q.id: f"comment on {q.id}" for q in questions if q.kind == Question.Kind.COMMENT}
    assert answers and comments
    return answers, comments


def stored() -> dict:
    return {
        "responses": list(Response.objects.values_list("cycle_id", "team_id")),
        "answers": sorted(Answer.objects.values_list("question_id", "value")),
        "comments": sorted((c.cycle_id, c.team_id, c.question_id, opened(c)) for c in Comment.objects.all()),
        "markers": list(AnsweredMarker.objects.values_list("marker", "cycle_id")),
    }


@pytest.mark.parametrize("store", STORES)
def test_a_response_is_stored_whole_with_the_invitations_team_and_marker(store, invitation):
    answers, comments = given(invitation.cycle)
    store(marker=answered_marker(invitation.id), invitation=invitation, answers=answers, comments=comments)
    cycle, team = invitation.cycle_id, invitation.team_id
    assert stored() == {
        "responses": [(cycle, team)],
        "answers": sorted(answers.items()),
        "comments": sorted((cycle, team, question, text) for question, text in comments.items()),
        "markers": [(answered_marker(invitation.id), cycle)],
    }
    assert {a.response_id for a in Answer.objects.all()} == {Response.objects.get().id}


def prepared_submits() -> list[tuple]:
    """Return this connection's prepared statements that are the submit's: (custom plans, generic plans)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, custom_plans, generic_plans FROM pg_prepared_statements")
        return [(custom, generic) for text, custom, generic in cursor.fetchall() if "surveys_answeredmarker" in text]


@ON_POSTGRESQL
def test_on_postgresql_the_statement_is_prepared_once_per_connection_and_reused(invitation):
    answers, comments = given(invitation.cycle)
    with CaptureQueriesContext(connection) as logged:
        for other in (0, 10**6, 2 * 10**6):  # three markers: three responses through one prepared statement
            marker = answered_marker(invitation.id + other)
            store_in_one_statement(marker=marker, invitation=invitation, answers=answers, comments=comments)
    [(custom, generic)] = prepared_submits()
    assert custom + generic == 3
    assert Response.objects.count() == 3
    # Django's query log still shows the statement when it runs prepared (psycopg leaves that to the caller).
    assert ["surveys_answeredmarker" in (query["sql"] or "") for query in logged.captured_queries] == [True] * 3


@ON_POSTGRESQL
def test_with_preparing_turned_off_for_a_pooler_the_statement_runs_unprepared(invitation):
    connection.ensure_connection()
    connection.connection.prepare_threshold = None  # what DATABASE_PREPARED_STATEMENTS=false sets
    try:
        answers, comments = given(invitation.cycle)
        store_in_one_statement(
            marker=answered_marker(invitation.id), invitation=invitation, answers=answers, comments=comments
        )
        assert prepared_submits() == []
        assert stored()["answers"] == sorted(answers.items())
    finally:
        connection.close()  # the next test gets a connection made from the settings again


def backend_terminated() -> None:
    """End this connection's server process from another connection, as a database restart would."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**database_dsn(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

        def ended() -> bool:
            return not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()

        wait_for(ended, timeout=5, interval=0.05, what="the server process to end")


@ON_POSTGRESQL
def test_the_statement_runs_without_a_health_check_and_once_more_on_a_fresh_connection_if_the_old_one_died(
    invitation, monkeypatch
):
    answers, comments = given(invitation.cycle)
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)
    backend_terminated()
    connection.health_check_done = False  # as at the start of a request
    store_in_one_statement(
        marker=answered_marker(invitation.id), invitation=invitation, answers=answers, comments=comments
    )
    assert checks == []  # the health check's round trip is skipped
    assert stored()["answers"] == sorted(answers.items()) and Response.objects.count() == 1


@ON_POSTGRESQL
def test_inside_a_transaction_a_dead_connection_is_an_error_not_a_second_run(invitation):
    answers, comments = given(invitation.cycle)
    with pytest.raises(OperationalError), transaction.atomic():
        backend_terminated()
        store_in_one_statement(
            marker=answered_marker(invitation.id), invitation=invitation, answers=answers, comments=comments
        )
    connection.close()
    assert not Response.objects.exists()


@pytest.mark.parametrize("store", STORES)
def test_a_second_answer_is_refused_and_writes_nothing(store, invitation):
    answers, comments = given(invitation.cycle)
    marker = answered_marker(invitation.id)
    store(marker=marker, invitation=invitation, answers=answers, comments=comments)
    before = stored()
    with pytest.raises(selectors.InvitationUsed):
        store(marker=marker, invitation=invitation, answers=answers, comments=comments)
    assert stored() == before  # and the connection is still usable


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("how", ["closed", "deadline passed"])
def test_nothing_is_stored_once_the_cycle_no_longer_takes_answers(store, invitation, how, time_machine):
    # given: the invitation was read while the cycle was open
    answers, comments = given(invitation.cycle)
    if how == "closed":
        Cycle.objects.filter(id=invitation.cycle_id).update(state=Cycle.State.CLOSED)
    else:
        time_machine.move_to(invitation.cycle.closes_at + timedelta(seconds=1))
    with pytest.raises(selectors.CycleNotOpen):
        store(marker=answered_marker(invitation.id), invitation=invitation, answers=answers, comments=comments)
    assert stored() == {"responses": [], "answers": [], "comments": [], "markers": []}


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _until(condition, what: str) -> None:
    for _ in range(200):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@ON_POSTGRESQL
def test_closing_waits_for_a_submit_under_way_and_its_response_is_among_those_rewritten(open_cycle):
    # given: a submit whose statement holds the cycle and is held up at its marker (another transaction is
    # inserting the same marker and has not finished)
    invitation = Invitation.objects.filter(cycle=open_cycle).select_related("cycle").first()
    answers, comments = given(open_cycle)
    marker = answered_marker(invitation.id)
    release, outcomes = threading.Event(), {}

    def blocker():
        try:
            with transaction.atomic():
                AnsweredMarker.objects.create(marker=marker, cycle=open_cycle)
                outcomes["blocking"] = True
                release.wait(timeout=30)
                transaction.set_rollback(True)
        finally:
            connection.close()

    def run(name, action):
        try:
            outcomes[name] = action()
        except Exception as error:
            outcomes[name] = error
        finally:
            connection.close()

    submit = lambda: store_in_one_statement(marker=marker, invitation=invitation, answers=answers, comments=comments)  # noqa: E731
    threads = [threading.Thread(target=blocker)]
    threads[0].start()
    _until(lambda: outcomes.get("blocking"), "the blocking marker")
    threads.append(threading.Thread(target=run, args=("submit", submit)))
    threads[-1].start()
    _until(lambda: _waiting_on_locks() == 1, "the submit to wait at its marker")

    # when: the cycle is closed meanwhile
    threads.append(threading.Thread(target=run, args=("close", lambda: services.cycle_close(cycle_id=open_cycle.id))))
    threads[-1].start()
    _until(lambda: _waiting_on_locks() == 2, "closing to wait for the submit")
    assert "close" not in outcomes
    release.set()
    for thread in threads:
        thread.join(timeout=30)

    # then: the submit went through first, and closing rewrote its response and forgot its marker
    assert outcomes["submit"] is None and outcomes["close"] is True
    assert Response.objects.filter(cycle=open_cycle).count() == 1
    assert Answer.objects.filter(response__cycle=open_cycle).count() == len(answers)
    assert Comment.objects.filter(cycle=open_cycle).count() == len(comments)
    assert not AnsweredMarker.objects.exists()


@ON_POSTGRESQL
def test_a_submit_that_waited_for_closing_finds_the_cycle_closed_and_stores_nothing(open_cycle):
    # given: closing has updated the cycle and not yet committed
    invitation = Invitation.objects.filter(cycle=open_cycle).select_related("cycle").first()
    answers, comments = given(open_cycle)
    closing, release, outcomes = threading.Event(), threading.Event(), {}

    def close():
        try:
            with transaction.atomic():
                services.cycle_close(cycle_id=open_cycle.id)
                closing.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def submit():
        try:
            store_in_one_statement(
                marker=answered_marker(invitation.id), invitation=invitation, answers=answers, comments=comments
            )
            outcomes["submit"] = "stored"
        except Exception as error:
            outcomes["submit"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=close), threading.Thread(target=submit)]
    threads[0].start()
    assert closing.wait(timeout=30)
    # when: a submit arrives, waits for the close, and the close commits
    threads[1].start()
    _until(lambda: _waiting_on_locks() == 1, "the submit to wait for closing")
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    # then
    assert isinstance(outcomes["submit"], selectors.CycleNotOpen)
    assert not Response.objects.filter(cycle=open_cycle).exists()
    assert not AnsweredMarker.objects.exists()
