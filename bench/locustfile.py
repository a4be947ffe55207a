"""Locust users for the submit spike (bench/spike.py runs them headless; not a test).

BENCH_TARGET: submit (open the link → load the form → send answers), insert or hello (the baselines);
prepare (open the link and load the form, and keep what the submit needs in BENCH_PREPARED) and send (only
the submit, from BENCH_PREPARED): the submit request measured on its own, like the insert view.
BENCH_TOKENS: a file of invitation tokens, one per line. BENCH_PEER_SURVEY: drive the peer instead
(django-survey-and-report's survey of that id, bench/peer.py): its flow is load the form → send answers, and
each flow uses up one line of BENCH_TOKENS, so both sides run as many. BENCH_PACED: each user completes one
flow per second (so the number of users is the rate); unset, users loop with no waiting (a closed loop, for throughput).
"""

import json
import os
import re
import resource
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, constant, constant_throughput, events, task
from locust.exception import StopUser

TARGET = os.environ.get("BENCH_TARGET", "submit")
TOKENS = Path(os.environ["BENCH_TOKENS"]).read_text().split() if TARGET in ("submit", "prepare") else []
PREPARED_FILE = os.environ.get("BENCH_PREPARED")
PREPARED = json.loads(Path(PREPARED_FILE).read_text()) if TARGET == "send" else []
PACED = bool(os.environ.get("BENCH_PACED"))
PEER_SURVEY = os.environ.get("BENCH_PEER_SURVEY")
PEER_PATH = f"/survey/{PEER_SURVEY}/"
RADIO = re.compile(r'name="(question_\d+)" value="([^"]+)"' if PEER_SURVEY else r'name="(q\d+)" value="(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Submits the server accepted, counted here rather than from locust's stats: flows still running when the
# time is up finish during the stop timeout, after the stats were written.
accepted = 0
prepared: list[dict] = []


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


# The generator's CPU while its users run (BENCH_CPU): its start-up (imports, spawning) is not a request's cost.
cpu_at_start = 0.0


@events.test_start.add_listener
def _cpu_start(environment, **kwargs):
    global cpu_at_start
    cpu_at_start = _cpu_seconds()


@events.test_stop.add_listener
def _cpu_stop(environment, **kwargs):
    if os.environ.get("BENCH_CPU"):
        Path(os.environ["BENCH_CPU"]).write_text(str(_cpu_seconds() - cpu_at_start))


@events.quitting.add_listener
def _write_accepted(environment, **kwargs):
    if os.environ.get("BENCH_ACCEPTED"):
        Path(os.environ["BENCH_ACCEPTED"]).write_text(str(accepted))
    if TARGET == "prepare":
        Path(PREPARED_FILE).write_text(json.dumps(prepared))


class Respondent(FastHttpUser):
    wait_time = constant_throughput(1) if PACED else constant(0)

    def on_start(self):
        if TARGET in ("send", "insert", "hello"):
            # The measured loops keep no cookies (a submit sends its prepared ones): parsing the submit's
            # Set-Cookie is a browser's work on the respondent's device, not the server's on its cores.
            self.client.client.cookiejar = None

    @task
    def act(self):
        if TARGET == "hello":
            self.client.get("/bench/hello/", name="hello")
        elif TARGET == "insert":
            self.client.post("/bench/insert/", data="row", name="insert")
        elif TARGET == "send" and PREPARED:
            self.send(PREPARED.pop())
        elif TARGET == "prepare" and TOKENS:
            self.client.cookiejar.clear()
            answers = self.open_form(TOKENS.pop())
            if answers:
                cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.client.cookiejar)
                # Encoded now, as the insert baseline's body is ready-made: the generator shares the server's cores.
                prepared.append({"answers": urlencode(answers), "cookie": cookies})
        elif TARGET == "submit" and TOKENS:
            self.client.cookiejar.clear()
            answers = self.open_form(TOKENS.pop())
            if answers:
                self.send({"answers": answers})
        else:
            raise StopUser  # no links left to use

    def open_form(self, token: str) -> dict | None:
        """Open the link and load the form (the peer: load its form); return the answers to send with its CSRF
        token, or None."""
        if not PEER_SURVEY:
            with self.client.get(f"/s/{token}/", name="link", allow_redirects=False, catch_response=True) as link:
                if link.status_code != 302:
                    link.failure(f"link answered {link.status_code}")
                    return None
        with self.client.get(PEER_PATH if PEER_SURVEY else "/survey/", name="form", catch_response=True) as form:
            csrf = CSRF.search(form.text or "")
            if form.status_code != 200 or not csrf:
                form.failure(f"form answered {form.status_code}")
                return None
        answers = dict(RADIO.findall(form.text))  # the last value of each question: a valid answer
        answers["csrfmiddlewaretoken"] = csrf.group(1)
        return answers

    def send(self, flow: dict) -> None:
        global accepted
        path, thanks = (PEER_PATH, "/survey/confirm/") if PEER_SURVEY else ("/survey/", "/survey/thanks/")
        headers = {"Referer": f"{self.host}{path}"}
        if isinstance(flow["answers"], str):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if "cookie" in flow:  # prepared by another run: its cookies
            headers["Cookie"] = flow["cookie"]
        with self.client.post(
            path, data=flow["answers"], name="submit", allow_redirects=False, catch_response=True, headers=headers,
        ) as sent:  # fmt: skip
            if sent.status_code != 302 or thanks not in sent.headers.get("Location", ""):
                sent.failure(f"submit answered {sent.status_code}")
            else:
                accepted += 1
