"""A database dump: no column, key, value or row order ties an answer to a person — after a cycle closes, and
while it is open (answering changes nothing on the person side)."""

import itertools
import uuid

import pytest
from django.apps import apps
from django.db import connection, models
from scipy import stats

from surveys import selectors, services
from surveys.models import Answer, AnsweredMarker, Comment, Invitation, InvitationToken, Person, Question, Response
from surveys.tokens import answered_marker
from tests.factories import CycleFactory, PersonFactory, TeamFactory
from tests.surveys.conftest import physical_order

pytestmark = pytest.mark.django_db
PEOPLE = 30
ANSWER_SIDE = [Response, Answer, Comment]


@pytest.fixture
def closed_cycle():
    """30 people answer in invitation order; person i gives eNPS i % 11 and psafety-1 1 + i // 11 (unique)."""
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(PEOPLE, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    questions = {q.key: q for q in selectors.cycle_questions(cycle=cycle)}
    for i, invitation in enumerate(Invitation.objects.filter(cycle=cycle).order_by("id")):
        answers = {q.id: 3 for q in questions.values() if q.kind == Question.Kind.LIKERT}
        answers[questions["enps"].id] = i % 11
        answers[questions["psafety-1"].id] = 1 + i // 11
        token = services.invitation_link_issue(invitation_id=invitation.id)
        services.response_submit(token=token, answers=answers, comments={questions["comment"].id: f"note {i}"})
    services.cycle_close(cycle_id=cycle.id)
    return cycle, questions


def submitted_index(response_id, questions) -> int:
    given = dict(Answer.objects.filter(response_id=response_id).values_list("question__key", "value"))
    return given["enps"] + 11 * (given["psafety-1"] - 1)


def test_the_answer_side_tables_hold_no_time_and_no_way_to_a_person():
    for model in ANSWER_SIDE:
        for field in model._meta.get_fields():
            assert not isinstance(field, models.DateField | models.DateTimeField | models.TimeField), field
            if field.is_relation and field.many_to_one:
                assert field.related_model._meta.model_name in {"response", "cycle", "team", "question"}, field


def test_no_value_of_the_answer_side_appears_on_the_person_side(closed_cycle):
    def values(table):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from the models
            return {str(v) for row in cursor.fetchall() for v in row if v is not None}

    person_side = set()
    for model in ["surveys.Invitation", "surveys.InvitationToken", "surveys.Person", "auth.User"]:
        person_side |= values(apps.get_model(model)._meta.db_table)
    for model in (Response, Comment):  # an answer's key is its response's and its question's
        keys = {str(k) for k in model.objects.values_list("id", flat=True)}
        assert not keys & person_side, model
        assert all(uuid.UUID(k).version == 4 for k in keys)  # random keys, not time-based
    assert [field.name for field in Answer._meta.pk_fields] == ["response", "question"]


def test_after_closing_the_rows_no_longer_follow_the_order_people_answered_in(closed_cycle):
    cycle, questions = closed_cycle
    with connection.cursor() as cursor:
        table, column = Response._meta.db_table, physical_order()
        cursor.execute(f"SELECT id FROM {table} WHERE cycle_id = %s ORDER BY {column}", [cycle.id])  # noqa: S608
        stored = [row[0] for row in cursor.fetchall()]
    order = [submitted_index(response_id, questions) for response_id in stored]
    assert sorted(order) == list(range(PEOPLE))
    # A random order: for 30 rows a rank correlation this strong happens far less than once in a million.
    assert abs(stats.spearmanr(order, range(PEOPLE)).statistic) < 0.8
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT response_id FROM {Answer._meta.db_table} ORDER BY {physical_order()}")  # noqa: S608
        answer_rows = [row[0] for row in cursor.fetchall()]
    neighbours = sum(a == b for a, b in itertools.pairwise(answer_rows))
    assert neighbours < len(answer_rows) / 3  # answers are not stored response by response either


def test_answering_during_an_open_cycle_leaves_no_trace_on_the_person_side(settings):
    """A DBA watching an open cycle sees new answer-side rows and a keyed marker — nothing else changes."""
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(6, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    invitations = list(Invitation.objects.filter(cycle=cycle).order_by("id"))
    tokens = [services.invitation_link_issue(invitation_id=invitation.id) for invitation in invitations]
    # row versions and locks too, where the database shows them (xmin, xmax)
    system = "xmin::text, xmax::text, " if connection.vendor == "postgresql" else ""

    def person_side():
        with connection.cursor() as cursor:
            rows = {}
            for model in (Invitation, InvitationToken, Person):
                cursor.execute(f"SELECT {system}* FROM {model._meta.db_table} ORDER BY id")  # noqa: S608
                rows[model.__name__] = cursor.fetchall()
            return rows

    before = person_side()
    answers = {q.id: 3 for q in selectors.cycle_questions(cycle=cycle) if q.kind == Question.Kind.LIKERT}
    answers[next(q.id for q in selectors.cycle_questions(cycle=cycle) if q.key == "enps")] = 7
    services.response_submit(token=tokens[3], answers=answers, comments={})
    assert person_side() == before
    # the marker names the invitation only under the secret key: no plain or other-keyed hash of its id matches
    marker = AnsweredMarker.objects.get().marker
    assert marker == answered_marker(invitations[3].id)
    settings.SECRET_KEY = "a-database-thief-guessing-the-key-0123456789abcdefghijklmnop"
    assert marker not in {answered_marker(invitation.id) for invitation in invitations}
