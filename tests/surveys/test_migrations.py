"""Migrations that move answers keep every one of them, both ways; migrations that add what a row keeps fill it
from what it stored before."""

from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from surveys.models import Answer, Question, Response
from tests.factories import CycleFactory, TeamFactory, pulse_template
from tests.surveys.conftest import physical_order

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = ("surveys", "0008_answered_marker")
KEYED = ("surveys", "0009_answer_keyed_by_response_and_question")
WALL_BEFORE = ("surveys", "0013_cycle_send_seconds")
WALL_AFTER = ("surveys", "0014_schedule_keeps_its_wall_time")


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """Leave the database at the latest migrations, whichever older one a test moved it to."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_answers_move_to_a_key_of_response_and_question_and_back_with_every_value():
    team = TeamFactory()
    cycle = CycleFactory(teams=[team])
    questions = [q for q in cycle.template.questions.all() if q.kind != Question.Kind.COMMENT]
    responses = Response.objects.bulk_create(Response(cycle=cycle, team=team) for _ in range(40))
    Answer.objects.bulk_create(
        Answer(response=r, question=q, value=(i + j) % 5 + 1)
        for i, r in enumerate(responses)
        for j, q in enumerate(questions)
    )
    given = sorted(Answer.objects.values_list("response_id", "question_id", "value"))
    assert len(given) == 40 * len(questions)

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])  # back: each answer gets a random id of its own again
    old = executor.loader.project_state([BEFORE]).apps.get_model("surveys", "Answer")
    assert sorted(old.objects.values_list("response_id", "question_id", "value")) == given
    ids = list(old.objects.order_by("id").values_list("response_id", "question_id"))

    executor = MigrationExecutor(connection)
    executor.migrate([KEYED])
    assert sorted(Answer.objects.values_list("response_id", "question_id", "value")) == given
    with connection.cursor() as cursor:
        table = Answer._meta.db_table
        cursor.execute(f"SELECT response_id, question_id FROM {table} ORDER BY {physical_order()}")  # noqa: S608
        stored = [(Answer._meta.get_field("response").to_python(r), q) for r, q in cursor.fetchall()]
    assert stored == ids  # stored in the order of the old random ids, not the order they were written in


def test_existing_schedules_keep_the_wall_time_their_first_opening_shows_in_their_zone():
    # given: the schema before schedules kept a wall time, a Berlin and a Chatham schedule
    template_id = pulse_template().id
    executor = MigrationExecutor(connection)
    executor.migrate([WALL_BEFORE])
    old = executor.loader.project_state([WALL_BEFORE]).apps.get_model("surveys", "CycleSchedule")
    berlin = old.objects.create(
        name="Berlin", template_id=template_id, first_opens_at=datetime(2027, 3, 22, 8, 0, tzinfo=UTC),
        time_zone="Europe/Berlin",
    )  # fmt: skip
    chatham = old.objects.create(
        name="Chatham", template_id=template_id, first_opens_at=datetime(2026, 9, 26, 14, 5, tzinfo=UTC),
        time_zone="Pacific/Chatham",
    )  # fmt: skip

    # when
    executor = MigrationExecutor(connection)
    executor.migrate([WALL_AFTER])

    # then
    schedules = executor.loader.project_state([WALL_AFTER]).apps.get_model("surveys", "CycleSchedule").objects
    walls = {s.id: (s.first_opens_local_date, s.first_opens_local_time) for s in schedules.all()}
    assert walls[berlin.id] == (date(2027, 3, 22), time(9, 0))
    assert walls[chatham.id] == (date(2026, 9, 27), time(3, 50))  # 02:50 was stored as the moment after the jump
