"""Aggregating one closed cycle of a large organisation: its answers into group and item scores, disclosure
decided, participation, reliability and drivers (`feedback.services.scores_aggregate`, issue #24: 100,000
responses under 30 s).

App: scores_aggregate of one cycle on PostgreSQL. Baseline, in the same run: reading the same answers (the
one query aggregation starts with) into Python, so the ratio says how much aggregation costs beyond its read.
Data: BENCH_AGGREGATION_TEAMS teams (10 a department) of 20 people, everyone invited and everyone answering every
question of the default template (default 500 teams: 10,000 responses; `python -m bench --full`: 5,000 teams,
100,000 responses). Rows are written directly, not through the survey path. Scratch database
BENCH_AGGREGATION_DATABASE (default align_bench_aggregation), dropped afterwards.
"""

import json
import os
import sys
import time

from .common import row, unavailable
from .scratch import postgres_scratch, run_step

SCRATCH_DATABASE = os.environ.get("BENCH_AGGREGATION_DATABASE", "align_bench_aggregation")
TEAMS = int(os.environ.get("BENCH_AGGREGATION_TEAMS", "5000" if os.environ.get("BENCH_FULL") else "500"))
PEOPLE_PER_TEAM = 20


def load(teams: int) -> int:
    """Write one closed cycle of `teams` teams, everyone invited and answering; return the responses."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection

    from surveys.models import (
        Answer,
        Cycle,
        CycleQuestion,
        CycleTeam,
        Invitation,
        Person,
        Question,
        Response,
        SurveyTemplate,
        Team,
    )

    root = Team.objects.create(name="Bench org")
    heads = Team.objects.bulk_create(Team(name=f"Department {d}", parent=root) for d in range(teams // 10))
    leaves = Team.objects.bulk_create(Team(name=f"Team {t}", parent=heads[t // 10]) for t in range(teams))
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    cycle = Cycle.objects.create(
        name="Pulse", template=SurveyTemplate.objects.first(), opens_at=start, closes_at=start + timedelta(days=5),
        state=Cycle.State.CLOSED, threshold=5,
    )  # fmt: skip
    CycleTeam.objects.bulk_create(
        (CycleTeam(cycle=cycle, team=g, parent_id=g.parent_id, name=g.name) for g in [root, *heads, *leaves]),
        batch_size=5000,
    )
    people = Person.objects.bulk_create(
        (
            Person(email=f"p{t.id}.{i}@example.com", name=f"P {i}", team=t)
            for t in leaves
            for i in range(PEOPLE_PER_TEAM)
        ),
        batch_size=5000,
    )
    Invitation.objects.bulk_create(
        (Invitation(cycle=cycle, person=p, team_id=p.team_id) for p in people), batch_size=5000
    )
    from surveys.selectors import cycle_questions

    asked = cycle_questions(cycle=cycle)  # the template's, frozen as opening a cycle freezes them
    CycleQuestion.objects.bulk_create(CycleQuestion(cycle=cycle, question=q, position=i) for i, q in enumerate(asked))
    kinds = (Question.Kind.LIKERT, Question.Kind.ENPS)
    questions = [(q.id, q.kind, q.scale_points) for q in asked if q.kind in kinds]
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.5)")
        cursor.execute(
            f"INSERT INTO {Response._meta.db_table} (id, cycle_id, team_id) "  # noqa: S608  (names from models)
            f"SELECT gen_random_uuid(), %s, team_id FROM {Invitation._meta.db_table} WHERE cycle_id = %s",
            [cycle.id, cycle.id],
        )
        for question_id, kind, points in questions:
            low, high = (0, 10) if kind == Question.Kind.ENPS else (1, points)
            cursor.execute(
                f"INSERT INTO {Answer._meta.db_table} (response_id, question_id, value) "  # noqa: S608
                f"SELECT id, %s, %s + floor(random() * %s)::int FROM {Response._meta.db_table} WHERE cycle_id = %s",
                [question_id, low, high - low + 1, cycle.id],
            )
        cursor.execute(f"ANALYZE {Response._meta.db_table}, {Answer._meta.db_table}")
    return Response.objects.count()


def child(step: str) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    if step == "load":
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        responses = load(TEAMS)
        print(json.dumps({"responses": responses, "load_seconds": time.perf_counter() - started}))
        return
    from feedback.models import GroupScore
    from feedback.services import scores, scores_aggregate
    from surveys.models import Answer, Cycle

    cycle = Cycle.objects.get()
    started = time.perf_counter()
    scores._answers(cycle.id)  # the baseline: the read aggregation starts with
    read = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    scores_aggregate(cycle_id=cycle.id)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "read": read,
                "answers": Answer.objects.count(),
                "groups": GroupScore.objects.count(),
                "shown": GroupScore.objects.filter(shown=True).count(),
            }
        )
    )


def run() -> list[dict]:
    with postgres_scratch(SCRATCH_DATABASE) as (env, why):
        if not env:
            return [unavailable("aggregation of one cycle", why)]
        env |= {"BENCH_AGGREGATION_TEAMS": str(TEAMS)}
        m = run_step("bench.aggregation", "load", env) | run_step("bench.aggregation", "aggregate", env)
    return [
        {
            **row(f"aggregation of one cycle, {m['responses']:,} responses", m["seconds"], m["read"], "s", False),
            "note": f"{m['answers']:,} answers, {m['groups']:,} group scores ({m['shown']:,} shown); CPU "
            f"{m['cpu']:.1f} s; baseline: reading the answers only (loaded in {m['load_seconds']:.0f} s, not timed)",
        }
    ]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsite.settings")
    child(sys.argv[1])
