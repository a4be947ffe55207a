"""A task that kills the process running it, every time (imported by the poison-task test's worker only)."""

import os
import signal
from pathlib import Path

from alignsite.celery import app


@app.task(name="tests.poison")
def poison(runs_file: str) -> None:
    with Path(runs_file).open("a") as runs:
        runs.write("run\n")
    os.kill(os.getpid(), signal.SIGKILL)
