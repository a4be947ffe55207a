"""Align's settings plus the benchmark baselines' URLs. Used only by `bench/`, never deployed."""

from alignsite.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
