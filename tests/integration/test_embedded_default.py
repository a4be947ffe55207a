"""With no environment at all, beat and a real worker still run the schedule (SQLite + filesystem broker)."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, WorkerProcess, invitation_paths, wait_for, worker_env

SETUP = """
from datetime import timedelta
from django.utils import timezone
from surveys.models import Cycle, Person, SurveyTemplate, Team
team = Team.objects.create(name="Platform")
for i in range(3):
    Person.objects.create(email=f"p{i}@example.com", name=f"P{i}", team=team)
now = timezone.now()
cycle = Cycle.objects.create(
    name="Embedded", template=SurveyTemplate.objects.get(slug="psychological-safety-pulse"),
    opens_at=now, closes_at=now + timedelta(seconds=12),
)
cycle.teams.set([team])
"""
STATE = "from surveys.models import Cycle; print(Cycle.objects.get(name='Embedded').state)"


def manage(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def test_the_embedded_default_opens_invites_and_closes_with_a_real_worker_and_beat(tmp_path, mail_dir):
    # given: nothing configured but a private data folder, a fast tick and mail written to files
    env = worker_env(ALIGN_DATA_DIR=str(tmp_path / "var"), EMAIL_URL=f"filemail:///{mail_dir}")
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", SETUP)
    worker = WorkerProcess(env, tmp_path / "worker.log")
    try:
        # when
        worker.start()
        # then: beat opened the cycle, the worker emailed all three, and beat closed it at the deadline
        wait_for(lambda: len(invitation_paths(mail_dir)) == 3, timeout=40, what="three invitation emails")
        wait_for(lambda: manage(env, "shell", "-c", STATE) == "closed", timeout=40, what="the cycle to close")
        assert (tmp_path / "var" / "align.sqlite3").exists()
        assert "filesystem" in worker.log()
    finally:
        worker.stop()
    # Beat recorded its runs where the beat container's healthcheck looks for them.
    assert manage(env, "check_beat").startswith("beat ok")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _processes_of(data_dir: Path) -> list[int]:
    """Return the live processes started with ALIGN_DATA_DIR set to `data_dir` (read from /proc)."""
    marker = f"ALIGN_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            ours = entry.name.isdigit() and marker in (entry / "environ").read_bytes().split(b"\0")
            if ours and (entry / "stat").read_text().split()[2] != "Z":  # a zombie has ended
                found.append(int(entry.name))
        except OSError:
            continue  # ended while read, or not ours to read
    return found


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_make_serve_stops_its_web_server_worker_and_beat_when_its_process_group_is_signalled(tmp_path, stop):
    # given: `make serve` (what `make run` starts after seeding) on a migrated private data folder
    data_dir = tmp_path / "var"
    env = worker_env(ALIGN_DATA_DIR=str(data_dir), EMAIL_URL="consolemail://")
    manage(env, "migrate", "--noinput")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"PORT={free_port()}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's foreground job
        )  # fmt: skip
    try:
        wait_for(lambda: "ready." in log.read_text(), timeout=60, what="the worker to be ready")
        assert len(_processes_of(data_dir)) >= 4  # web server, worker, its pool and beat
        # when: Ctrl-C in the terminal, or a SIGTERM from a process manager, to the whole group
        os.killpg(make.pid, stop)
        # then: everything it started ends, the worker by its warm shutdown
        make.wait(timeout=60)
        wait_for(lambda: not _processes_of(data_dir), timeout=30, what="every process of make serve to end")
        assert "Warm shutdown" in log.read_text()
    finally:
        for pid in _processes_of(data_dir):
            os.kill(pid, signal.SIGKILL)
