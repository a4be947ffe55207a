"""The 9 a.m. spike: 28,000 people invited at once, answering through gunicorn at a rising rate (the rising
rates use 4,160 of their links, the closed loops the rest: 10,000 would run out).

Served like production: gunicorn (3 sync workers) on a PostgreSQL scratch database, Redis (cache and rate
limits, broker) and a Celery worker, DEBUG off. Locust (headless) drives open-link → form → submit:
1. at fixed rates (10, 25, 50, 75, 100 flows per second, 15 s each): submits per second, p50/p95/p99 of the
   submit and errors — the target is p95 under 300 ms at 50/s;
2. in a closed loop with no waiting, against two baselines in the same run on the same server: a hello-world
   Django view and a view that inserts one row per request — the target is at least 60% of the insert view's
   throughput. Measured twice: the submit request on its own (links opened and forms loaded beforehand, by
   another locust run), request for request against the insert view, in rounds that alternate the two; and
   whole flows (each submit also pays for its two GETs). For the submit alone and both baselines it also
   reports the CPU each request cost in gunicorn's workers, PostgreSQL and the load generator, which share
   the two cores.
Afterwards the stored responses are counted: they must equal the submits the server accepted.
"""

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

from .common import unavailable
from .scratch import ROOT, cycle_for_people, postgres_scratch, run_step

SCRATCH_DATABASE = "align_bench_spike"
PEOPLE = 28_000
PORT = int(os.environ.get("BENCH_PORT", "8765"))
RATES = [10, 25, 50, 75, 100]
SECONDS = 15
LOOP_USERS = 32
LOOP_FLOWS = 3_000  # links for the closed loop of whole flows (about 150/s for 15 s)
PREPARE_SECONDS = 100  # opening the remaining links and loading their forms, for the submit-only loop
# The submit alone and the insert view run in alternating rounds, so that this shared machine's changes of
# speed over minutes fall on both alike; short enough that the prepared submits (about 20,000) do not run out
# on a fast day (about 1,400 a second).
ROUNDS = 4
ROUND_SECONDS = 3


def prepare(people: int = PEOPLE) -> dict:
    """Migrate, collect static files, invite `people` people to an open cycle and write one link token each;
    return the cycle, the number of tokens and the survey's questions as [kind, values or None] (bench.peer
    asks the peer the same)."""
    import django

    django.setup()
    from django.core.management import call_command

    from surveys.models import Invitation, InvitationToken, Question
    from surveys.selectors import cycle_questions
    from surveys.services import cycle_open
    from surveys.tokens import token_new

    from .views import insert_table_create

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    insert_table_create()
    cycle = cycle_for_people("Spike", teams=200, people=people)
    cycle_open(cycle_id=cycle.id)
    # The links as the invitation emails would carry them (sending itself is the fan-out benchmark).
    tokens, rows = [], []
    for invitation_id in Invitation.objects.filter(cycle=cycle).values_list("id", flat=True):
        token, hashed = token_new()
        tokens.append(token)
        rows.append(InvitationToken(invitation_id=invitation_id, token_hash=hashed))
    InvitationToken.objects.bulk_create(rows, batch_size=5000)
    Invitation.objects.filter(cycle=cycle).update(sent_at=cycle.opens_at)
    Path(os.environ["BENCH_TOKENS"]).write_text("\n".join(tokens))
    questions = [
        [q.kind, None if q.kind == Question.Kind.COMMENT else list(q.value_range)] for q in cycle_questions(cycle=cycle)
    ]
    return {"cycle": cycle.id, "tokens": len(tokens), "questions": questions}


def count() -> dict:
    import django

    django.setup()
    from surveys.models import Response

    return {"responses": Response.objects.count()}


def _locust(
    env: dict, prefix: Path, *, target: str, users: int, tokens: Path | None = None, paced: bool = False,
    prepared: Path | None = None, seconds: int = SECONDS, port: int = PORT,
):  # fmt: skip
    run_env = env | {"BENCH_TARGET": target, "BENCH_ACCEPTED": f"{prefix}_accepted.txt"}
    run_env |= {"BENCH_CPU": f"{prefix}_cpu.txt"}
    run_env |= {"BENCH_PACED": "1"} if paced else {}
    if tokens:
        run_env["BENCH_TOKENS"] = str(tokens)
    if prepared:
        run_env["BENCH_PREPARED"] = str(prepared)
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary",
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
        "--csv", str(prefix), "--loglevel", "WARNING", "--exit-code-on-error", "0", "--stop-timeout", "30",
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env=run_env, check=True, capture_output=True)  # noqa: S603
    with open(f"{prefix}_stats.csv") as stats:
        found = {row["Name"]: row for row in csv.DictReader(stats)}
    accepted = Path(f"{prefix}_accepted.txt")
    found["accepted"] = int(accepted.read_text()) if accepted.exists() else 0
    if target == "prepare":
        return found
    if {"send": "submit"}.get(target, target) not in found:
        failures = Path(f"{prefix}_failures.csv").read_text()[-2000:]
        raise RuntimeError(f"no successful {target} in the {prefix.name} run; failures:\n{failures}")
    return found


def _cpu_used(web: subprocess.Popen) -> dict[str, dict]:
    """Return the CPU seconds used so far by each of gunicorn's workers and PostgreSQL's processes on this
    machine, by process."""
    import psutil

    def seconds(processes) -> dict[tuple, float]:
        found = {}
        for process in processes:
            with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                times = process.cpu_times()
                found[(process.pid, process.create_time())] = times.user + times.system
        return found

    postgres = [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres")]
    return {"server": seconds(psutil.Process(web.pid).children()), "PostgreSQL": seconds(postgres)}


def _cpu_between(before: dict[str, dict], after: dict[str, dict]) -> dict[str, float]:
    """Return the CPU seconds each part used between two readings: processes that started meanwhile count in
    full; those that ended meanwhile are lost (an undercount of what they used since the first reading)."""
    return {part: sum(now - before[part].get(key, 0.0) for key, now in after[part].items()) for part in after}


def _closed_loop(env: dict, prefix: Path, web: subprocess.Popen, **options) -> dict:
    """Run locust in a closed loop; add the CPU milliseconds each request cost, by process, as "cpu" (the load
    generator's counted by itself while its users ran, without its start-up)."""
    before = _cpu_used(web)
    stats = _locust(env, prefix, users=LOOP_USERS, **options)
    after = _cpu_used(web)
    name = {"send": "submit"}.get(options["target"], options["target"])
    count = max(int(stats[name]["Request Count"]), 1)
    used = _cpu_between(before, after) | {"load generator": float(Path(f"{prefix}_cpu.txt").read_text())}
    stats[name]["cpu"] = {part: seconds * 1000 / count for part, seconds in used.items()}
    return stats


def _pooled(runs: list[dict]) -> dict:
    """Pool closed-loop runs of equal length: mean rate, total count and failures, CPU per request weighted by
    each run's count, and the range of their p95s."""
    counts = [int(run["Request Count"]) for run in runs]
    p95s = sorted(int(float(run["95%"])) for run in runs)
    return {
        "rps": sum(float(run["Requests/s"]) for run in runs) / len(runs),
        "count": sum(counts),
        "failures": sum(int(run["Failure Count"]) for run in runs),
        "cpu": {
            part: sum(run["cpu"][part] * n for run, n in zip(runs, counts, strict=True)) / sum(counts)
            for part in runs[0]["cpu"]
        },
        "p95": f"{p95s[0]}–{p95s[-1]}",
    }


def _slice(tokens: list[str], start: int, end: int, directory: Path, name: str) -> Path:
    path = directory / name
    path.write_text("\n".join(tokens[start:end]))
    return path


def _serve(
    env: dict, directory: Path, *, app: str = "alignsite.wsgi:application", port: int = PORT, worker: bool = True,
    ready: str = "/healthz", name: str = "server",
) -> list[subprocess.Popen]:  # fmt: skip
    """Start gunicorn (3 sync workers) serving `app` on `port`, and a Celery worker if asked; return them once
    `ready` answers."""
    log_path = directory / f"{name}.log"
    log = log_path.open("w")
    commands = [
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", "3", "--log-level",
         "warning"],
    ]  # fmt: skip
    if worker:
        commands.append(
            [sys.executable, "-m", "celery", "-A", "alignsite", "worker", "--concurrency=1", "--loglevel=warning",
             "--without-gossip", "--without-mingle", "-n", "bench-spike@%h"]
        )  # fmt: skip
    # Our own server and worker, fixed arguments.
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        for command in commands
    ]
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready}", timeout=2):
                return processes
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")


def _measure(env: dict, directory: Path) -> dict:
    tokens_file = directory / "tokens.txt"
    run_step("bench.spike", "prepare", env | {"BENCH_TOKENS": str(tokens_file)})
    tokens = tokens_file.read_text().split()
    processes = _serve(env, directory)
    try:
        steps, step_stats, used = [], [], 0
        for rate in RATES:
            batch = _slice(tokens, used, used + rate * SECONDS + rate, directory, f"step-{rate}.txt")
            used += rate * SECONDS + rate
            stats = _locust(env, directory / f"step-{rate}", target="submit", users=rate, tokens=batch, paced=True)
            step_stats.append(stats)
            steps.append((rate, stats["submit"]))
        loop_stats = _locust(
            env, directory / "loop", target="submit", users=LOOP_USERS,
            tokens=_slice(tokens, used, used + LOOP_FLOWS, directory, "loop.txt"),
        )  # fmt: skip
        used += LOOP_FLOWS
        prepared = directory / "prepared.json"
        _locust(
            env, directory / "prepare", target="prepare", users=LOOP_USERS, prepared=prepared, seconds=PREPARE_SECONDS,
            tokens=_slice(tokens, used, len(tokens), directory, "prepare.txt"),
        )  # fmt: skip
        pool = json.loads(prepared.read_text())
        share = len(pool) // ROUNDS
        web = processes[0]
        rounds = []
        for number in range(ROUNDS):
            part = directory / f"prepared-{number}.json"
            part.write_text(json.dumps(pool[number * share : (number + 1) * share]))
            sent = _closed_loop(
                env, directory / f"send-{number}", web, target="send", prepared=part, seconds=ROUND_SECONDS
            )
            inserted = _closed_loop(env, directory / f"insert-{number}", web, target="insert", seconds=ROUND_SECONDS)
            rounds.append({"send": sent["submit"], "insert": inserted["insert"], "accepted": sent["accepted"]})
        loop = {
            "hello": _closed_loop(env, directory / "hello", web, target="hello")["hello"],
            "submit": loop_stats["submit"],
            "rounds": rounds,
            "share": share,
        }
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
    accepted = sum(stats["accepted"] for stats in [*step_stats, loop_stats, *rounds])
    stored = run_step("bench.spike", "count", env)["responses"]
    return {"steps": steps, "loop": loop, "accepted": accepted, "stored": stored}


def run() -> list[dict]:
    try:
        import locust  # noqa: F401
    except ImportError:
        return [unavailable("submit spike", "locust is not installed: pip install -e '.[bench]' (make bench does)")]
    with postgres_scratch(SCRATCH_DATABASE) as (env, why), tempfile.TemporaryDirectory() as directory:
        if env is None:
            return [unavailable("submit spike", why)]
        redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
        env = env | {
            "DJANGO_SETTINGS_MODULE": "bench.settings", "REDIS_URL": redis, "ALIGN_DATA_DIR": directory,
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "EMAIL_URL": "dummymail://",
            # Plain HTTP on loopback, as behind a TLS-terminating proxy: cookies cannot be Secure-only here.
            "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
        }  # fmt: skip
        m = _measure(env, Path(directory))
    rows = []
    loop = m["loop"]
    send, insert = (_pooled([r[name] for r in loop["rounds"]]) for name in ("send", "insert"))
    ratios = ", ".join(
        f"{float(r['send']['Requests/s']) / float(r['insert']['Requests/s']):.2f}" for r in loop["rounds"]
    )
    ran_out = any(int(r["send"]["Request Count"]) >= loop["share"] for r in loop["rounds"])
    rows.append(
        {
            "benchmark": "submit spike: the submit request on its own, closed loop",
            "app": f"{send['rps']:.1f} /s",
            "baseline": f"{insert['rps']:.1f} /s",
            "ratio": send["rps"] / insert["rps"],
            "note": f"baseline = insert-one-row view (target ratio ≥ 0.6); {ROUNDS} alternating rounds of "
            f"{ROUND_SECONDS} s each, ratios {ratios}; p95 {send['p95']} ms; errors {send['failures']}; "
            f"{send['count']} submits" + (" — a round ran out of prepared submits: a lower bound" if ran_out else ""),
        }
    )
    cpu = {"send": send["cpu"], "insert": insert["cpu"], "hello": loop["hello"]["cpu"]}
    rows.append(
        {
            "benchmark": "submit spike: CPU per request (server + PostgreSQL + load generator)",
            "app": f"{sum(cpu['send'].values()):.2f} ms",
            "baseline": f"{sum(cpu['insert'].values()):.2f} ms",
            "ratio": sum(cpu["insert"].values()) / sum(cpu["send"].values()),
            "note": "; ".join(
                f"{label}: " + ", ".join(f"{part} {ms:.2f}" for part, ms in cpu[name].items())
                for name, label in (("send", "submit"), ("insert", "insert view"), ("hello", "hello world"))
            )
            + " (ms; the two cores are shared, so throughput follows the sum)",
        }
    )
    submit_rps, insert_rps = float(loop["submit"]["Requests/s"]), insert["rps"]
    rows.append(
        {
            "benchmark": "submit spike: whole flows/s (closed loop)",
            "app": f"{submit_rps:.1f} /s",
            "baseline": f"{insert_rps:.1f} /s",
            "ratio": submit_rps / insert_rps,
            "note": f"baseline = insert-one-row view (target ratio ≥ 0.6); hello-world view "
            f"{float(loop['hello']['Requests/s']):.1f} /s; submit errors {loop['submit']['Failure Count']}; "
            f"every submit also made its 2 GETs (open link, load form)",
        }
    )
    for rate, s in m["steps"]:
        rows.append(
            {
                "benchmark": f"submit at {rate} flows/s: p95 ms",
                "app": f"{float(s['95%']):.0f} ms",
                "baseline": "300 ms",
                "ratio": 300 / max(float(s["95%"]), 1),
                "note": f"{float(s['Requests/s']):.1f} submits/s, p50 {s['50%']} ms, p99 {s['99%']} ms, "
                f"errors {s['Failure Count']} of {s['Request Count']} (ratio ≥ 1: under the 300 ms target)",
            }
        )
    rows.append(
        {
            "benchmark": "stored responses vs accepted submits",
            "app": str(m["stored"]),
            "baseline": str(m["accepted"]),
            "ratio": m["stored"] / m["accepted"] if m["accepted"] else float("nan"),
        }
    )
    return rows


if __name__ == "__main__":
    people = int(os.environ.get("BENCH_PEOPLE", PEOPLE))
    print(json.dumps({"prepare": lambda: prepare(people), "count": count}[sys.argv[1]]()))
