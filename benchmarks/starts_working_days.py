"""Starts per working day: a calendar regressor for the flow of new packages, measured on the backtest.

New packages start mostly on weekdays (hospital discharges, social-work assessments); the demo city
starts adult packages on a weekend day at 0.55 times a weekday's rate and children's at 0.65
(`data/demo/seasonality.py`). A month's starts then follow its exposure, weekdays + w x weekend days,
which differs between months of the same length by up to about 2% (w = 0.55). This script measures
whether forecasting starts per unit of that exposure helps, as models.daily_rate does for cost with
calendar days: each per-series candidate fitted on starts x (average exposure / the month's
exposure) and multiplied back, for w = 0 (weekdays only), 0.55 (the generator's own adult weight,
an oracle a real council would have to estimate) and 1 (calendar days, decision 25's per-day
adjustment), on the months up to the holdout's origin (2025-03; three rolling origins six months
apart, 12 months ahead), at every level with at most 64 series (where the per-series models run).
The table is mean MASE per level; the evidence of benchmarks/holdout.md decision 29.

Usage: .venv/bin/python benchmarks/starts_working_days.py [--seeds 20260331 0]
       [--out benchmarks/starts_working_days.md]
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import demo_city

from demandcast.columns import MONTH, SERIES_ID
from demandcast.data.demo.generate import DEFAULT_SEED
from demandcast.data.demo.seasonality import ADULT_WEEKEND_FACTOR
from demandcast.features.calendar import days_in_period
from demandcast.models.backtest import rolling_origin_backtest
from demandcast.models.daily_rate import DailyRate
from demandcast.models.demand_model import measure_series
from demandcast.models.hierarchy import build_hierarchy
from demandcast.models.scoring import level_scores
from demandcast.models.selection import ETS, PROPHET, SARIMAX, VECTOR_ETS, build_models, candidate_names
from demandcast.models.training import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
AS_OF = pd.Timestamp("2025-03-01")
SMOOTHERS = (VECTOR_ETS, ETS, SARIMAX, PROPHET)
WEEKEND_WEIGHTS = {"weekdays": 0.0, "oracle": ADULT_WEEKEND_FACTOR, "calendar days": 1.0}


def exposure(months: pd.Series | pd.DatetimeIndex, weekend_weight: float) -> np.ndarray:
    """Weekdays + weekend_weight x weekend days of each month starting in `months`."""
    days = days_in_period(months, "MS")
    first = pd.DatetimeIndex(months).to_numpy().astype("datetime64[D]")
    weekdays = np.busday_count(first, first + days.astype("timedelta64[D]"))
    return weekdays + weekend_weight * (days - weekdays)


class PerExposure(DailyRate):
    """DailyRate with a month's exposure (weekdays + w x weekend days) in place of its calendar days."""

    def __init__(self, model=None, weekend_weight: float = 1.0):
        self.model = model
        self.weekend_weight = weekend_weight

    def _share_of_average(self, months: pd.Series) -> np.ndarray:
        calendar_cycle = pd.date_range("2000-01-01", periods=12 * 28, freq="MS")  # the calendar repeats
        return exposure(months, self.weekend_weight) / exposure(calendar_cycle, self.weekend_weight).mean()


def city_rows(seed: int) -> list[dict]:
    """One row per (level, candidate) of one city: backtest MASE plain and per unit of each exposure."""
    hpanel, areas, _, _ = demo_city(seed)
    panel = hpanel[hpanel[MONTH] <= AS_OF]
    hierarchy = build_hierarchy(panel, areas)
    config = TrainConfig()
    rows = []
    for level, y in measure_series(panel, hierarchy, "starts").items():
        names = candidate_names(
            y[SERIES_ID].nunique(),
            local_max_series=config.local_max_series,
            prophet_max_series=config.prophet_max_series,
        )
        names = [n for n in names if n in SMOOTHERS]
        if names == [VECTOR_ETS]:
            continue  # the ward and many-series district levels: the per-series models do not run there
        plain = build_models(names, seed=seed)
        models = dict(plain)
        for tag, weight in WEEKEND_WEIGHTS.items():
            models |= {f"{name}|{tag}": PerExposure(model, weight) for name, model in plain.items()}
        backtest = rolling_origin_backtest(y, models, h=12, n_windows=3, step=6)
        scores = level_scores(backtest, y, list(models), "MS")["mase"]
        for name in names:
            row = {"city": seed, "level": level, "model": name, "plain": scores[name]}
            rows.append(row | {tag: scores[f"{name}|{tag}"] for tag in WEEKEND_WEIGHTS})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[DEFAULT_SEED, 0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "starts_working_days.md")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("cmdstanpy").disabled = True
    start = time.perf_counter()
    rows = pd.DataFrame([r for s in args.seeds for r in city_rows(s)])
    lines = [
        "# Starts per working day: the backtest with and without a working-day exposure",
        "",
        "`.venv/bin/python benchmarks/starts_working_days.py` (benchmarks/holdout.md decision 29).",
        "Training months up to 2025-03, three rolling origins six months apart, 12 months ahead; mean",
        "MASE of starts per level, plain and per unit of exposure = weekdays + w x weekend days",
        f"(w = 0, the demo generator's own {ADULT_WEEKEND_FACTOR} and 1 = calendar days).",
        "",
        "| exposure | geometric mean MASE ratio to plain | better in |",
        "|---|---:|---:|",
    ]
    for tag in WEEKEND_WEIGHTS:
        ratio = rows[tag] / rows["plain"]
        better = int((ratio < 1).sum())
        lines.append(f"| {tag} | {float(np.exp(np.log(ratio).mean())):.3f} | {better} of {len(rows)} |")
    lines += ["", "| city | level | model | plain | " + " | ".join(WEEKEND_WEIGHTS) + " |"]
    lines.append("|---|---|---|---:|" + "---:|" * len(WEEKEND_WEIGHTS))
    for row in rows.to_dict("records"):
        cells = " | ".join(f"{row[column]:.3f}" for column in ("plain", *WEEKEND_WEIGHTS))
        lines.append(f"| {row['city']} | {row['level']} | {row['model']} | {cells} |")
    lines += ["", f"Wall time {time.perf_counter() - start:.0f} s."]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
