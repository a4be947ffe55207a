"""Run the benchmarks and print a table of app vs baseline (measured in the same run) with their ratio.

python -m bench            # every benchmark
python -m bench analysis   # one
python -m bench calibration  # does a finding mean what it says? (simulated organisations; prints its own table)
python -m bench disclosure   # does the disclosure audit hold on 200 generated organisations? (its own table)
python -m bench --full analysis_scale  # at full size (BENCH_FULL=1): issue #24's 100,000-person organisation
"""

import sys

from .common import machine

BENCHMARKS = [
    "analysis",
    "analysis_db",
    "analysis_scale",
    "aggregation",
    "dashboard",
    "fanout",
    "spike",
    "peer",
    "calibration",
    "disclosure",
]


def main(names: list[str]) -> None:
    import importlib

    import django

    django.setup()
    print(f"Machine: {machine()}\n")
    print(f"{'benchmark':<45} {'app':>14} {'baseline':>14} {'ratio':>8}")
    for name in names or BENCHMARKS:
        for result in importlib.import_module(f"bench.{name}").run():
            if "table" in result:  # a report of its own (calibration), not app against baseline
                print(f"\n{name}:\n{result['table']}\n")
                continue
            print(f"{result['benchmark']:<45} {result['app']:>14} {result['baseline']:>14} {result['ratio']:>7.2f}×")
            if result.get("note"):
                print(f"    {result['note']}")


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsite.settings")
    if "--full" in sys.argv:  # benchmarks that have one run their full size (read when they are imported)
        os.environ["BENCH_FULL"] = "1"
    main([name for name in sys.argv[1:] if name != "--full"])
