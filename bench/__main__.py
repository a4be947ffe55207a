"""Run the benchmarks and print a table of app vs baseline (measured in the same run) with their ratio.

python -m bench            # every benchmark
python -m bench analysis   # one
"""

import sys

from .common import machine

BENCHMARKS = ["analysis", "analysis_db", "dashboard", "fanout", "spike"]


def main(names: list[str]) -> None:
    import importlib

    import django

    django.setup()
    print(f"Machine: {machine()}\n")
    print(f"{'benchmark':<45} {'app':>14} {'baseline':>14} {'ratio':>8}")
    for name in names or BENCHMARKS:
        for result in importlib.import_module(f"bench.{name}").run():
            print(f"{result['benchmark']:<45} {result['app']:>14} {result['baseline']:>14} {result['ratio']:>7.2f}×")
            if result.get("note"):
                print(f"    {result['note']}")


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsite.settings")
    main(sys.argv[1:])
