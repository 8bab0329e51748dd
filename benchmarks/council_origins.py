"""Does choosing the council models on more backtest origins pick better forecasts for the held-out year?

For one demo city (as benchmarks/holdout_demo.py: train to 2025-03, hold out April 2025 - March 2026),
every candidate of each council level (council x service, x client group, all; each measure) is
backtested from 13 monthly origins over the training months' last two years. The level's best candidate
by mean backtest MASE over 3 of those origins (6 months apart, as `demandcast train` does), 5 (3 months
apart) or all 13 is then scored on the held-out year (base forecasts, no reconciliation).
benchmarks/holdout.md (decision 15) records the result for both cities.

Usage: .venv/bin/python benchmarks/council_origins.py [--seed 20260331] [--out council_origins.csv]
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd
from holdout_demo import demo_city

from demandcast.columns import CUTOFF, MEAN, MONTH, SERIES_ID, VALUE
from demandcast.data.demo.generate import DEFAULT_SEED
from demandcast.models.backtest import rolling_origin_backtest
from demandcast.models.demand_model import measure_series
from demandcast.models.hierarchy import build_hierarchy
from demandcast.models.scoring import level_scores
from demandcast.models.selection import build_models, candidate_names

COUNCIL_LEVELS = ("council/service", "council/client_group", "council/all")
SCHEMES = {
    "3 origins (6 apart)": [0, 6, 12],
    "5 origins (3 apart)": [0, 3, 6, 9, 12],
    "13 origins": range(13),
}


def held_out_scores(y_train: pd.DataFrame, y_full: pd.DataFrame, names: list[str], seed: int) -> pd.Series:
    """Each candidate's MASE over the held-out months, fitted on all training months."""
    held_out = y_full.loc[y_full[MONTH] > y_train[MONTH].max(), [SERIES_ID, MONTH, VALUE]]
    held_out = held_out.rename(columns={VALUE: "actual"}).assign(**{CUTOFF: y_train[MONTH].max()})
    for name, model in build_models(names, seed=seed).items():
        forecast = model.fit(y_train).predict(12)[[SERIES_ID, MONTH, MEAN]].rename(columns={MEAN: name})
        held_out = held_out.merge(forecast, on=[SERIES_ID, MONTH])
    return level_scores(held_out, y_train, names, "MS")["mase"]


def main() -> None:
    logging.getLogger("cmdstanpy").disabled = True
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as CSV")
    args = parser.parse_args()
    hpanel, areas, _, _ = demo_city(args.seed)
    hierarchy = build_hierarchy(hpanel, areas)
    as_of = hpanel[MONTH].max() - pd.DateOffset(months=12)
    rows = []
    for measure in ("caseload", "cost", "starts"):
        train_series = measure_series(hpanel[hpanel[MONTH] <= as_of], hierarchy, measure)
        full_series = measure_series(hpanel, hierarchy, measure)
        for level in COUNCIL_LEVELS:
            y = train_series[level]
            names = candidate_names(y[SERIES_ID].nunique(), local_max_series=64, prophet_max_series=8)
            backtest = rolling_origin_backtest(
                y, build_models(names, seed=args.seed), h=12, n_windows=13, step=1
            )
            cutoffs = sorted(backtest[CUTOFF].unique())
            held_out = held_out_scores(y, full_series[level], names, args.seed)
            for scheme, picks in SCHEMES.items():
                chosen_on = backtest[backtest[CUTOFF].isin([cutoffs[i] for i in picks])]
                chosen = level_scores(chosen_on, y, names, "MS")["mase"].idxmin()
                rows.append(
                    {
                        "measure": measure,
                        "level": level,
                        "scheme": scheme,
                        "chosen": chosen,
                        "held_out_mase": held_out[chosen],
                        "best_held_out": held_out.idxmin(),
                    }
                )
    table = pd.DataFrame(rows)
    if args.out:
        table.to_csv(args.out, index=False)
    print(table.to_string(index=False))
    print(table.groupby("scheme")["held_out_mase"].mean().round(3).to_string())


if __name__ == "__main__":
    main()
