"""The leadership dashboard and a team report at 10 and 500 teams × 26 cycles (5,000 with an option).

App: GET /reports/dashboard/?root=<organisation> and GET /reports/teams/<team>/ as an admin, through Django's
full request handling (middleware, disclosure-checked selectors, template, charts' JSON), on a PostgreSQL
scratch database holding one organisation of that size (20 people a team: 100,000 people at 5,000 teams).
Baselines, in the same run and process: views that only read the rows each page needs
(`bench.views.dashboard_rows`, `bench.views.team_report_rows`). Each is timed as the median of repeated
requests (the spread printed beside it); the query counts must not change with the number of teams.

Sizes: BENCH_DASHBOARD_TEAMS, teams per organisation, comma-separated (default "10,500", a few minutes;
"10,500,5000" is issue #24's 100,000-person organisation, about 15 minutes more). Each size loads into its own
scratch database, BENCH_DASHBOARD_DATABASE with the size appended (default align_bench_dashboard_<teams>),
dropped afterwards.
"""

import json
import os
import statistics
import sys
import tempfile
import time

from .common import row, unavailable
from .scratch import postgres_scratch, run_step

SCRATCH_DATABASE = os.environ.get("BENCH_DASHBOARD_DATABASE", "align_bench_dashboard")
TEAMS = [int(n) for n in os.environ.get("BENCH_DASHBOARD_TEAMS", "10,500").split(",")]
PEOPLE_PER_TEAM = 20
RESPONSE_RATE = 0.6
COMMENT_RATE = 0.2
FINDINGS, SIGNIFICANT_FINDINGS = 160, 8
REPEAT = 15


def organisation(teams: int) -> tuple[str, int, int]:
    """Return (root name, departments, teams per department) for an organisation of `teams` teams."""
    return ("Bench org", 2, 5) if teams == 10 else ("Bench org", teams // 10, 10)


def _insert_select(model, columns: dict[str, str], source: str, params=()) -> None:
    """INSERT INTO model's table SELECT …: `columns` maps a column to its SQL expression over `source`; every
    other column gets its field's default, so columns added later need no change here."""
    from django.db import connection
    from django.db.models.fields import AutoFieldMixin

    names, values, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.column not in columns and isinstance(field, AutoFieldMixin):
            continue  # the database numbers it
        names.append(connection.ops.quote_name(field.column))
        if field.column in columns:
            values.append(columns[field.column])
        else:
            values.append("%s")
            defaults.append(field.get_db_prep_save(field.get_default(), connection))
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) SELECT {', '.join(values)} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *params])


def load_reads(root_name: str, seed: int = 0) -> None:
    """Add what the report pages read beyond `analysis_db.load`'s scores and metrics, on PostgreSQL.

    People (PEOPLE_PER_TEAM a team) invited to every cycle, RESPONSE_RATE of them answering and COMMENT_RATE of
    those commenting; each cycle's participation figures settled by the tree rule; each group's item
    figures; changes from the previous cycle (some flagged, so there are movers); FINDINGS findings of which
    SIGNIFICANT_FINDINGS significant (each with its scatter). Rows, not answers: nothing here goes through
    the survey path.
    """
    import numpy as np
    from django.db import connection
    from django.db.models import Count

    from feedback.disclosure import group_totals, participation_hidden
    from feedback.models import Finding, GroupScore, ItemScore, MetricDefinition, ParticipationFigure
    from surveys.models import Comment, Cycle, CycleTeam, Dimension, Invitation, Person, Question, Response, Team

    rng = np.random.default_rng(seed)
    root = Team.objects.get(name=root_name, parent=None)
    leaves = list(Team.objects.filter(parent__parent=root).order_by("id").values_list("id", flat=True))
    Person.objects.bulk_create(
        (
            Person(email=f"p{t}.{i}@example.com", name=f"Person {t}.{i}", team_id=t)
            for t in leaves
            for i in range(PEOPLE_PER_TEAM)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed / 10])
    people = f"FROM {Cycle._meta.db_table} c CROSS JOIN {Person._meta.db_table} p"
    _insert_select(Invitation, {"cycle_id": "c.id", "person_id": "p.id", "team_id": "p.team_id"}, people)
    answered = f"FROM {Invitation._meta.db_table} i WHERE random() < %s"
    _insert_select(
        Response, {"id": "gen_random_uuid()", "cycle_id": "i.cycle_id", "team_id": "i.team_id"}, answered,
        [RESPONSE_RATE],
    )  # fmt: skip
    comment_question = Question.objects.filter(kind=Question.Kind.COMMENT).first()
    _insert_select(
        Comment,
        {"id": "gen_random_uuid()", "cycle_id": "r.cycle_id", "team_id": "r.team_id", "question_id": "%s",
         "text": "'A comment of a few words about how the work went this fortnight.'", "sealed": "NULL"},
        f"FROM {Response._meta.db_table} r WHERE random() < %s",
        [comment_question.id, COMMENT_RATE],
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Invitation._meta.db_table}, {Response._meta.db_table}, {Comment._meta.db_table}")
    cycles = list(Cycle.objects.order_by("opens_at"))
    for cycle in cycles:
        parents = dict(CycleTeam.objects.filter(cycle=cycle).values_list("team_id", "parent_id"))
        invited = group_totals({t: PEOPLE_PER_TEAM for t in leaves}, parents)
        counts = Response.objects.filter(cycle=cycle).values_list("team_id").annotate(n=Count("id"))
        answered_counts = group_totals(dict(counts), parents)
        hidden = participation_hidden(invited, answered_counts, parents, cycle.threshold)
        ParticipationFigure.objects.bulk_create(
            (
                ParticipationFigure(
                    cycle=cycle, team_id=g, invited=n, answered=answered_counts.get(g, 0), shown=g not in hidden
                )
                for g, n in invited.items()
            ),
            batch_size=5000,
        )
    questions = list(
        Question.objects.exclude(kind=Question.Kind.COMMENT).filter(dimension__scores__isnull=False).distinct()
    )
    distribution = json.dumps({"1": 1, "2": 1, "3": 2, "4": 4, "5": 2})
    for question in questions:
        _insert_select(
            ItemScore,
            {"cycle_id": "s.cycle_id", "team_id": "s.team_id", "question_id": "%s", "respondents": "s.respondents",
             "mean": "s.mean", "sd": "s.sd", "favourable": "s.favourable", "distribution": "%s::jsonb",
             "shown": "s.shown"},
            f"FROM {GroupScore._meta.db_table} s WHERE s.dimension_id = %s",
            [question.id, distribution, question.dimension_id],
        )  # fmt: skip
    # The change from the previous cycle: each group's score minus its score a cycle before; 3% flagged.
    with connection.cursor() as cursor:
        table = GroupScore._meta.db_table
        cursor.execute(
            f"UPDATE {table} s SET change = s.mean - p.mean, change_ci_low = s.mean - p.mean - 0.3, "  # noqa: S608
            "change_ci_high = s.mean - p.mean + 0.3, change_p = 0.01, change_shown = true, "
            "change_flagged = random() < 0.03, previous_cycle_id = pc.id "
            f"FROM {Cycle._meta.db_table} c, {Cycle._meta.db_table} pc, {table} p "
            "WHERE c.id = s.cycle_id AND pc.opens_at = c.opens_at - interval '14 days' AND p.cycle_id = pc.id "
            "AND p.team_id = s.team_id AND p.dimension_id = s.dimension_id"
        )
        cursor.execute(f"ANALYZE {table}, {ItemScore._meta.db_table}, {ParticipationFigure._meta.db_table}")
    dimensions = list(Dimension.objects.filter(scores__isnull=False).distinct())
    metrics = list(MetricDefinition.objects.filter(key__startswith="bench-"))
    pairs = [(d, m, lag) for d in dimensions for m in metrics for lag in (0, 1)][:FINDINGS]
    Finding.objects.bulk_create(
        Finding(
            dimension=d, metric=m, lag=lag, n_teams=len(leaves), n_points=len(leaves) * 24,
            r=float(r), ci_low=float(r) - 0.05, ci_high=float(r) + 0.05, p=0.0005 if k < SIGNIFICANT_FINDINGS else 0.5,
            q=0.004 if k < SIGNIFICANT_FINDINGS else 0.8, direction="higher", significant=k < SIGNIFICANT_FINDINGS,
            sentence=f"Teams' {d.name} went with {m.name}.",
        )
        for k, ((d, m, lag), r) in enumerate(zip(pairs, rng.uniform(-0.3, 0.3, len(pairs)), strict=True))
    )  # fmt: skip


def measure(teams: int) -> dict:
    """Load one organisation of `teams` teams × 26 cycles and time its dashboard, a team report and baselines."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from surveys.models import Cycle, Team

    from .analysis_db import load

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG is off: hashed static files, as in production
    name, departments, teams_each = organisation(teams)
    started = time.perf_counter()
    load(orgs=((name, departments, teams_each),))
    load_reads(name)
    loaded = time.perf_counter() - started
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.create_superuser("bench@example.com", "bench@example.com", None))
    shown = list(Cycle.objects.order_by("opens_at").values_list("id", flat=True))[-12:]
    root = Team.objects.get(name=name, parent=None)
    team = Team.objects.filter(parent__parent=root).order_by("name").first()

    def timed(url, params):
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        return {"median": statistics.median(times), "low": min(times), "high": max(times)}

    found = {"loaded_seconds": loaded}
    pages = {
        "dashboard": (
            "/reports/dashboard/",
            {"root": root.id},
            "/bench/dashboard-rows/",
            {"root": root.id, "cycle": shown},
        ),
        "team report": (f"/reports/teams/{team.id}/", {}, "/bench/team-report-rows/", {"team": team.id}),
    }
    for page, (url, params, baseline, baseline_params) in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        count = len(queries)  # now: the next request resets Django's query log
        if response.status_code != 200 or not count:
            raise RuntimeError(f"{url} answered {response.status_code} after {count} queries")
        if b"<table" not in response.content:
            raise RuntimeError(f"{url} shows no table: the bench's data do not reach the page")
        found[page] = {
            "app": timed(url, params),
            "baseline": timed(baseline, baseline_params),
            "queries": count,
            "bytes": len(response.content),
        }
    return found


def run() -> list[dict]:
    found = {}
    for teams in TEAMS:
        with postgres_scratch(f"{SCRATCH_DATABASE}_{teams}") as (env, why):
            if env is None:
                return [unavailable("dashboard", why)]
            with tempfile.TemporaryDirectory() as data_dir:
                settings = {
                    "DJANGO_SETTINGS_MODULE": "bench.settings",
                    "ALLOWED_HOSTS": "localhost",
                    "ALIGN_DATA_DIR": data_dir,
                }
                size = {"BENCH_DASHBOARD_SIZE": str(teams)}
                found[teams] = run_step("bench.dashboard", "measure", env | settings | size)
    rows = []
    for teams, measured in found.items():
        for page in ("dashboard", "team report"):
            m = measured[page]
            app, baseline = m["app"], m["baseline"]
            rows.append(
                {
                    **row(
                        f"{page} at {teams} teams: server ms",
                        app["median"] * 1000,
                        baseline["median"] * 1000,
                        "ms",
                        False,
                    ),
                    "note": f"{m['queries']} queries, {m['bytes'] / 1024:.0f} KiB; app {app['low'] * 1000:.0f}–"
                    f"{app['high'] * 1000:.0f} ms, baseline {baseline['low'] * 1000:.0f}–"
                    f"{baseline['high'] * 1000:.0f} ms over {REPEAT} requests; ratio = the same rows read raw / the "
                    f"page (0.5: twice the reads' time; loaded in {measured['loaded_seconds']:.0f} s, not timed)",
                }
            )
    for page in ("dashboard", "team report"):
        counts = [found[teams][page]["queries"] for teams in found]
        rows.append(
            {
                "benchmark": f"{page} queries at {' vs '.join(str(t) for t in found)} teams",
                "app": " vs ".join(str(c) for c in counts),
                "baseline": "identical",
                "ratio": 1.0 if len(set(counts)) == 1 else float("nan"),
            }
        )
    return rows


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        print(json.dumps(measure(int(os.environ["BENCH_DASHBOARD_SIZE"]))))
