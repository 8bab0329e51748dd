"""demandcast against statsforecast's AutoETS on the 12 cities of benchmarks/holdout_cities.py.

For each city seed 1..N: prepare.py, fit_autoets.py (in the statsforecast venv) and score.py, each in its
own work folder (<peers-root>_<seed>, skipped when its scores.csv exists); then AutoETS's mean MASE per
level is set beside demandcast's from the holdout_cities.py cache (the same holdout, the same metric code:
the two scripts' seasonal-naive MASE agree to 1e-15, which this script checks).

Usage: .venv/bin/python benchmarks/peers/autoets_cities.py [--cities 12]
       [--holdout-work /tmp/demandcast_holdout_cities] [--peers-root /tmp/peers_city]
       [--peers-python /tmp/peers-venv/bin/python]
Run benchmarks/holdout_cities.py first (its cache holds demandcast's scores).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from holdout import LEVELS

HERE = Path(__file__).resolve().parent


def peer_scores(seed: int, work: Path, peers_python: str) -> pd.DataFrame:
    """score.py's table for one city (naive and AutoETS), fitting AutoETS unless already scored."""
    if not (work / "scores.csv").exists():
        env = {**os.environ, "PEERS_WORK": str(work)}
        steps = [
            [sys.executable, str(HERE / "prepare.py"), "--seed", str(seed)],
            [peers_python, str(HERE / "fit_autoets.py"), "--jobs", "2"],
            [sys.executable, str(HERE / "score.py")],
        ]
        for step in steps:
            subprocess.run(step, env=env, check=True, stdout=subprocess.DEVNULL)
    return pd.read_csv(work / "scores.csv").assign(seed=seed)


def compared(peers: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
    """One row per city, level and measure: demandcast's, AutoETS's and seasonal naive's MASE."""
    ours = holdout[holdout["kind"] == "reconciled"].set_index(["seed", "level", "measure"])
    rows = []
    for (seed, label, measure), cell in peers.groupby(["seed", "row", "measure"]):
        level = next((lvl for lvl, name in LEVELS.items() if name == label), None)
        if level is None:
            continue
        mase = cell.set_index("model")["mase"]
        row = ours.loc[(seed, level, measure)]
        if abs(mase["naive"] - row["err_naive"]) > 1e-9:
            raise SystemExit(f"city {seed} {level} {measure}: the two scripts' seasonal-naive MASE differ")
        rows.append(
            {
                "seed": seed,
                "level": level,
                "measure": measure,
                "demandcast": row["err_model"],
                "autoets": mase["autoets"],
                "naive": mase["naive"],
            }
        )
    return pd.DataFrame(rows)


def table(rows: pd.DataFrame) -> list[str]:
    n = rows["seed"].nunique()
    lines = [
        "| measure | level | demandcast | AutoETS | seasonal naive | demandcast / AutoETS "
        "| cities demandcast ahead |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    order = {level: i for i, level in enumerate(LEVELS)}
    rows = rows.assign(order=rows["level"].map(order)).sort_values(["measure", "order"])
    for (measure, level), cell in rows.groupby(["measure", "level"], sort=False):
        ahead = int((cell["demandcast"] < cell["autoets"]).sum())
        lines.append(
            f"| {measure} | {level} | {cell['demandcast'].mean():.3f} | {cell['autoets'].mean():.3f} | "
            f"{cell['naive'].mean():.3f} | {cell['demandcast'].mean() / cell['autoets'].mean():.3f} | "
            f"{ahead} of {n} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=12)
    parser.add_argument("--holdout-work", type=Path, default=Path("/tmp/demandcast_holdout_cities"))
    parser.add_argument("--peers-root", default="/tmp/peers_city")
    parser.add_argument("--peers-python", default="/tmp/peers-venv/bin/python")
    args = parser.parse_args()
    seeds = range(1, args.cities + 1)
    holdout = pd.concat([pd.read_parquet(args.holdout_work / f"city_{seed}.parquet") for seed in seeds])
    peers = pd.concat([peer_scores(s, Path(f"{args.peers_root}_{s}"), args.peers_python) for s in seeds])
    rows = compared(peers, holdout)
    print("\n".join(table(rows)))
    np.testing.assert_equal(rows["seed"].nunique(), args.cities)


if __name__ == "__main__":
    main()
