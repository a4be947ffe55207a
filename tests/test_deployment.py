"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so check what they name exists."""

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def commands_named() -> list[list[str]]:
    found = []
    for service in SERVICES.values():
        if "command" in service:
            found.append(service["command"])
        test = service.get("healthcheck", {}).get("test")
        if test and test[0] == "CMD":
            found.append(test[1:])
        elif test and test[0] == "CMD-SHELL":
            found.append(shlex.split(test[1]))
    dockerfile_cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    found.append(yaml.safe_load(dockerfile_cmd))
    return found


def test_compose_defines_db_redis_web_worker_and_beat_each_with_a_healthcheck():
    for name in ("db", "redis", "web", "worker", "beat"):
        assert name in SERVICES, name
        assert SERVICES[name]["healthcheck"]["test"], name
    assert SERVICES["db"]["image"].startswith("postgres")
    assert SERVICES["redis"]["image"].startswith("redis")


def test_web_worker_and_beat_use_postgresql_and_redis():
    for name in ("web", "worker", "beat"):
        environment = SERVICES[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://")


@pytest.mark.parametrize("command", commands_named(), ids=lambda c: " ".join(c)[:60])
def test_every_command_compose_and_the_dockerfile_name_exists_in_the_project(command):
    program = command[0]
    if program == "gunicorn":
        module, attribute = command[1].split(":")
        assert hasattr(importlib.import_module(module), attribute)
    elif program == "celery":
        assert command[1] == "-A"
        assert importlib.import_module(f"{command[2]}.celery").app.main == command[2]
        assert command[3] in {"worker", "beat", "inspect"}
    elif program == "python" and command[1] == "manage.py":
        assert command[2] in get_commands(), f"no management command {command[2]}"
    elif program == "python" and command[1] == "-c":
        compile(command[2], "<healthcheck>", "exec")
        assert "/healthz" in command[2]
    elif program in {"pg_isready", "redis-cli", "redis-server"}:
        pass  # shipped in the official postgres and redis images
    else:
        pytest.fail(f"unexpected program {program!r}")


def test_everything_the_dockerfile_copies_exists():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source


def test_the_healthcheck_url_is_routed(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
