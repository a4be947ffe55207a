"""Nothing Align writes, runs or logs depends on who has answered an open cycle (DESIGN.md §3.6).

The same organisation lives through the same cycle twice, from one seed and on one frozen clock: in one world
Pat answers before the reminder, in the other Quinn does (same team, same answers, same moment). After every
step — answering, the reminder, a link issued again, closing, publishing, the weekly digest — everything a
database reader or a log reader could see is captured in both worlds and must be the same:

- every row of every table, all columns, in physical order (PostgreSQL's ctid, SQLite's rowid), and on
  PostgreSQL each row's version (xmin, xmax) ranked among the transactions that wrote them;
- every SQL statement Align ran, with its parameters (what `log_statement = 'all'` would print), for every
  step Align runs on its own — not for the respondent's own requests, which must name their link's token;
- every log record of every logger, every task run with its arguments, and the cache's keys and values.

The only differences allowed are what a response is made of (compared without its random keys) and the
answered marker's value, which only the secret key ties to an invitation. Each capture is a fixed-point
comparison: any new trace of participation, in any table, log or statement, fails it.
"""

import contextlib
import io
import logging
import pickle
import random
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from celery.signals import task_prerun
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from alignsite.mail import RedactingConsoleBackend
from feedback.tasks import digests_send_task
from surveys import selectors, services
from surveys.models import AnsweredMarker, Cycle, CycleSchedule, Delivery, Invitation, Person, Question
from surveys.services import invitations
from tests.factories import PersonFactory, TeamFactory, builtin_data_install, pulse_template
from tests.fakes.slack import TOKEN, FakeSlack, FakeSlackServer

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
UUID_TEXT = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
# What a response is made of: compared as a multiset of rows with random keys blanked (no physical order: the
# rewrite at closing shuffles them).
# An email's Message-ID and its MIME boundaries are random.
RANDOM_IN_EMAIL = re.compile(r"(?<=Message-ID: <)[^>]+|={15}\d+=*")
# A comment's conversation thread is written at closing in the comments' random order (conversations/).
RESPONSE_TABLES = {"surveys_response", "surveys_answer", "surveys_comment", "conversations_thread"}


PRINTED = io.StringIO()


class PrintedAndDelivered(RedactingConsoleBackend):
    """Print each email as the demo does (into the log) and deliver it to the test outbox (the mail server)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, stream=PRINTED, **kwargs)

    def send_messages(self, messages):
        mail.outbox.extend(messages)
        return super().send_messages(messages)


def flat(values) -> list:
    """Return the scalars of nested parameters (PostgreSQL's bulk inserts pass one array per column)."""
    if isinstance(values, list | tuple):
        return [scalar for value in values for scalar in flat(value)]
    return [values]


class Recorder(logging.Handler):
    """Keep every log line as Align's configured handler would print it, every statement, every task run."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        configured = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
        self.setFormatter(configured.formatter)
        for configured_filter in configured.filters:
            self.addFilter(configured_filter)
        self.lines: list[tuple] = []

    def emit(self, record):
        self.lines.append(("log", self.format(record)))

    def statement(self, execute, sql, params, many, context):
        shown = params
        if any(f'INSERT INTO "{table}"' in sql for table in RESPONSE_TABLES):
            shown = sorted(UUID_TEXT.sub("<random key>", str(value)) for value in flat(params))  # in random order
        self.lines.append(("sql", sql, repr(shown)))
        return execute(sql, params, many, context)

    def task(self, sender=None, args=None, kwargs=None, **_):
        self.lines.append(("task", sender.name, repr(args), repr(kwargs)))

    def take(self) -> list[tuple]:
        printed = PRINTED.getvalue().splitlines()
        PRINTED.seek(0)
        PRINTED.truncate()
        printed = [RANDOM_IN_EMAIL.sub("<random>", line) for line in printed]
        taken, self.lines = self.lines + [("printed email", line) for line in printed], []
        return taken


def database_view() -> dict[str, list]:
    """Return every table as a database reader sees it: all columns in physical order, row versions ranked."""
    postgres = connection.vendor == "postgresql"
    system = "xmin::text::bigint, xmax::text::bigint, " if postgres else ""
    order = "ctid" if postgres else "rowid"
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT {system}* FROM {table} ORDER BY {order}")  # noqa: S608 - names from the catalogue
            tables[table] = [list(row) for row in cursor.fetchall()]
    if postgres:
        # Transaction ids differ between the worlds; their order and grouping are what a reader could use.
        versions = sorted({row[i] for rows in tables.values() for row in rows for i in (0, 1)} - {0})
        rank = {xid: position for position, xid in enumerate(versions, 1)} | {0: 0}
        for rows in tables.values():
            for row in rows:
                row[0], row[1] = rank[row[0]], rank[row[1]]
    for table in RESPONSE_TABLES:
        # A multiset: sorted with the random keys blanked, or their order would be the rows' order.
        rows = (UUID_TEXT.sub("<random key>", repr(row[2:] if postgres else row)) for row in tables[table])
        tables[table] = sorted(rows)
    return tables


def blank(value, markers: set[str]):
    """Return a captured value with random keys and the answered markers (opaque without the key) blanked."""
    if isinstance(value, dict):
        return {key: blank(item, markers) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [blank(item, markers) for item in value]
    text = value if isinstance(value, str) else repr(value)
    for marker in markers:
        text = text.replace(marker, "<answered marker>")
    return UUID_TEXT.sub("<random key>", text)


def seen(recorder: Recorder) -> dict:
    """Return everything a reader of the database, the logs and the cache sees now, and what ran since."""
    markers = set(AnsweredMarker.objects.values_list("marker", flat=True))
    cached = {key: pickle.loads(value) for key, value in cache._cache.items()}  # noqa: S301 - our own cache
    return {
        "tables": blank(database_view(), markers),
        "ran": [blank(line, markers) for line in recorder.take()],
        "cache": blank(sorted(cached.items()), markers),
    }


def a_world(
    answerer: str, *, settings, monkeypatch, time_machine, recorder: Recorder, slack: FakeSlack | None = None
) -> tuple[list[tuple], list[str]]:
    """Live one cycle in which `answerer` (pat or quinn) answers; return what was seen after each step and
    who was reminded. With a fake Slack, the cycle goes by Slack: everyone but Ria is on it, and those on it
    answer through the link in their direct message."""
    call_command("flush", interactive=False, verbosity=0)  # sequences restart: both worlds get the same ids
    builtin_data_install()
    cache.clear()
    mail.outbox.clear()
    settings.EMAIL_BACKEND = f"{__name__}.PrintedAndDelivered"
    # Random links (a re-issue) come from one seed, so both worlds make the same ones.
    generator = random.Random(7)
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n=32: uuid.UUID(int=generator.getrandbits(128)).hex)
    monkeypatch.setattr(secrets, "token_bytes", lambda n=32: generator.getrandbits(8 * n).to_bytes(n, "big"))
    time_machine.move_to(MONDAY_9 - timedelta(days=1), tick=False)
    # The mail server's measured speed (stored on the cycle, padding reminder steps) is noise of this machine,
    # the same whoever answers: a steady clock makes it the same in both worlds.
    steady = iter(range(10**9))
    monkeypatch.setattr(invitations.time, "monotonic", lambda: next(steady) * 0.001)
    monkeypatch.setattr(invitations.time, "sleep", lambda seconds: None)

    if slack is not None:
        slack.users.clear()
        slack.calls.clear()
        for name in ["Ana", "Ben", "Cy", "Dee", "Pat", "Quinn", "Lee"]:
            slack.user_add(f"{name.lower()}@example.com")
    platform = TeamFactory(name="Platform")
    for name in ["Ana", "Ben", "Cy", "Dee", "Pat", "Quinn", "Ria"]:
        PersonFactory(name=name, email=f"{name.lower()}@example.com", team=platform)
    user = get_user_model().objects.create(username="lee@example.com", email="lee@example.com", password="!")
    lee = PersonFactory(name="Lee", email=user.email, user=user, team=platform, role=Person.Role.LEADER)
    lee.managed_teams.set([platform])
    services.schedule_save(
        teams=[platform],
        template=pulse_template(),
        name="Platform pulse",
        cadence=CycleSchedule.Cadence.ONCE,
        first_opens_at=MONDAY_9,
        time_zone="UTC",
        open_days=4,
        reminder_days=[2],
        threshold=5,
        active=True,
        delivery=Delivery.SLACK if slack else Delivery.EMAIL,
    )
    steps = []

    def at(moment, then=services.cycles_advance):
        time_machine.move_to(moment, tick=False)
        then()

    at(MONDAY_9 + timedelta(minutes=1))
    cycle = Cycle.objects.get()
    emailed = {message.to[0]: re.search(r"/s/[\w-]+/", message.body).group(0) for message in mail.outbox}
    if slack is not None:
        assert sorted(emailed) == ["ria@example.com"]  # the only one Slack does not know
        emailed |= {address: re.search(r"/s/[\w-]+/", text).group(0) for address, (text,) in slack.posted().items()}
    asked = selectors.cycle_questions(cycle=cycle)
    questions = [q for q in asked if q.kind != Question.Kind.COMMENT]
    commented = [q for q in asked if q.kind == Question.Kind.COMMENT]
    seen(recorder)

    def answer(email):
        browser = Client()
        browser.get(emailed[email])
        posted = {f"q{q.id}": "8" if q.kind == Question.Kind.ENPS else "4" for q in questions}
        posted |= {f"q{q.id}": "More pairing, please." for q in commented}  # sealed until closing
        assert browser.post("/survey/", posted).status_code == 302

    for name in ["ana", "ben", "cy", "dee", answerer]:
        at(MONDAY_9 + timedelta(days=1), lambda name=name: answer(f"{name}@example.com"))
    steps.append(("answering", seen(recorder)))
    mail.outbox.clear()

    if slack is not None:
        slack.calls.clear()
    at(MONDAY_9 + timedelta(days=2, minutes=1))
    reminded = sorted([message.to[0] for message in mail.outbox] + list(slack.posted() if slack else []))
    if slack is not None:  # on Slack for everyone it knows, by email for Ria only
        assert {message.to[0] for message in mail.outbox} <= {"ria@example.com"}
    steps.append(("the reminder", seen(recorder)))

    pat = Invitation.objects.get(person__name="Pat")
    at(MONDAY_9 + timedelta(days=3), lambda: services.invitation_link_issue(invitation_id=pat.id))
    steps.append(("a link issued again", seen(recorder)))

    at(MONDAY_9 + timedelta(days=4, minutes=1))
    steps.append(("closing and aggregating", seen(recorder)))

    at(MONDAY_9 + timedelta(days=5), lambda: services.cycle_publish(cycle_id=cycle.id))
    steps.append(("publishing", seen(recorder)))

    at(MONDAY_9 + timedelta(days=7), digests_send_task)
    steps.append(("the digest", seen(recorder)))
    return steps, reminded


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("delivery", [Delivery.EMAIL, Delivery.SLACK])
def test_a_database_and_log_reader_cannot_tell_who_answered_before_the_reminder(
    delivery, settings, monkeypatch, time_machine
):
    slack = contextlib.ExitStack()
    fake = None
    if delivery == Delivery.SLACK:  # links delivered on Slack, to the same channel for the invitation and reminder
        fake = slack.enter_context(FakeSlackServer())
        settings.SLACK_BOT_TOKEN, settings.SLACK_SIGNING_SECRET, settings.SLACK_API_URL = TOKEN, "reserved", fake.url
    recorder = Recorder()
    root = logging.getLogger()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    task_prerun.connect(recorder.task)
    try:
        with connection.execute_wrapper(recorder.statement):
            pat_world, pat_reminded = a_world(
                "pat",
                settings=settings, monkeypatch=monkeypatch, time_machine=time_machine, recorder=recorder, slack=fake,
            )  # fmt: skip
            quinn_world, quinn_reminded = a_world(
                "quinn",
                settings=settings, monkeypatch=monkeypatch, time_machine=time_machine, recorder=recorder, slack=fake,
            )  # fmt: skip
    finally:
        slack.close()
        task_prerun.disconnect(recorder.task)
        root.removeHandler(recorder)
        root.setLevel(level)

    # The reminder reached exactly those who had not answered, in each world.
    everyone = {f"{name}@example.com" for name in ["ana", "ben", "cy", "dee", "pat", "quinn", "ria", "lee"]}
    answered = {"ana@example.com", "ben@example.com", "cy@example.com", "dee@example.com"}
    assert pat_reminded == sorted(everyone - answered - {"pat@example.com"})
    assert quinn_reminded == sorted(everyone - answered - {"quinn@example.com"})
    for (step, in_pat_world), (_, in_quinn_world) in zip(pat_world, quinn_world, strict=True):
        for table, rows in in_pat_world["tables"].items():
            assert rows == in_quinn_world["tables"][table], f"{step}: table {table} shows who answered"
        assert in_pat_world["cache"] == in_quinn_world["cache"], f"{step}: the cache shows who answered"
        ran = in_pat_world["ran"], in_quinn_world["ran"]
        if step == "answering":  # the respondent's own requests name their own link: only logs and tasks count
            ran = tuple([line for line in lines if line[0] != "sql"] for lines in ran)
        assert ran[0] == ran[1], f"{step}: the statements, logs or tasks show who answered"
        assert ran[0] or step == "answering", f"{step}: nothing was captured, so nothing was compared"
    if fake is not None:
        assert fake.violations == []
