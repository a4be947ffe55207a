"""Align's settings plus the benchmark baselines' URLs. Used only by `bench/`, never deployed."""

import os

from alignsite.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_MAIL_LOG"):  # the fan-out benchmark: emails serialised and counted (bench/mail.py)
    ALIGN_EMAIL_BACKEND = "bench.mail.CountingBackend"
