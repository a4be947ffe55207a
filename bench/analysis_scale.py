"""The analysis job of a large organisation shared among Celery worker processes (issue #24: 100,000 people).

App: `feedback.tasks.correlations_refresh_task` (read the plan; a chord of one task per metric and lag that any
worker takes; combine, adjust and write once) run by a real Celery worker with 1 and then 2 processes
(`--concurrency`) on Redis and PostgreSQL, timed from sending the task to the job's record saying it ended.
Baseline, in the same run on the same data: the single-process job (`feedback.services.correlations_refresh`,
with the time of each step: read, test, write). Every split run must write exactly what the single-process
job wrote (a digest of every finding and team finding): a different digest is printed as a failure.

Size: BENCH_ANALYSIS_TEAMS teams (10 a department) × 26 cycles × 8 dimensions × 10 metrics × 2 lags; default
1,000 (a few minutes); `python -m bench --full` (or `make bench BENCH=analysis_scale FULL=1`) runs 5,000 teams,
issue #24's 100,000 people at 20 a team. Scratch database BENCH_ANALYSIS_SCALE_DATABASE (default
align_bench_scale) on BENCH_POSTGRES_URL's server, dropped afterwards; Redis BENCH_ANALYSIS_REDIS_URL (default
database 11; the spike uses 12, the fan-out 13).
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from .analysis_db import PERMUTATIONS, findings_digest, job_timed
from .common import row, unavailable
from .scratch import ROOT, postgres_scratch, run_step

SCRATCH_DATABASE = os.environ.get("BENCH_ANALYSIS_SCALE_DATABASE", "align_bench_scale")
TEAMS = int(os.environ.get("BENCH_ANALYSIS_TEAMS", "5000" if os.environ.get("BENCH_FULL") else "1000"))
WORKER_PROCESSES = (1, 2)


def split_timed(processes: int) -> dict:
    """Start a Celery worker with `processes` processes, run the split job on it; return its seconds and digest."""
    import resource

    from feedback.models import JobRun
    from feedback.tasks import correlations_refresh_task

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    celery = [sys.executable, "-m", "celery", "-A", "alignsite"]
    subprocess.run([*celery, "purge", "-f"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    log = Path(os.environ["BENCH_LOG_DIR"]) / f"worker-{processes}.log"
    worker = subprocess.Popen(  # noqa: S603  (our own command line)
        [*celery, "worker", f"--concurrency={processes}", "--without-gossip", "--without-mingle",
         "--loglevel=info", "-n", f"bench-{uuid.uuid4().hex[:8]}@%h"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        while "ready." not in log.read_text():
            if worker.poll() is not None:
                raise RuntimeError(f"the worker stopped:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        started = time.perf_counter()
        job_id = correlations_refresh_task.delay().get(timeout=3600)
        while (job := JobRun.objects.get(id=job_id)).status == JobRun.Status.RUNNING:
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    # The worker and its pool's processes, waited for: their CPU seconds (start-up included).
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    if job.status != JobRun.Status.SUCCEEDED:
        raise RuntimeError(f"the split job failed: {job.message}")
    return {"seconds": seconds, "cpu": used.ru_utime + used.ru_stime, "digest": findings_digest()}


def child(step: str) -> None:
    """Run one step in this process and print one JSON line: `single` (the job in this process) or `workers-N`."""
    import django

    django.setup()
    if step == "single":
        print(json.dumps(job_timed()))
    else:
        print(json.dumps(split_timed(int(step.split("-")[1]))))


def run() -> list[dict]:
    import tempfile

    redis = os.environ.get("BENCH_ANALYSIS_REDIS_URL", "redis://127.0.0.1:6379/11")
    with postgres_scratch(SCRATCH_DATABASE) as (env, why), tempfile.TemporaryDirectory() as logs:
        if not env:
            return [unavailable(f"analysis job at {TEAMS:,} teams, split among workers", why)]
        env |= {"REDIS_URL": redis, "BENCH_ANALYSIS_TEAMS": str(TEAMS), "BENCH_LOG_DIR": logs}
        loaded = run_step("bench.analysis_db", "load", env)
        single = run_step("bench.analysis_scale", "single", env)
        split = {n: run_step("bench.analysis_scale", f"workers-{n}", env) for n in WORKER_PROCESSES}
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in single["steps"].items())
    rows = [
        {
            "benchmark": f"analysis job, {TEAMS:,} teams, one process",
            "app": f"{single['seconds']:.1f} s",
            "baseline": "-",
            "ratio": float("nan"),
            "note": f"{single['pairs']} pairs × {PERMUTATIONS} permutations over {loaded['rows']:,} rows (loaded in "
            f"{loaded['load_seconds']:.0f} s): {steps}; CPU {single['cpu']:.1f} s, peak RSS "
            f"{single['peak_mib']:.0f} MiB; findings {single['digest']}",
        }
    ]
    for n, measure in split.items():
        same = measure["digest"] == single["digest"]
        name = f"analysis job, {TEAMS:,} teams, {n} worker process{'es' if n > 1 else ''}"
        rows.append(
            {
                **row(name, measure["seconds"], single["seconds"], "s", False),
                "note": f"against the single-process job; the worker's CPU {measure['cpu']:.1f} s (with its start-up); "
                f"findings {measure['digest']}"
                + (" (the same)" if same else " — NOT THE SAME as the single-process job's"),
            }
        )
    one, two = (split[n]["seconds"] for n in WORKER_PROCESSES)
    rows.append(
        {
            **row(f"analysis job, {TEAMS:,} teams: 2 worker processes against 1", two, one, "s", False),
            "note": "serial in every run: the read (the plan) and the write (the chord's callback); the tests "
            "of the 20 shares run in parallel",
        }
    )
    return rows


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsite.settings")
    child(sys.argv[1])
