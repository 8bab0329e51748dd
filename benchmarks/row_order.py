"""Does the order of an extract's rows reach the forecasts? The demo city trained as generated and shuffled.

A council's extract may come sorted by person, by start date or not at all; the same records in
another order must give the same panel and the same forecasts (benchmarks/holdout.md, decision 60).
This script generates a demo city (`demandcast generate`'s defaults, or --priced-each-april for a
row per price), writes it again with its rows shuffled (`DataFrame.sample(frac=1)`), and trains on
both as `demandcast train --records` does (the library's `train_to_folder`, no MLflow run). It
reports the panel cells whose values differ (exactly; the largest difference) and whether each
output file of the two trainings is byte-identical, with the largest relative difference of the
forecasts' means where they are not.

Usage: .venv/bin/python benchmarks/row_order.py [--seed 20260331] [--shuffle-seed 1]
       [--priced-each-april] [--work /tmp/demandcast-row-order] [--out benchmarks/row_order.md]
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from provenance import short_commit

from demandcast.columns import MEAN, VALUE
from demandcast.models.executor import ProcessExecutor
from demandcast.models.training import TrainConfig
from demandcast.pipeline import data_from_records, train_to_folder
from demandcast.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("forecasts.parquet", "backtest.parquet", "metrics.json", "decisions.json")
RECORDS, WARDS = "records.parquet", "wards.geojson"


def generated(folder: Path, seed: int, priced_each_april: bool) -> None:
    """The demo city's records and wards in `folder`, as `demandcast generate` writes them."""
    command = [str(Path(sys.executable).with_name("demandcast")), "generate", "--out", str(folder)]
    command += ["--seed", str(seed), *(["--priced-each-april"] if priced_each_april else [])]
    subprocess.run(command, check=True, capture_output=True)


def shuffled(source: Path, folder: Path, shuffle_seed: int) -> None:
    """The same records and wards in `folder`, the records' rows in a random order."""
    folder.mkdir(parents=True, exist_ok=True)
    records = pd.read_parquet(source / RECORDS)
    records.sample(frac=1, random_state=shuffle_seed).reset_index(drop=True).to_parquet(folder / RECORDS)
    (folder / WARDS).write_bytes((source / WARDS).read_bytes())


def trained(folder: Path) -> tuple[pd.DataFrame, float]:
    """Train on the folder's records into folder/model with `demandcast train`'s default seed; the
    hierarchical panel and the seconds taken."""
    started = time.perf_counter()
    data = data_from_records(folder / RECORDS, folder / WARDS)
    config = TrainConfig(seed=Settings().seed)
    train_to_folder(data, config, folder / "model", executor=ProcessExecutor(n_jobs=2))
    return data.hpanel, time.perf_counter() - started


def panel_difference(first: pd.DataFrame, second: pd.DataFrame) -> tuple[int, int, float]:
    """Cells, cells whose value differs, and the largest absolute difference, keys matched."""
    keys = [column for column in first.columns if column != VALUE]
    both = first.merge(second, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    if (both["_merge"] != "both").any():
        raise AssertionError("the two panels do not hold the same cells")
    difference = (both[f"{VALUE}_a"] - both[f"{VALUE}_b"]).abs()
    return len(both), int((difference > 0).sum()), float(difference.max())


def output_rows(first: Path, second: Path) -> list[tuple[str, bool, str]]:
    """Per output file: identical bytes or not, and for the forecasts the largest relative difference."""
    rows = []
    for name in OUTPUTS:
        same = (first / name).read_bytes() == (second / name).read_bytes()
        note = ""
        if name == "forecasts.parquet" and not same:
            a, b = pd.read_parquet(first / name), pd.read_parquet(second / name)
            relative = (a[MEAN] - b[MEAN]).abs() / a[MEAN].abs().where(a[MEAN] != 0)
            note = f"means differ by up to {relative.max():.1e} (relative)"
        rows.append((name, same, note))
    return rows


def report(args: argparse.Namespace, cells: tuple[int, int, float], rows: list, seconds: list[float]) -> str:
    total, differing, largest = cells
    city = "a row per price (--priced-each-april)" if args.priced_each_april else "a row per package"
    lines = [
        "# The extract's row order and the forecasts",
        "",
        f"(benchmarks/row_order.py at {short_commit()}; demo city seed {args.seed}, {city}; rows shuffled "
        f"with seed {args.shuffle_seed}; trainings {seconds[0]:.0f} s and {seconds[1]:.0f} s on the shared "
        "2-core machine.) The same records as generated and shuffled, each trained as `demandcast train "
        "--records` does.",
        "",
        f"Panel: {differing:,} of {total:,} cells differ (largest difference {largest:.1e}).",
        "",
        "| output | byte-identical | note |",
        "|---|---|---|",
        *(f"| {name} | {'yes' if same else 'no'} | {note} |" for name, same, note in rows),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20260331)
    parser.add_argument("--shuffle-seed", type=int, default=1)
    parser.add_argument("--priced-each-april", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/demandcast-row-order"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "row_order.md")
    args = parser.parse_args()
    logging.getLogger("cmdstanpy").disabled = True
    generated(args.work / "as_generated", args.seed, args.priced_each_april)
    shuffled(args.work / "as_generated", args.work / "shuffled", args.shuffle_seed)
    panels, seconds = [], []
    for name in ("as_generated", "shuffled"):
        panel, took = trained(args.work / name)
        panels.append(panel)
        seconds.append(took)
        print(f"{name}: trained in {took:.0f} s", flush=True)
    cells = panel_difference(*panels)
    rows = output_rows(args.work / "as_generated" / "model", args.work / "shuffled" / "model")
    text = report(args, cells, rows, seconds)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
