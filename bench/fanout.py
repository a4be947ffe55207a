"""Invitation fan-out: from a cycle opening to 10,000 invitation emails handed to the email backend.

App: `cycle_open` on a PostgreSQL scratch database, then a real Celery worker (Redis broker) sends the
invitations in batches (`ALIGN_INVITATION_BATCH_SIZE`), each in its own transaction with its token and
`sent_at`; done when every invitation has `sent_at`. The email backend discards what it is handed
(`dummymail://`): this measures Align, not an SMTP server. Baseline, in the same run and worker: round trips
of Celery's built-in no-op task (`celery.accumulate`) through the same broker and result backend.
"""

import json
import os
import subprocess
import sys
import time

from .common import row, unavailable
from .scratch import ROOT, cycle_for_people, postgres_scratch, run_step

SCRATCH_DATABASE = "align_bench_fanout"
PEOPLE = int(os.environ.get("BENCH_FANOUT_PEOPLE", "10000"))
NOOP_TASKS = 1000


def measure() -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from alignsite.celery import app
    from surveys import services
    from surveys.models import Invitation

    call_command("migrate", verbosity=0)
    app.control.purge()
    cycle = cycle_for_people("Fan-out", teams=100, people=PEOPLE)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "alignsite", "worker", "--concurrency=2", "--loglevel=warning",
         "--without-gossip", "--without-mingle", "-n", "bench-fanout@%h"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        app.send_task("celery.accumulate", args=(0,)).get(timeout=60)  # the worker is up
        started = time.perf_counter()
        services.cycle_open(cycle_id=cycle.id)  # enqueues the first batch on commit (autocommit here)
        pending = Invitation.objects.filter(cycle=cycle, sent_at__isnull=True)
        while pending.exists():
            time.sleep(0.05)
            if time.perf_counter() - started > 1800:
                raise RuntimeError("fan-out did not finish in 30 minutes")
        seconds = time.perf_counter() - started
        noop_started = time.perf_counter()
        results = [app.send_task("celery.accumulate", args=(i,)) for i in range(NOOP_TASKS)]
        for result in results:
            result.get(timeout=120)
        noop_seconds = time.perf_counter() - noop_started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    batches = -(-PEOPLE // int(os.environ.get("ALIGN_INVITATION_BATCH_SIZE", "200")))
    return {"seconds": seconds, "emails": PEOPLE, "batches": batches, "noop_seconds": noop_seconds}


def run() -> list[dict]:
    with postgres_scratch(SCRATCH_DATABASE) as (env, why):
        if env is None:
            return [unavailable("invitation fan-out", why)]
        redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
        m = run_step("bench.fanout", "measure", env | {"REDIS_URL": redis, "EMAIL_URL": "dummymail://"})
    emails_per_second = m["emails"] / m["seconds"]
    noop_per_second = NOOP_TASKS / m["noop_seconds"]
    return [
        {
            **row("invitation fan-out: emails handed over per s", emails_per_second, noop_per_second, "/s", True),
            "note": f"{m['emails']:,} invitations in {m['seconds']:.1f} s from opening ({m['batches']} batch tasks, "
            f"{m['batches'] / m['seconds']:.1f} tasks/s); baseline: {NOOP_TASKS} no-op Celery round trips "
            f"in {m['noop_seconds']:.1f} s",
        }
    ]


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        print(json.dumps(measure()))
