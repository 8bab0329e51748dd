"""The data-value versus data-protection curve on the demo city, timed.

Runs `demandcast privacy-report` (fast settings unless --full is passed through) and prints the
wall time; the table goes to OUT/privacy_report.csv and the chart to OUT/privacy_report.png.

Usage: .venv/bin/python benchmarks/privacy_report.py [--out /tmp/privacy] [--seed 20260331] [--full]
(benchmarks/privacy_report.md records a run with --seed 0, the second demo city.)
"""

from __future__ import annotations

import sys
import time

import demandcast.cli.privacy_report  # noqa: F401  (registers the command)
from demandcast.cli.app import app


def main() -> None:
    arguments = ["privacy-report", *(sys.argv[1:] or ["--out", "/tmp/privacy"])]
    start = time.perf_counter()
    try:
        app(arguments, standalone_mode=False)
    finally:
        sys.stdout.write(f"wall time {time.perf_counter() - start:.0f} s\n")


if __name__ == "__main__":
    main()
