"""What every benchmark prints: the machine, and app vs baseline with their ratio."""

import os
import platform
import sys
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass


def machine() -> str:
    import numpy
    import scipy

    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"numpy {numpy.__version__}, scipy {scipy.__version__}"
    )


@dataclass
class Measure:
    seconds: float = 0.0
    peak_mib: float = 0.0


@contextmanager
def measured():
    """Time a block and record its peak Python-allocated memory (numpy arrays included)."""
    result = Measure()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - start
        result.peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()


def row(name: str, app: float, baseline: float, unit: str, higher_is_better: bool) -> dict:
    ratio = app / baseline if higher_is_better else baseline / app
    return {"benchmark": name, "app": f"{app:.4g} {unit}", "baseline": f"{baseline:.4g} {unit}", "ratio": ratio}


def unavailable(name: str, why: str) -> dict:
    """Return a result row for a benchmark that could not run here, saying why."""
    return {"benchmark": name, "app": "-", "baseline": "-", "ratio": float("nan"), "note": why}
