"""Align against a peer, side by side: django-survey-and-report (PyPI `django-survey-and-report`, import name
`survey`; the `bench` extra installs it), the survey submit alone and the whole answering flow.

Both are served alike: gunicorn with 3 sync workers, DEBUG off, persistent database connections, each on a
PostgreSQL scratch database of the same server, both driven by the same locust file (bench/locustfile.py)
with the same number of users. The peer runs as a small project of its own (bench/peer_site/: settings, urls),
its survey built with the same shape as Align's (the same number of questions, each a one-choice radio
question with the same values as Align's agreement and 0–10 scales, and an optional free-text question for
each comment box, left empty on both sides).

1. The submit alone, closed loop: forms loaded beforehand by another locust run (Align: open the one-time link,
   load the form; the peer: load its form), then only the submits are timed, in ROUNDS rounds alternating
   Align, peer, Align, peer…
2. Whole flows, closed loop, alternating the same way: Align's open link → form → submit (three requests),
   the peer's form → submit (two: the peer has no link to open).
After every round the stored responses are counted on both sides: they must equal the submits each server
accepted so far. Ratios are Align over peer, per round and pooled.

BENCH_PEER_PEOPLE (default 12,000) sets how many people Align invites, and so how many submits each side may
prepare and run.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

from .common import unavailable
from .scratch import postgres_scratch, run_step
from .spike import LOOP_USERS, _closed_loop, _locust, _pooled, _serve, _slice

ALIGN_DATABASE, PEER_DATABASE = "align_bench_peer", "align_bench_peer_survey"
ALIGN_PORT = int(os.environ.get("BENCH_PEER_ALIGN_PORT", "8771"))
PEER_PORT = int(os.environ.get("BENCH_PEER_PORT", "8772"))
PEOPLE = int(os.environ.get("BENCH_PEER_PEOPLE", "12000"))
ROUNDS = 4
SUBMIT_SECONDS = 3
FLOW_SECONDS = 6  # long enough that a loaded machine finishes flows in the first round
FLOW_SHARE = 0.3  # of the links, for whole flows; the rest are prepared for the submit alone
PREPARE_SECONDS = int(os.environ.get("BENCH_PEER_PREPARE_SECONDS", "90"))


def prepare_peer() -> dict:
    """Migrate the peer's database and create its survey with the shape BENCH_QUESTIONS gives ([kind, values])."""
    import django

    django.setup()
    from django.core.management import call_command
    from survey.models import Question, Survey

    call_command("migrate", verbosity=0)
    survey = Survey.objects.create(
        name="Pulse", description="The same questions as Align's pulse.", is_published=True,
        need_logged_user=False, display_method=Survey.ALL_IN_ONE_PAGE,
    )  # fmt: skip
    for order, (kind, values) in enumerate(json.loads(os.environ["BENCH_QUESTIONS"])):
        if values is None:  # a comment box: optional free text
            Question.objects.create(survey=survey, text=f"Comment {order}", order=order, required=False,
                                    type=Question.TEXT)  # fmt: skip
        else:
            Question.objects.create(survey=survey, text=f"{kind} {order}", order=order, required=True,
                                    type=Question.RADIO, choices=", ".join(str(v) for v in values))  # fmt: skip
    return {"survey": survey.id, "questions": survey.questions.count()}


def count_peer() -> dict:
    import django

    django.setup()
    from survey.models import Response

    return {"responses": Response.objects.count()}


def _measure(align_env: dict, peer_env: dict, directory: Path) -> dict:
    tokens_file = directory / "tokens.txt"
    shape = run_step(
        "bench.spike", "prepare", align_env | {"BENCH_TOKENS": str(tokens_file), "BENCH_PEOPLE": str(PEOPLE)}
    )
    survey = run_step("bench.peer", "prepare_peer", peer_env | {"BENCH_QUESTIONS": json.dumps(shape["questions"])})
    peer_env = peer_env | {"BENCH_PEER_SURVEY": str(survey["survey"])}
    tokens = tokens_file.read_text().split()
    flows = int(len(tokens) * FLOW_SHARE)
    sides = {"Align": (align_env, ALIGN_PORT), "peer": (peer_env, PEER_PORT)}
    processes = _serve(align_env, directory, port=ALIGN_PORT, worker=False, name="align")
    processes += _serve(peer_env, directory, app="bench.peer_site.wsgi:application", port=PEER_PORT, worker=False,
                        ready=f"/survey/{survey['survey']}/", name="peer")  # fmt: skip
    webs = {"Align": processes[0], "peer": processes[1]}
    accepted = {"Align": 0, "peer": 0}
    stored_after_rounds = []

    def check(label: str) -> None:
        stored = {
            "Align": run_step("bench.spike", "count", align_env)["responses"],
            "peer": run_step("bench.peer", "count", peer_env)["responses"],
        }
        stored_after_rounds.append({"after": label, "stored": stored, "accepted": dict(accepted)})

    try:
        pools = {}
        for side, (env, port) in sides.items():
            prepared = directory / f"prepared-{side}.json"
            _locust(env, directory / f"prepare-{side}", target="prepare", users=LOOP_USERS, prepared=prepared,
                    seconds=PREPARE_SECONDS, port=port, tokens=_slice(tokens, flows, len(tokens), directory,
                    f"prepare-{side}.txt"))  # fmt: skip
            pools[side] = json.loads(prepared.read_text())
        share, per_round = min(len(pool) for pool in pools.values()) // ROUNDS, flows // ROUNDS

        def prepared_part(side: str, number: int) -> dict:
            part = directory / f"prepared-{side}-{number}.json"
            part.write_text(json.dumps(pools[side][number * share : (number + 1) * share]))
            return {"prepared": part}

        def links(side: str, number: int) -> dict:
            first = number * per_round
            return {"tokens": _slice(tokens, first, first + per_round, directory, f"links-{side}-{number}.txt")}

        def alternate(target: str, seconds: int, inputs) -> list[dict]:
            """Run ROUNDS rounds of `target`, Align then the peer in each, counting stored rows after each round;
            inputs(side, round) gives a run's prepared submits or links."""
            rounds = []
            for number in range(ROUNDS):
                found = {}
                for side, (env, port) in sides.items():
                    stats = _closed_loop(env, directory / f"{target}-{side}-{number}", webs[side], target=target,
                                         seconds=seconds, port=port, **inputs(side, number))  # fmt: skip
                    accepted[side] += stats["accepted"]
                    found[side] = stats["submit"]
                rounds.append(found)
                check(f"{target} round {number + 1}")
            return rounds

        submit_rounds = alternate("send", SUBMIT_SECONDS, prepared_part)
        flow_rounds = alternate("submit", FLOW_SECONDS, links)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
    return {"submit": submit_rounds, "flow": flow_rounds, "share": share, "per_round": per_round,
            "checks": stored_after_rounds, "questions": survey["questions"]}  # fmt: skip


def run() -> list[dict]:
    try:
        import locust  # noqa: F401
        import survey  # noqa: F401
    except ImportError as missing:
        return [unavailable("peer", f"{missing.name} is not installed: pip install -e '.[bench]' (make bench does)")]
    with (
        postgres_scratch(ALIGN_DATABASE) as (align_env, why),
        postgres_scratch(PEER_DATABASE) as (peer_env, _),
        tempfile.TemporaryDirectory() as directory,
    ):
        if align_env is None:
            return [unavailable("peer", why)]
        redis, hosts = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"), "127.0.0.1,localhost"
        align_env = align_env | {
            "DJANGO_SETTINGS_MODULE": "bench.settings", "REDIS_URL": redis, "ALIGN_DATA_DIR": directory,
            "ALLOWED_HOSTS": hosts, "EMAIL_URL": "dummymail://",
            "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
        }  # fmt: skip
        peer_env = peer_env | {"DJANGO_SETTINGS_MODULE": "bench.peer_site.settings", "ALLOWED_HOSTS": hosts}
        m = _measure(align_env, peer_env, Path(directory))
    rows = []
    for path, label, seconds in (("submit", "the submit alone", SUBMIT_SECONDS), ("flow", "whole flows", FLOW_SECONDS)):
        align, peer = (_pooled([r[side] for r in m[path]]) for side in ("Align", "peer"))
        ratios = ", ".join(f"{_ratio(r):.2f}" for r in m[path])
        per_round = "; ".join(
            f"{float(r['Align']['Requests/s']):.0f} vs {float(r['peer']['Requests/s']):.0f}" for r in m[path]
        )
        cpu = {side: sum(p["cpu"].values()) for side, p in (("Align", align), ("peer", peer))}
        rows.append(
            {
                "benchmark": f"peer: {label}, submits/s (closed loop)",
                "app": f"{align['rps']:.1f} /s",
                "baseline": f"{peer['rps']:.1f} /s",
                "ratio": align["rps"] / peer["rps"],
                "note": f"baseline = django-survey-and-report, {m['questions']} questions on both; {ROUNDS} rounds of "
                f"{seconds} s alternating Align, peer: submits/s {per_round}, ratios {ratios}; p95 Align "
                f"{align['p95']} ms, peer {peer['p95']} ms; errors {align['failures']} / {peer['failures']}; CPU per "
                f"submit (server + PostgreSQL + load generator) {cpu['Align']:.2f} ms vs {cpu['peer']:.2f} ms",
            }
        )
    last = m["checks"][-1]
    equal = all(c["stored"] == c["accepted"] for c in m["checks"])
    rows.append(
        {
            "benchmark": "peer: stored responses = accepted submits",
            "app": f"{last['stored']['Align']} = {last['accepted']['Align']}",
            "baseline": f"{last['stored']['peer']} = {last['accepted']['peer']}",
            "ratio": 1.0 if equal else float("nan"),
            "note": "counted after each of the "
            + str(len(m["checks"]))
            + " rounds on both: "
            + ("equal every time" if equal else "NOT EQUAL: " + json.dumps(m["checks"])),
        }
    )
    return rows


def _ratio(round_: dict) -> float:
    return float(round_["Align"]["Requests/s"]) / float(round_["peer"]["Requests/s"])


if __name__ == "__main__":
    print(json.dumps({"prepare_peer": prepare_peer, "count": count_peer}[sys.argv[1]]()))
