"""A database dump: no column, key, value or row order ties an answer to a person — after a cycle closes, and
while it is open (answering changes nothing on the person side)."""

import itertools
import re
import uuid

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection, models
from django.test import Client
from django.utils import translation
from scipy import stats

from surveys import selectors, services
from surveys.models import (
    Answer,
    AnsweredMarker,
    Comment,
    Delivery,
    Invitation,
    InvitationToken,
    Person,
    Question,
    QuestionTranslation,
    Response,
)
from surveys.tokens import answered_marker
from tests.factories import CycleFactory, PersonFactory, TeamFactory
from tests.fakes.slack import TOKEN, FakeSlackServer
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


def test_a_response_answered_in_german_from_slack_and_one_in_english_from_email_store_the_same_rows(settings):
    """Issue #25 item 4: the link opens in its person's language, and nothing stored says which language a response
    was given in: in a small team, "the only German speaker" would otherwise be named."""
    with FakeSlackServer() as workspace:
        settings.SLACK_BOT_TOKEN, settings.SLACK_SIGNING_SECRET = TOKEN, "signing-secret-reserved"
        settings.SLACK_API_URL, settings.SLACK_RATE_LIMIT_RETRIES = workspace.url, 2
        # given: Ana reads German and is on Slack; Ben reads English and is emailed
        team = TeamFactory(name="Platform")
        PersonFactory(email="ana@example.com", team=team, language="de")
        PersonFactory(email="ben@example.com", team=team, language="en-gb")
        workspace.user_add("ana@example.com")
        cycle = CycleFactory(teams=[team], delivery=Delivery.SLACK)
        services.cycle_open(cycle_id=cycle.id)
        questions = selectors.cycle_questions(cycle=cycle)
        german = {q.id: f"Frage {q.key} auf Deutsch" for q in questions}
        QuestionTranslation.objects.bulk_create(
            QuestionTranslation(question_id=qid, language="de", text=text) for qid, text in german.items()
        )
        services.invitations_send_batch(cycle_id=cycle.id, batch_size=100)
        assert workspace.violations == []
        (slack_text,) = workspace.posted()["ana@example.com"]
    (email,) = mail.outbox
    assert email.to == ["ben@example.com"]
    # then: each is written in its person's language, and each link carries it
    said = "This link is yours alone and works once. Please do not forward it."
    with translation.override("de"):
        assert translation.gettext(said) in slack_text
    assert said in email.body
    links = {
        "de": re.search(r"(/s/[\w-]+/\?lang=de)\|", slack_text).group(1),
        "en-gb": re.search(r"(/s/[\w-]+/\?lang=en-gb)\b", email.body).group(1),
    }

    def table(model) -> list[tuple]:
        """Every row as ((column, value), ...), as a database dump has them."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 - table names from the models
            columns = [column[0] for column in cursor.description]
            return [tuple(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    # when: each opens their link (the page comes in their language) and gives the same answers
    stored = {}
    for language, link in links.items():
        browser = Client()
        page = browser.get(link, follow=True)
        assert page.status_code == 200
        assert browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
        html = page.content.decode()
        assert page["Content-Language"] == language
        first = next(q for q in questions if q.kind == Question.Kind.LIKERT)
        if language == "de":
            assert german[first.id] in html
        else:
            assert first.text in html and german[first.id] not in html
        posted = {f"q{q.id}": 8 if q.kind == Question.Kind.ENPS else 4 for q in questions if q.kind != "comment"}
        before = {model: set(table(model)) for model in (*ANSWER_SIDE, AnsweredMarker)}
        assert browser.post("/survey/", posted).status_code == 302
        stored[language] = {model: set(table(model)) - before[model] for model in (*ANSWER_SIDE, AnsweredMarker)}

    # then: the two responses are the same rows but for their random keys and markers, and no value anywhere on
    # the answer side spells a language
    def without_keys(rows, dropped) -> list[tuple]:
        return sorted(tuple((c, str(v)) for c, v in row if c not in dropped) for row in rows)

    de, en = stored["de"], stored["en-gb"]
    assert len(de[Response]) == len(en[Response]) == 1
    assert without_keys(de[Response], {"id"}) == without_keys(en[Response], {"id"})
    assert without_keys(de[Answer], {"response_id"}) == without_keys(en[Answer], {"response_id"})
    assert len(de[Answer]) == len([q for q in questions if q.kind != "comment"])
    assert without_keys(de[Comment], {"id", "sealed"}) == without_keys(en[Comment], {"id", "sealed"})
    sealed = [len(dict(row)["sealed"] or b"") for side in (de, en) for row in side[Comment]]
    assert len(set(sealed)) <= 1  # sealed comments padded to one size, whichever language the page was in
    assert len(de[AnsweredMarker]) == len(en[AnsweredMarker]) == 1
    spellings = {"de", "de-de", "deutsch", "german", "en-gb", "en", "english", "en-GB"}
    for model in ANSWER_SIDE:
        assert not any("lang" in field.column or "locale" in field.column for field in model._meta.concrete_fields)
        for row in table(model):
            assert not {str(value).lower() for _, value in row if value is not None} & spellings, (model, row)
