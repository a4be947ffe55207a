"""Invitation fan-out: from a cycle opening to every invitation email handed to the email backend.

App: `cycle_open` on a PostgreSQL scratch database, then real Celery workers (Redis broker) send the
invitations in batch tasks over id ranges (`ALIGN_INVITATION_BATCH_SIZE`), each invitation claimed, given
its link, marked sent and handed over in a transaction of its own. Measured with one worker process and with
two (`--concurrency`), each on a cycle of its own for the same people; done when every invitation has
`sent_at`. The email backend (bench/mail.py) serialises each message as the SMTP backend would and logs its
recipient: afterwards every address must have got exactly one email. The peak resident memory of the
worker processes (VmHWM) is read before they stop; run at 10,000 and 100,000 people it should not grow.
Baseline, in the same run and workers: round trips of Celery's built-in no-op task (`celery.accumulate`)
through the same broker and result backend.

BENCH_FANOUT_PEOPLE sets the size (default 10,000; issue #24's target is 100,000 in under 5 minutes with two
worker processes): `make bench BENCH=fanout BENCH_FANOUT_PEOPLE=100000`.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import row, unavailable
from .scratch import ROOT, cycle_for_people, postgres_scratch, run_step

SCRATCH_DATABASE = "align_bench_fanout"
PEOPLE = int(os.environ.get("BENCH_FANOUT_PEOPLE", "10000"))
# BENCH_FANOUT_PROCESSES: the worker process counts to measure, comma-separated (default "1,2"; "2" alone for the
# 100,000 run, which at one process takes most of an hour on two cores).
WORKER_PROCESSES = tuple(int(n) for n in os.environ.get("BENCH_FANOUT_PROCESSES", "1,2").split(","))
NOOP_TASKS = 1000


def _pool_peak_rss_mib(worker: subprocess.Popen) -> float:
    """Return the largest peak resident set (VmHWM) among a Celery worker's pool processes, in MiB."""
    peaks = []
    for task in Path(f"/proc/{worker.pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            status = Path(f"/proc/{child}/status").read_text()
            peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")]
    return max(peaks, default=float("nan"))


def _fan_out(cycle, processes: int, mail_log: str) -> dict:
    """Open `cycle` with `processes` worker processes running; return seconds, baseline seconds and peak RSS."""
    from alignsite.celery import app
    from surveys import services
    from surveys.models import Invitation

    from .mail import recipients

    app.control.purge()
    worker = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [sys.executable, "-m", "celery", "-A", "alignsite", "worker", f"--concurrency={processes}",
         "--loglevel=warning", "--without-gossip", "--without-mingle", "-n", f"bench-fanout-{processes}@%h"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(processes):  # every pool process is up
            app.send_task("celery.accumulate", args=(0,)).get(timeout=120)
        started = time.perf_counter()
        services.cycle_open(cycle_id=cycle.id)  # enqueues the batches on commit
        pending = Invitation.objects.filter(cycle=cycle, sent_at__isnull=True)
        while pending.exists():
            time.sleep(0.05)
            if time.perf_counter() - started > 1800:
                raise RuntimeError("fan-out did not finish in 30 minutes")
        seconds = time.perf_counter() - started
        peak = _pool_peak_rss_mib(worker)
        noop_started = time.perf_counter()
        results = [app.send_task("celery.accumulate", args=(i,)) for i in range(NOOP_TASKS)]
        for result in results:
            result.get(timeout=120)
        noop_seconds = time.perf_counter() - noop_started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    counts = recipients(mail_log)
    expected = set(Invitation.objects.filter(cycle=cycle).values_list("person__email", flat=True))
    if set(counts) != expected or any(n != 1 for n in counts.values()):
        twice = sum(n > 1 for n in counts.values())
        raise RuntimeError(f"not exactly one email each: {len(expected - set(counts))} missing, {twice} twice")
    for path in Path(mail_log).glob("*.txt"):
        path.unlink()
    return {"seconds": seconds, "noop_seconds": noop_seconds, "peak_rss_mib": peak, "emails": len(counts)}


def measure() -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from surveys.models import Cycle

    call_command("migrate", verbosity=0)
    first = cycle_for_people("Fan-out", teams=100, people=PEOPLE)
    runs = {}
    for processes in WORKER_PROCESSES:
        cycle = Cycle.objects.create(
            name=f"Fan-out {processes}", template=first.template, opens_at=first.opens_at, closes_at=first.closes_at
        )
        runs[processes] = _fan_out(cycle, processes, os.environ["BENCH_MAIL_LOG"])
    batches = -(-PEOPLE // int(os.environ.get("ALIGN_INVITATION_BATCH_SIZE", "200")))
    return {"runs": runs, "batches": batches}


def run() -> list[dict]:
    with postgres_scratch(SCRATCH_DATABASE) as (env, why), tempfile.TemporaryDirectory() as mail_log:
        if env is None:
            return [unavailable("invitation fan-out", why)]
        redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
        env = env | {"REDIS_URL": redis, "DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_MAIL_LOG": mail_log}
        m = run_step("bench.fanout", "measure", env)
    rows = []
    for processes, r in sorted(m["runs"].items()):
        noun = "process" if processes == "1" else "processes"
        rows.append(
            {
                **row(
                    f"invitation fan-out, {processes} worker {noun}: emails/s",
                    r["emails"] / r["seconds"],
                    NOOP_TASKS / r["noop_seconds"],
                    "/s",
                    True,
                ),
                "note": f"{r['emails']:,} invitations in {r['seconds']:.1f} s from opening ({m['batches']} batch "
                f"tasks), each address exactly once; worker peak RSS {r['peak_rss_mib']:.0f} MiB; baseline: "
                f"{NOOP_TASKS} no-op Celery round trips in {r['noop_seconds']:.1f} s",
            }
        )
    if {"1", "2"} <= set(m["runs"]):
        one, two = m["runs"]["1"], m["runs"]["2"]
        rows.append(
            {
                **row("invitation fan-out: 2 worker processes against 1", two["seconds"], one["seconds"], "s", False),
                "note": "ratio = how much faster two processes send than one (one's time over theirs)",
            }
        )
    return rows


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        print(json.dumps(measure()))
