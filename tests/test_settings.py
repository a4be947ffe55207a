"""Settings are read strictly from the environment: each case imports them in a fresh interpreter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRINT = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.DEBUG, s.CELERY_BROKER_URL)"


def settings_with(tmp_path, show=PRINT, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY",
                                                              "EMAIL_URL"}}  # fmt: skip
    clean.update(DJANGO_SETTINGS_MODULE="alignsite.settings", ALIGN_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {show}"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_no_environment_gives_the_embedded_default(tmp_path):
    done = settings_with(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["django.db.backends.sqlite3", "True", "filesystem://localhost//"]
    assert (tmp_path / "broker" / "queue").is_dir()


def test_database_and_redis_urls_switch_to_postgresql_and_redis(tmp_path):
    done = settings_with(
        tmp_path,
        DATABASE_URL="postgres://u@db:5432/align",
        REDIS_URL="redis://cache:6379/0",
        SECRET_KEY="x" * 50,
        EMAIL_URL="smtp://mail:25",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["django.db.backends.postgresql", "False", "redis://cache:6379/0"]


def test_statements_are_prepared_only_when_asked_and_not_at_all_when_turned_off_for_a_pooler(tmp_path):
    production = {"DATABASE_URL": "postgres://u@db:5432/align", "SECRET_KEY": "x" * 50, "EMAIL_URL": "smtp://mail:25"}
    show = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS'].get('prepare_threshold'))"
    on = settings_with(tmp_path, show=show, **production)
    off = settings_with(tmp_path, show=show, DATABASE_PREPARED_STATEMENTS="false", **production)
    assert (on.stdout.split(), off.stdout.split()) == ([str(2**31 - 1)], ["None"]), on.stderr + off.stderr


def test_a_production_database_without_a_secret_key_refuses_to_start(tmp_path):
    done = settings_with(tmp_path, DATABASE_URL="postgres://u@db:5432/align", EMAIL_URL="smtp://mail:25")
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_production_without_an_email_url_refuses_to_start_rather_than_print_links_to_the_log(tmp_path):
    done = settings_with(tmp_path, DATABASE_URL="postgres://u@db:5432/align", SECRET_KEY="x" * 50)
    assert done.returncode != 0
    assert "EMAIL_URL" in done.stderr


def test_a_boolean_that_does_not_parse_is_an_error_not_false(tmp_path):
    done = settings_with(tmp_path, DEBUG="maybe")
    assert done.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in done.stderr


def test_a_number_that_does_not_parse_is_an_error(tmp_path):
    done = settings_with(tmp_path, ALIGN_TICK_SECONDS="soon")
    assert done.returncode != 0
    assert "ALIGN_TICK_SECONDS='soon' is not a whole number" in done.stderr


def production_env_from_the_example(tmp_path) -> dict[str, str]:
    """Return the variables .env.example sets, with its placeholders for secrets and hosts filled in."""
    example = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            example[key] = value
    example.pop("REDIS_URL", None)
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests in this process; a deployment never sets it.
    unset = {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return (
        clean
        | example
        | {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
            "SECRET_KEY": "a" + "Zq8#kP2$vN5!xR7@mT4%wB9^yC3&hL6*" * 2,
            "ALIGN_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "alignsite.settings",
        }
    )


def test_the_deployment_checklist_passes_with_the_production_settings_of_the_example(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env_from_the_example(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout


def test_a_malformed_link_guessing_rate_stops_the_checks(settings):
    from django.core.management import CommandError, call_command

    settings.ALIGN_TOKEN_GUESS_RATE = "twenty an hour"
    with pytest.raises(CommandError, match=r"align\.E001"):
        call_command("check")


def test_the_embedded_default_makes_a_secret_key_of_its_own_and_keeps_it(tmp_path):
    # A key everyone knows would let anyone with the demo's database work out who answered (the markers).
    show = "from django.conf import settings as s; print(s.SECRET_KEY)"
    first, again = settings_with(tmp_path, show=show), settings_with(tmp_path, show=show)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key == again.stdout.strip()
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert settings_with(tmp_path.parent / "elsewhere", show=show).stdout.strip() != key
