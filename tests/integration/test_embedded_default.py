"""With no environment at all, beat and a real worker still run the schedule (SQLite + filesystem broker)."""

import subprocess
import sys

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
