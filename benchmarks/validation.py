"""Benchmark record validation: rows per second and peak memory on a seeded extract with quirks.

Usage: .venv/bin/python benchmarks/validation.py [--rows 200000] [--seed 1]
Prints one markdown table row; paste it into benchmarks/validation.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from demandcast.catalogue import load_catalogue
from demandcast.data.dirty import inject_quirks
from demandcast.data.records import read_records
from demandcast.data.validation import validate_records

WARD_FACTS = Path(__file__).resolve().parents[1] / "src" / "demandcast" / "data" / "birmingham_wards.csv"
AS_OF = pd.Timestamp("2026-03-31")


def seeded_records(n: int, seed: int) -> pd.DataFrame:
    """Valid typed records with every contract and numeric optional column."""
    rng = np.random.default_rng(seed)
    wards = pd.read_csv(WARD_FACTS)["code"].to_numpy()
    pairs = load_catalogue().pairs()
    group, service = (np.array(column) for column in zip(*pairs, strict=True))
    pick = rng.integers(0, len(pairs), n)
    start = AS_OF - pd.to_timedelta(rng.integers(0, 8 * 365, n), unit="D")
    end = pd.Series(start + pd.to_timedelta(rng.integers(0, 1000, n), unit="D"))
    units, unit_cost = rng.integers(1, 40, n).astype(float), np.round(rng.lognormal(3, 0.5, n), 2)
    frame = pd.DataFrame(
        {
            "person_id": [f"P{i:07d}" for i in rng.integers(0, n // 2, n)],
            "ward_code": rng.choice(wards, n),
            "client_group": group[pick],
            "service": service[pick],
            "start_date": pd.Series(start).astype("datetime64[us]"),
            "end_date": end.where((end <= AS_OF) & (rng.random(n) < 0.6)).astype("datetime64[us]"),
            "weekly_cost": np.round(units * unit_cost, 2),
            "package_id": [f"K{i:08d}" for i in range(n)],
            "birth_year": pd.array(rng.integers(1925, 2024, n), dtype="Int64"),
            "unit_cost": unit_cost,
            "units_per_week": units,
        }
    )
    frame.attrs["as_of"] = f"{AS_OF:%Y-%m-%d}"
    return frame


def write_extract(rows: int, seed: int, path: Path) -> None:
    """A seeded extract with about 1% of rows per quirk, as a council CSV."""
    dirty, _ = inject_quirks(seeded_records(rows, seed), seed)
    dirty.to_csv(path, index=False)


def measure(path: Path) -> dict[str, float]:
    """Read and validate `path` in this (fresh) process; peak RSS covers imports, reading and validating."""
    wards, catalogue = set(pd.read_csv(WARD_FACTS)["code"]), load_catalogue()
    started = time.perf_counter()
    raw = read_records(path)
    read_seconds = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = validate_records(raw, wards=wards, catalogue=catalogue, as_of=AS_OF)
    seconds = time.perf_counter() - started
    assert result.n_input == len(result.accepted) + len(result.quarantine)
    return {
        "rows": len(raw),
        "quarantined": len(result.quarantine),
        "read_s": read_seconds,
        "validate_s": seconds,
        "rows_per_s": len(raw) / seconds,
        "rss_before_mb": rss_before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "records.csv"
        write_extract(args.rows, args.seed, csv)
        measured = subprocess.run(
            [sys.executable, __file__, "--measure", str(csv)], check=True, capture_output=True, text=True
        )
    m = json.loads(measured.stdout)
    print(
        f"| {time.strftime('%Y-%m-%d')} | {m['rows']:,} | {m['quarantined']:,} | {m['read_s']:.2f} "
        f"| {m['validate_s']:.2f} | {m['rows_per_s']:,.0f} "
        f"| {m['rss_before_mb']:.0f} | {m['peak_rss_mb']:.0f} "
        f"| Python {platform.python_version()}, pandas {pd.__version__}, {os.cpu_count()} cores |"
    )


if __name__ == "__main__":
    main()
