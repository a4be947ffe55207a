"""Scratch databases for benchmarks (never your data), and running a benchmark step in a process of its own."""

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRETS = {
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "EMAIL_URL": "memorymail://",
}


def base_env() -> dict[str, str]:
    """Return this environment without the database, broker and debug settings a benchmark sets itself."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env["PYTHONPATH"] = str(ROOT)
    return env


@contextmanager
def postgres_scratch(name: str):
    """Yield (environment pointing at a fresh database `name`, None), or (None, why) if PostgreSQL is away.

    The server is BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres); the database is
    dropped afterwards.
    """
    import psycopg

    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as error:
        yield None, f"PostgreSQL at {admin_url} is unreachable: {error}"
        return
    try:
        yield base_env() | SECRETS | {"DATABASE_URL": admin_url.rsplit("/", 1)[0] + f"/{name}"}, None
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_step(module: str, step: str, env: dict[str, str]) -> dict:
    """Run `python -m <module> <step>` and return the JSON object its last output line holds."""
    command = [sys.executable, "-m", module, step]  # our own module, fixed arguments
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode:
        raise RuntimeError(f"{module} {step} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def cycle_for_people(name: str, *, teams: int, people: int):
    """Create a root team `name`, `teams` teams under it sharing `people` people, and a week-long cycle for
    everyone, not yet opened; return the cycle. Runs inside a step, after django.setup()."""
    from datetime import timedelta

    from django.utils import timezone

    from surveys.models import Cycle, Person, SurveyTemplate, Team

    root = Team.objects.create(name=name)
    created = Team.objects.bulk_create(Team(name=f"Team {t}", parent=root) for t in range(teams))
    Person.objects.bulk_create(
        (Person(email=f"p{i}@example.com", name=f"P {i}", team=created[i % teams]) for i in range(people)),
        batch_size=5000,
    )
    now = timezone.now()
    return Cycle.objects.create(
        name=name, template=SurveyTemplate.objects.first(), opens_at=now, closes_at=now + timedelta(days=7)
    )


def rows_insert(model, fields: tuple[str, ...], rows) -> None:
    """Insert rows of plain values fast, for loading bench data: PostgreSQL's COPY, elsewhere one prepared
    statement run for every row (executemany)."""
    from django.db import connection

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        # Names from the model, values as parameters or COPY's own encoding.
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            statement = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
            cursor.executemany(statement, rows)
