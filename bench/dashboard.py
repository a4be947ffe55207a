"""The leadership dashboard at 10 and at 500 teams × 26 cycles: server time and queries, against the raw reads.

App: GET /reports/dashboard/?root=<organisation> as an admin, through Django's full request handling
(middleware, disclosure-checked selectors, template, charts' JSON), on a PostgreSQL scratch database.
Baseline, in the same run and process: a view that only reads the same rows (`bench.views.dashboard_rows`).
Both are timed as the median of repeated requests; the query count of the dashboard must not change with
the number of teams.
"""

import json
import statistics
import sys
import tempfile
import time

from .common import row, unavailable
from .scratch import postgres_scratch, run_step

SCRATCH_DATABASE = "align_bench_dashboard"
ORGS = (("Small org", 2, 5), ("Large org", 50, 10))  # 10 teams, 500 teams
REPEAT = 15


def measure() -> dict:
    """Load both organisations (sharing 26 cycles) and time each dashboard and its baseline."""
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
    load(orgs=ORGS)
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.create_superuser("bench@example.com", "bench@example.com", None))
    shown = list(Cycle.objects.order_by("opens_at").values_list("id", flat=True))[-12:]
    found = {}
    for name, departments, teams_each in ORGS:
        root = Team.objects.get(name=name, parent=None)

        def timed(url, params):
            times = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                response = client.get(url, params)
                times.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}")
            return statistics.median(times)

        with CaptureQueriesContext(connection) as queries:
            response = client.get("/reports/dashboard/", {"root": root.id})
        count = len(queries)  # now: the next request resets Django's query log
        if response.status_code != 200 or not count:
            raise RuntimeError(f"the dashboard answered {response.status_code} after {count} queries")
        found[departments * teams_each] = {
            "app": timed("/reports/dashboard/", {"root": root.id}),
            "baseline": timed("/bench/dashboard-rows/", {"root": root.id, "cycle": shown}),
            "queries": count,
        }
    return found


def run() -> list[dict]:
    with postgres_scratch(SCRATCH_DATABASE) as (env, why):
        if env is None:
            return [unavailable("dashboard", why)]
        with tempfile.TemporaryDirectory() as data_dir:
            settings = {
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "ALLOWED_HOSTS": "localhost",
                "ALIGN_DATA_DIR": data_dir,
            }
            found = run_step("bench.dashboard", "measure", env | settings)
    rows = []
    for teams, m in sorted(found.items(), key=lambda item: int(item[0])):
        rows.append(
            {
                **row(
                    f"dashboard at {teams} teams × 26 cycles: server ms",
                    m["app"] * 1000,
                    m["baseline"] * 1000,
                    "ms",
                    False,
                ),
                "note": f"{m['queries']} queries; baseline = the same rows read with no rules or rendering "
                "(ratio < 1 means the dashboard costs that fraction of the raw reads' speed)",
            }
        )
    counts = {m["queries"] for m in found.values()}
    rows.append(
        {
            "benchmark": "dashboard queries at 10 vs 500 teams",
            "app": " vs ".join(str(found[k]["queries"]) for k in sorted(found, key=int)),
            "baseline": "identical",
            "ratio": 1.0 if len(counts) == 1 else float("nan"),
        }
    )
    return rows


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        print(json.dumps(measure()))
