"""Build the demo city's holdout series and write them for every peer.

Writes, under $PEERS_WORK (default /tmp/demandcast-peers):
  series.parquet  unique_id, level, measure, month, value: every compared series, all 72 months;
  train.parquet   unique_id, ds, y: the training months only (the statsforecast contract);
  city.json       the city seed, checked by fit_demandcast.py and shown by score.py.

Usage: /work/main/.venv/bin/python benchmarks/peers/prepare.py [--seed 0]
--seed is the city seed: 20260331 is the default demo city (`demandcast generate`, `make run`),
0 (this script's default) the second city.
"""

from __future__ import annotations

import argparse
import time

from holdout import WORK, demo_inputs, holdout_series, training_part, write_city_seed

from demandcast.columns import MONTH, SERIES_ID, VALUE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0, help="city seed (20260331: the default demo city)")
    args = parser.parse_args()
    start = time.perf_counter()
    hpanel, areas, _, _ = demo_inputs(args.seed)
    series = holdout_series(hpanel, areas)
    WORK.mkdir(parents=True, exist_ok=True)
    series.to_parquet(WORK / "series.parquet", index=False)
    train = training_part(series).rename(columns={SERIES_ID: "unique_id", MONTH: "ds", VALUE: "y"})
    train[["unique_id", "ds", "y"]].to_parquet(WORK / "train.parquet", index=False)
    write_city_seed(args.seed)
    counts = series.groupby("level")[SERIES_ID].nunique().to_dict()
    seconds = time.perf_counter() - start
    print(f"city seed {args.seed}; {len(series)} rows; series per level {counts}; {seconds:.1f} s")


if __name__ == "__main__":
    main()
