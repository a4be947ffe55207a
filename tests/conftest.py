import os

import pytest
from django.core.cache import cache

from alignsite.celery import app as celery_app

IN_CI = os.environ.get("CI", "").lower() == "true"
HAVE_SERVICES = bool(os.environ.get("DATABASE_URL")) and bool(os.environ.get("REDIS_URL"))


def pytest_collection_modifyitems(config, items):
    """Service tests need PostgreSQL, Redis and a worker: skipped locally without them, required in CI."""
    if HAVE_SERVICES:
        return
    for item in items:
        if "services" not in item.keywords:
            continue
        if IN_CI:
            item.fixturenames.insert(0, "_fail_without_services")
        else:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL; CI sets both"))


@pytest.fixture
def _fail_without_services():
    pytest.fail("CI=true but DATABASE_URL or REDIS_URL is missing: service tests must run in CI, not skip.")


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Run Celery tasks in-process for unit tests; service tests talk to a real worker instead."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = "services" not in request.keywords
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _locmem_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()  # locmem caches share their store: no count may leak from one test into the next


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production uses whitenoise's manifest storage, which needs collectstatic; tests render without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _builtin_data_after_flushes(request):
    """Transactional tests (live server, real worker) flush the database, data migrations included."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        from tests.factories import builtin_data_install

        request.getfixturevalue("transactional_db")
        builtin_data_install()
