"""A database dump and the logs: nothing ties a conversation to an invitation or a person (issue #23), in the
style of tests/surveys/test_linkage.py. The author's key is sealed with the comment while the cycle is open;
the threads are written at closing, in the comments' random order, under random keys."""

import logging
import uuid

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import reverse
from scipy import stats

from conversations import services as conversation_services
from conversations.models import Message, Thread
from surveys import selectors, services
from surveys.models import Comment, Invitation, Question
from surveys.sealing import comment_key_hash
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of
from tests.surveys.conftest import physical_order

pytestmark = pytest.mark.django_db
PEOPLE = 30
CONVERSATION_SIDE = [Thread, Message]


def every_value(exclude: tuple = ()) -> dict[str, set[str]]:
    """Return every table's values as text (bytes as hex too), Django's own tables included."""
    found = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in exclude:
                continue
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from the models
            values = set()
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        values.add(bytes(value).hex())
                    elif value is not None:
                        values.add(str(value))
            found[table] = values
    return found


@pytest.fixture
def conversed(client, caplog):
    """30 people answer in invitation order, each with comment "note i"; the cycle closes; every author opens
    their link and answers once; a manager replies to all. Returns the keys (in answering order) and the log."""
    caplog.set_level(logging.DEBUG)
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(PEOPLE, team=team)
    manager, _ = manager_of(team, email="alice@example.com")
    cycle = CycleFactory(teams=[team], threshold=3)
    services.cycle_open(cycle_id=cycle.id)
    questions = {q.key: q for q in selectors.cycle_questions(cycle=cycle)}
    keys = []
    invitations = list(Invitation.objects.filter(cycle=cycle).exclude(person__email="alice@example.com"))
    for i, invitation in enumerate(sorted(invitations, key=lambda inv: inv.id)):
        answers = {q.id: 3 for q in questions.values() if q.kind == Question.Kind.LIKERT}
        answers[questions["enps"].id] = i % 11
        token = services.invitation_link_issue(invitation_id=invitation.id)
        keys.append(
            services.response_submit(token=token, answers=answers, comments={questions["comment"].id: f"note {i}"})
        )
    assert not Thread.objects.exists() and not Message.objects.exists()  # nothing while the cycle is open
    services.cycle_close(cycle_id=cycle.id)
    for key in keys:
        client.cookies.clear()
        client.post(reverse("conversations:author_open"), {"key": key})
        thread = Thread.objects.get(key_hash=comment_key_hash(key, question_id=questions["comment"].id))
        assert (
            client.post(reverse("conversations:author_reply"), {"thread": thread.id, "text": "Hello"}).status_code
            == 302
        )
    for comment in Comment.objects.filter(cycle=cycle):
        conversation_services.message_reply(comment=comment, user=manager, text="Thanks, noted")
    return {"cycle": cycle, "keys": keys, "question": questions["comment"], "log": caplog.text, "manager": manager}


def test_the_conversation_tables_hold_no_time_finer_than_a_day_and_no_way_to_a_person():
    for model in CONVERSATION_SIDE:
        for field in model._meta.get_fields():
            assert not isinstance(field, models.DateTimeField | models.TimeField), field
            if field.is_relation and field.many_to_one:
                assert field.related_model._meta.model_name in {"thread", "comment", "user"}, field
    # the only login a message names is a reader's, who signs it; the author's messages name nobody
    assert any(c.name == "message_author_unsigned" for c in Message._meta.constraints)


def test_neither_the_key_nor_any_conversation_value_appears_beside_a_person(conversed):
    tables = every_value()
    conversation_tables = {model._meta.db_table for model in CONVERSATION_SIDE}
    everything = set().union(*tables.values())
    # the keys themselves are stored nowhere
    assert not any(key in value for key in conversed["keys"] for value in everything)
    # a key's hash only on its thread
    hashes = {comment_key_hash(key, question_id=conversed["question"].id).hex() for key in conversed["keys"]}
    for table, values in tables.items():
        assert not (hashes & values) or table == Thread._meta.db_table, table
    # thread and message ids, and the comments they point at, nowhere on the person side
    person_side = set()
    for table in ("surveys_invitation", "surveys_invitationtoken", "surveys_person", "auth_user", "django_session",
                  "feedback_reportaccess"):  # fmt: skip
        person_side |= tables[table]
    ids = {str(i) for i in Thread.objects.values_list("id", flat=True)} | {
        str(i) for i in Message.objects.values_list("id", flat=True)
    }
    ids |= {str(i) for i in Comment.objects.values_list("id", flat=True)}
    assert not ids & person_side
    assert all(uuid.UUID(i).version == 4 for i in ids)  # random keys, not time-based
    # nothing of the invitation side on the conversation side, but the readers' signed replies
    invitation_side = {str(i) for i in Invitation.objects.values_list("id", flat=True)} | {
        str(i)
        for i in Invitation.objects.exclude(person__user=conversed["manager"]).values_list("person_id", flat=True)
    }
    author_messages = Message.objects.filter(side="author")
    assert set(author_messages.values_list("writer", flat=True)) == {None}
    assert set(author_messages.values_list("signature", flat=True)) == {""}
    for table in conversation_tables:
        leaked = {v for v in tables[table] if v in invitation_side and len(v) > 3}
        assert not leaked, table


def test_after_closing_the_threads_do_not_follow_the_order_people_answered_in(conversed):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.text FROM {Thread._meta.db_table} t JOIN {Comment._meta.db_table} c ON c.id = t.comment_id "  # noqa: S608
            f"ORDER BY t.{physical_order()}"
        )
        order = [int(row[0].split()[1]) for row in cursor.fetchall()]
    assert sorted(order) == list(range(PEOPLE))
    # For 30 rows a rank correlation this strong happens far less than once in a million.
    assert abs(stats.spearmanr(order, range(PEOPLE)).statistic) < 0.8


def test_no_log_line_names_a_key_a_hash_or_a_thread(conversed):
    log = conversed["log"]
    assert log  # the flow did log (closing, requests)
    hashes = {comment_key_hash(key, question_id=conversed["question"].id).hex() for key in conversed["keys"]}
    ids = {str(i) for i in Thread.objects.values_list("id", flat=True)}
    assert not any(secret in log for secret in [*conversed["keys"], *hashes, *ids])
