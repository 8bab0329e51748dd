"""Flows per day of the month: each candidate with and without the calendar adjustment, on the backtest.

models.daily_rate fits a model on a flow divided by its month's days (scaled to an average month)
and multiplies the forecast back. This script measures, on what training sees (the months up to
the holdout's origin, 2025-03; three rolling origins six months apart, 12 months ahead, as
`train` backtests), every candidate that runs at each level of a measure, plain and wrapped in
DailyRate, for cost and for starts on the demo city and the second city. Baselines are not
wrapped (they are the bar). The table is mean MASE per level (series with a zero scale left out),
the evidence of benchmarks/holdout.md decision 25.

Usage: .venv/bin/python benchmarks/daily_rate.py [--seeds 20260331 0] [--measures cost starts]
       [--out benchmarks/daily_rate.md]
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from pathlib import Path

import pandas as pd
from holdout_demo import demo_city

from demandcast.columns import MONTH, SERIES_ID
from demandcast.data.demo.generate import DEFAULT_SEED
from demandcast.models.backtest import rolling_origin_backtest
from demandcast.models.base import infer_freq
from demandcast.models.demand_model import measure_series
from demandcast.models.hierarchy import build_hierarchy
from demandcast.models.scoring import level_scores
from demandcast.models.selection import ETS, PROPHET, SARIMAX, VECTOR_ETS, build_models, candidate_names
from demandcast.models.training import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
AS_OF = pd.Timestamp("2025-03-01")
SMOOTHERS = (VECTOR_ETS, ETS, SARIMAX, PROPHET)
"""The per-series candidates. The global GBM and caseload x unit cost (which train wraps as well) are left
out: with their ward covariates and neighbours they would make this a full training per city."""


def city_rows(seed: int, measures: list[str]) -> list[dict]:
    """One row per (measure, level, candidate) of one city: backtest MASE plain and per day."""
    hpanel, areas, _, _ = demo_city(seed)
    panel = hpanel[hpanel[MONTH] <= AS_OF]
    hierarchy = build_hierarchy(panel, areas)
    return [row for measure in measures for row in _level_rows(seed, measure, panel, hierarchy)]


def _level_rows(seed: int, measure: str, panel: pd.DataFrame, hierarchy) -> list[dict]:
    config = TrainConfig()
    rows = []
    for level, y in measure_series(panel, hierarchy, measure).items():
        names = candidate_names(
            y[SERIES_ID].nunique(),
            local_max_series=config.local_max_series,
            prophet_max_series=config.prophet_max_series,
        )
        names = [n for n in names if n in SMOOTHERS]
        plain = build_models(names, seed=seed)
        per_day = build_models(names, seed=seed, daily_rate=True)
        models = {**plain, **{f"{name} per day": model for name, model in per_day.items()}}
        backtest = rolling_origin_backtest(y, models, h=12, n_windows=config.n_windows, step=6)
        mase = level_scores(backtest, y, list(models), infer_freq(y[MONTH]))["mase"]
        rows += [
            {
                "city": seed,
                "measure": measure,
                "level": level,
                "model": name,
                "plain": mase[name],
                "per_day": mase[f"{name} per day"],
            }
            for name in names
        ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[DEFAULT_SEED, 0])
    parser.add_argument("--measures", nargs="+", default=["cost", "starts"])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "daily_rate.md")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("cmdstanpy").disabled = True
    start = time.perf_counter()
    rows = pd.DataFrame([r for s in args.seeds for r in city_rows(s, args.measures)])
    rows["better"] = rows["per_day"] < rows["plain"]
    lines = [
        "# Flows per day of the month: the backtest with and without the calendar adjustment",
        "",
        "`.venv/bin/python benchmarks/daily_rate.py` (benchmarks/holdout.md decision 25).",
        "Training months up to 2025-03, three rolling origins six months apart, 12 months ahead;",
        "mean MASE per level of the per-series candidates each level runs (vector ETS everywhere,",
        "statsmodels ETS up to 64 series, SARIMAX and Prophet up to 8). The baselines are never",
        "adjusted; the global GBM and caseload x unit cost are left out.",
        "",
    ]
    for measure, city in ((m, s) for m in args.measures for s in args.seeds):
        part = rows[(rows["measure"] == measure) & (rows["city"] == city)]
        better = int(part["better"].sum())
        lines += [
            f"## {measure}, city seed {city}: per day better in {better} of {len(part)}",
            "",
            "| level | model | plain | per day |",
            "|---|---|---:|---:|",
        ]
        lines += [f"| {r.level} | {r.model} | {r.plain:.3f} | {r.per_day:.3f} |" for r in part.itertuples()]
        lines.append("")
    lines.append(f"Wall time {time.perf_counter() - start:.0f} s.")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
