"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so check what they name exists."""

import importlib
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

from tests.conftest import IN_CI

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


def test_the_image_holds_every_app_and_the_translations_the_settings_name():
    from django.conf import settings

    copied = {
        (ROOT / source).resolve()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
    }
    local_apps = {ROOT / app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    needed = {path.resolve() for path in local_apps | {Path(p) for p in settings.LOCALE_PATHS}}
    assert sorted(map(str, needed - copied)) == []


def test_the_healthcheck_url_is_routed(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


CADDYFILE = ROOT / "deploy" / "Caddyfile"


def caddyfile_lines() -> list[str]:
    return [line.split("#")[0].strip() for line in CADDYFILE.read_text().splitlines() if line.split("#")[0].strip()]


def test_only_the_proxy_publishes_ports_and_web_is_reachable_only_on_the_compose_network():
    assert [name for name, service in SERVICES.items() if "ports" in service] == ["proxy"]
    assert SERVICES["web"]["expose"] == ["8000"]


def test_the_proxy_is_caddy_from_its_official_image_with_the_committed_caddyfile():
    proxy = SERVICES["proxy"]
    assert re.fullmatch(r"caddy:2(\.\d+)*", proxy["image"])  # Docker Hub's official image, no registry prefix
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert CADDYFILE.is_file()
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert "{$SITE_URL} {" in caddyfile_lines() and "SITE_URL" in proxy["environment"]


def test_the_proxy_overwrites_x_real_ip_with_the_peer_and_leaves_forwarded_headers_to_caddy():
    lines = caddyfile_lines()
    port = SERVICES["web"]["command"][SERVICES["web"]["command"].index("--bind") + 1].split(":")[1]
    assert f"reverse_proxy web:{port} {{" in lines
    # Without a + the header is set, replacing the client's; {remote_host} is the connection's peer.
    assert "header_up X-Real-IP {remote_host}" in lines
    assert not [line for line in lines if line.startswith("header_up +")]
    # Listing trusted_proxies would make Caddy keep a client's X-Forwarded-Proto and X-Forwarded-For.
    assert not [line for line in lines if line.startswith("trusted_proxies")]


def test_web_counts_clients_by_the_header_the_proxy_overwrites():
    environment = SERVICES["web"]["environment"]
    header = next(line.split()[1] for line in caddyfile_lines() if line.startswith("header_up X-Real-IP"))
    assert environment["ALIGN_CLIENT_IP_META_KEY"] == "HTTP_" + header.upper().replace("-", "_")
    assert environment["BEHIND_TLS_PROXY"] == "true"


def test_gunicorn_drops_headers_spelled_with_underscores_so_x_real_ip_cannot_be_smuggled_past_caddy():
    # Caddy passes "X_Real_IP: forged" on untouched; with --header-map dangerous gunicorn would map it to
    # HTTP_X_REAL_IP too, beside the header Caddy set.
    from gunicorn.config import HeaderMap

    assert HeaderMap.default == "drop"
    assert not [command for command in commands_named() if "--header-map" in command]


def test_the_caddyfile_is_valid_for_caddy(tmp_path):
    if not shutil.which("caddy"):
        message = "caddy is not installed (Debian: apt-get install caddy)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    done = subprocess.run(
        ["caddy", "adapt", "--config", str(CADDYFILE), "--validate"],
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SITE_URL": "https://align.example.com"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"warn"' not in done.stderr, done.stderr


def test_the_virtualenv_make_builds_has_a_setuptools_without_known_vulnerabilities():
    # venv seeds an old setuptools (65.5.0 on Python 3.11: PYSEC-2022-43012, and CVE-2024-6345 before 70.0);
    # the Makefile upgrades it with pip.
    from importlib.metadata import version

    major, minor = (int(part) for part in version("setuptools").split(".")[:2])
    assert (major, minor) >= (70, 0)
    assert "--upgrade pip setuptools" in (Path(__file__).resolve().parent.parent / "Makefile").read_text()
