"""Real processes for integration tests: a Celery worker with embedded beat, and reading the mail it sends."""

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from email import message_from_string, policy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https?://[^/\s]+(/s/[A-Za-z0-9_-]+/)")


def wait_for(condition, *, timeout: float, interval: float = 0.5, what: str = "condition"):
    """Poll condition() until it returns something truthy; fail with `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def database_dsn() -> dict[str, str]:
    """Connection arguments for psycopg to this test's database (for side connections that lock or watch)."""
    from django.db import connection

    db = connection.settings_dict
    return {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "dbname": db["NAME"]}


def invitation_paths(mail_dir: Path) -> dict[str, str]:
    """Return {recipient: invitation path} for every email the file backend wrote."""
    found = {}
    for log in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        # The file backend separates messages with a line of 79 dashes.
        for raw in log.read_text().split("-" * 79):
            if not raw.strip():
                continue
            message = message_from_string(raw.strip(), policy=policy.default)
            body = message.get_body(preferencelist=("plain",)).get_content()
            match = LINK.search(body)
            if match:
                found[message["To"]] = match.group(1)
    return found


class WorkerProcess:
    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, *extra: str) -> None:
        command = [
            sys.executable, "-m", "celery", "-A", "alignsite", "worker", "--beat", "--loglevel=info",
            "--concurrency=2", "--without-gossip", "--without-mingle", "-n", f"test-{uuid.uuid4().hex[:8]}@%h", *extra,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log_path.open("w"), stderr=subprocess.STDOUT
        )
        wait_for(lambda: "ready." in self.log(), timeout=60, what="the Celery worker to be ready")

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # Shown by pytest only when the test failed.
        print("---- worker log (tail) ----\n" + self.log()[-6000:])


def worker_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(ALIGN_TICK_SECONDS="1", ALIGN_DORA_DEBOUNCE_SECONDS="1", PYTHONUNBUFFERED="1", **overrides)
    return env


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


def services_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker on this run's Redis and this test's PostgreSQL database, its queue purged."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail(f"service tests need PostgreSQL; DATABASE_URL points at {db['ENGINE']}")
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = worker_env(
        **{
            "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": os.environ["REDIS_URL"],
            "SECRET_KEY": os.environ.get("SECRET_KEY", "integration-test-secret-key-0123456789abcdefghijklmnop"),
        }
        | overrides
    )
    # A previous run's leftover tasks must not leak into this one.
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "alignsite", "purge", "-f"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    return env


@pytest.fixture
def service_worker(transactional_db, tmp_path, mail_dir):
    """A real Celery worker + beat on Redis, using this test's PostgreSQL database."""
    worker = WorkerProcess(services_env(EMAIL_URL=f"filemail:///{mail_dir}"), tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """A real SMTP server on loopback that records the messages it accepts (answered 250).

    `hold_at(n)`: the n-th message is held, unanswered, until `release()`, then refused with a 451, as a mail
    server that stalls and drops the connection would. Only accepted messages count as delivered.
    """

    def __init__(self):
        self.accepted: list[tuple[str, str]] = []  # (recipient, message text)
        self.holding_at: int | None = None
        self.held = threading.Event()
        self.released = threading.Event()

    def hold_at(self, number: int) -> None:
        self.holding_at = number

    def release(self) -> None:
        self.released.set()

    def recipients(self) -> list[str]:
        return sorted(recipient for recipient, _ in self.accepted)

    async def handle_DATA(self, server, session, envelope):
        if self.holding_at is not None and len(self.accepted) + 1 >= self.holding_at and not self.released.is_set():
            self.held.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        text = envelope.content.decode("utf-8", errors="replace")
        self.accepted.extend((recipient, text) for recipient in envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    port = free_port()  # not 0: the controller checks it is up by connecting to its port
    sink = SmtpSink()
    sink.port = port
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink
    sink.release()
    controller.stop()


@pytest.fixture
def smtp_worker(transactional_db, tmp_path, smtp_sink):
    """A real Celery worker + beat, like service_worker, whose email goes to `smtp_sink` over SMTP."""
    worker = WorkerProcess(services_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp_sink.port}"), tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()


class RedisServer:
    """A Redis of this test's own on loopback (no persistence, like the real one), to stop and start at will."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(self.directory)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for(self.answers, timeout=30, interval=0.1, what="the test's Redis to start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def answers(self) -> bool:
        import redis

        try:
            return self.client().ping()
        except redis.exceptions.ConnectionError:
            return False


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.fail("this test starts its own Redis: install redis-server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
