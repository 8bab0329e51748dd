"""demandcast on the same holdout: train with as_of 2025-03-31, keep its reconciled forecasts.

Trains exactly as benchmarks/holdout_demo.py does (ward covariates and queen-contiguity neighbours for
the global GBM, the records for the council caseload's stock-flow candidate, two worker processes) and
writes the reconciled means of the compared levels.

Usage: /work/main/.venv/bin/python benchmarks/peers/fit_demandcast.py [--seed 0]
--seed is the city seed (it must be the one prepare.py was run with; checked against
$PEERS_WORK/city.json) and also the training seed, as in benchmarks/holdout_demo.py:
20260331 is the default demo city, 0 (this script's default) the second city.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd
from holdout import AS_OF, FORECAST, HORIZON, WORK, city_seed, demo_inputs, write_result

from demandcast.columns import GEOMETRY, MEAN, MEASURE, MONTH, SERIES_ID, WARD_CODE
from demandcast.features.spatial import queen_neighbours
from demandcast.models.executor import ProcessExecutor
from demandcast.models.hierarchy import build_hierarchy, node_ids
from demandcast.models.training import TrainConfig, train


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0, help="city seed, also the training seed")
    args = parser.parse_args()
    prepared = city_seed()
    if prepared is not None and prepared != args.seed:
        sys.exit(f"{WORK} holds the series of city seed {prepared}; run with --seed {prepared}")
    hpanel, areas, wards, records = demo_inputs(args.seed)
    config = TrainConfig(
        horizon=HORIZON,
        seed=args.seed,
        as_of=AS_OF,
        covariates=pd.DataFrame(wards.drop(columns=[GEOMETRY])).rename(columns={WARD_CODE: "area"}),
        neighbours=queen_neighbours(wards),
    )
    start = time.perf_counter()
    hierarchy = build_hierarchy(hpanel, areas)
    result = train(hpanel, hierarchy, config, executor=ProcessExecutor(n_jobs=2), records=records)
    seconds = time.perf_counter() - start
    f = result.forecasts
    forecasts = pd.DataFrame(
        {SERIES_ID: f[MEASURE].astype("str") + "|" + node_ids(f), MONTH: f[MONTH], FORECAST: f[MEAN]}
    )
    meta = {
        "model": "demandcast",
        "city_seed": args.seed,
        "wall_seconds": round(seconds, 1),
        "stage_seconds": {k: round(v, 1) for k, v in result.stage_seconds.items()},
        "chosen_models": {m: d["chosen_models"] for m, d in result.decisions.items()},
        "reconciliation": {
            m: d["reconciliation"].get("method", d["reconciliation"]) for m, d in result.decisions.items()
        },
    }
    write_result("demandcast", forecasts, meta, WORK)
    print(meta)


if __name__ == "__main__":
    main()
