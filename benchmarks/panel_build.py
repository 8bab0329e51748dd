"""Benchmark: build the monthly ward panel; wall time, records per second and peak memory.

Runs on the demo city when `demandcast.data.demo.generate_demo_city` is available, and always on a
seeded 150k-record frame of the same shape (69 wards, every catalogue pair, 72 months ending March 2026).
Also on the demo city with every package priced again each April, a row per price under its
package_id (demandcast.data.demo.uplifts, as an extract with April uplifts holds it), where the panel
folds the continuing rows into one package (features.packages). Writes the table to benchmarks/panel.md.

    .venv/bin/python benchmarks/panel_build.py
"""

from __future__ import annotations

import platform
import resource
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    CLIENT_GROUP,
    END_DATE,
    PERSON_ID,
    SERVICE,
    START_DATE,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.demo.uplifts import priced_each_april
from demandcast.data.wards import ward_attributes
from demandcast.features.panel import monthly_panel

AS_OF = "2026-03-31"
REPEATS = 3
TABLE = Path(__file__).with_name("panel.md")


def seeded_records(n_records: int, ward_codes: list[str], seed: int = 20260331) -> pd.DataFrame:
    """Records shaped like a city extract: stock from before the window, lognormal durations, open ends."""
    rng = np.random.default_rng(seed)
    pairs = load_catalogue().pairs()
    pair = rng.integers(len(pairs), size=n_records)
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 4107, size=n_records), unit="D")
    end = start + pd.to_timedelta(np.rint(rng.lognormal(np.log(300), 1.0, size=n_records)), unit="D")
    end = end.where((rng.random(n_records) > 0.15) & (end <= pd.Timestamp(AS_OF)))
    person = rng.integers(0, n_records // 2, size=n_records)
    return pd.DataFrame(
        {
            PERSON_ID: pd.array([f"P{i:07d}" for i in person], dtype="str"),
            WARD_CODE: rng.choice(ward_codes, size=n_records),
            CLIENT_GROUP: [pairs[i][0] for i in pair],
            SERVICE: [pairs[i][1] for i in pair],
            START_DATE: start,
            END_DATE: end,
            WEEKLY_COST: np.round(rng.lognormal(np.log(450), 0.9, size=n_records), 2),
        }
    )


def demo_records() -> pd.DataFrame | None:
    """The demo city's records, or None while the demo generator is not available."""
    try:
        from demandcast.data.demo import generate_demo_city
    except ImportError:
        return None
    return generate_demo_city()


def measured(build: Callable[[], pd.DataFrame]) -> dict[str, float]:
    """Best-of-REPEATS wall time, then peak traced memory of one more (slower, traced) run."""
    seconds = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        panel = build()
        seconds.append(time.perf_counter() - began)
    tracemalloc.start()
    build()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": min(seconds), "peak_mib": peak / 2**20, "panel_rows": len(panel)}


def row(name: str, records: pd.DataFrame, ward_codes: list[str]) -> str:
    catalogue = load_catalogue()
    result = measured(lambda: monthly_panel(records, ward_codes=ward_codes, catalogue=catalogue, as_of=AS_OF))
    return (
        f"| {name} | {len(records):,} | {result['panel_rows']:,} | {result['seconds']:.2f} "
        f"| {len(records) / result['seconds']:,.0f} | {result['peak_mib']:.0f} |"
    )


def main() -> None:
    ward_codes = ward_attributes()[WARD_CODE].astype(str).tolist()
    rows = [row("seeded frame (150k records)", seeded_records(150_000, ward_codes), ward_codes)]
    demo = demo_records()
    if demo is not None:
        rows.append(row("demo city (default seed)", demo, ward_codes))
        priced = priced_each_april(demo, "2020-04-01")  # the first month of the 72 ending at AS_OF
        rows.append(row("demo city, priced again each April (a row per price)", priced, ward_codes))
    max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "# Monthly panel build",
        "",
        "`monthly_panel` over 69 wards x every catalogue pair x 72 months x 3 measures, as of "
        f"{AS_OF}. Wall time is the best of {REPEATS} runs; peak memory is what tracemalloc saw during "
        "one build (numpy and pandas allocations), on top of the records themselves.",
        "",
        "| records | rows in | panel rows | seconds | records/s | peak MiB |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Measured {date.today():%Y-%m-%d} on {platform.machine()}, Python {platform.python_version()}, "
        f"pandas {pd.__version__}, numpy {np.__version__}; process max RSS {max_rss_mib:,.0f} MiB.",
        "",
        "Run: `.venv/bin/python benchmarks/panel_build.py`",
        "",
    ]
    TABLE.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
