"""statsmodels ETS with and without its brute-force start grid: fit time and held-out accuracy.

The engine's ETS candidate (models.statistical.ETSForecaster: additive damped trend, additive yearly
season) runs on every series of the levels with few series. statsmodels starts its optimiser from
the best point of a brute-force grid unless told not to (`use_brute=False`), and estimates the
initial states with the parameters unless they are set by a heuristic
(`initialization_method="heuristic"`). Each variant here fits every district-by-client-group and
council-by-service series of both product cities (benchmarks/holdout_demo.py: seeds 20260331 and 0)
on the months up to the holdout's as_of, forecasts the 12 held-out months, and is scored by MASE
(scale: the series' in-sample seasonal-naive MAE) and by the wall time of a fit, in one process.
It measures the model alone; benchmarks/holdout.md (decision 37) measures what the engine makes of it.

Usage: .venv/bin/python benchmarks/ets_start_search.py [--out benchmarks/ets_start_search.md]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import holdout_city
from provenance import short_commit
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from demandcast.columns import MONTH, SERIES_ID, VALUE
from demandcast.models.demand_model import measure_series

ROOT = Path(__file__).resolve().parents[1]
CITIES = (20260331, 0)
LEVELS = ("district/client_group", "council/service")
MEASURES = ("caseload", "cost", "starts")
VARIANTS = {
    "grid (statsmodels' default)": ({}, {}),
    "no grid (the engine since decision 37)": ({}, {"use_brute": False}),
    "heuristic initial states": ({"initialization_method": "heuristic"}, {}),
    "heuristic initial states, no grid": ({"initialization_method": "heuristic"}, {"use_brute": False}),
}


def scored_fits(values: np.ndarray, n_train: int, horizon: int = 12) -> dict[str, tuple[float, float]]:
    """variant -> (seconds to fit, held-out MASE) for one series."""
    train, test = values[:n_train], values[n_train : n_train + horizon]
    scale = np.mean(np.abs(train[12:] - train[:-12]))
    out = {}
    for name, (init, fit) in VARIANTS.items():
        model = ExponentialSmoothing(
            train, trend="add", damped_trend=True, seasonal="add", seasonal_periods=12, **init
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = model.fit(**fit)
        seconds = time.perf_counter() - start
        error = np.mean(np.abs(fitted.forecast(len(test)) - test))
        out[name] = (seconds, error / scale if scale > 0 else np.nan)
    return out


def city_rows(seed: int) -> list[dict]:
    hpanel, hierarchy, config, _ = holdout_city(seed)
    as_of = pd.Timestamp(config.as_of)
    rows = []
    for measure in MEASURES:
        by_level = measure_series(hpanel, hierarchy, measure)
        for level in LEVELS:
            for uid, series in by_level[level].groupby(SERIES_ID):
                series = series.sort_values(MONTH)
                n_train = int((series[MONTH] <= as_of).sum())
                for name, (seconds, mase) in scored_fits(series[VALUE].to_numpy(float), n_train).items():
                    rows.append(
                        {"city": seed, "measure": measure, "level": level, "series": uid}
                        | {"variant": name, "seconds": seconds, "mase": mase}
                    )
    return rows


def report(rows: pd.DataFrame) -> str:
    cells = rows.groupby(["city", "measure", "level", "variant"], sort=False)["mase"].mean()
    summary = rows.groupby("variant", sort=False).agg(ms_per_fit=("seconds", "mean"), fits=("mase", "size"))
    summary["mean MASE over the cells"] = cells.groupby("variant", sort=False).mean()
    default = cells.xs(next(iter(VARIANTS)), level="variant")
    summary["cells better than the grid"] = [
        int((cells.xs(name, level="variant") < default - 1e-12).sum()) for name in summary.index
    ]
    lines = [
        "# statsmodels ETS: the brute-force start grid and the initial states",
        "",
        f"`.venv/bin/python benchmarks/ets_start_search.py`; commit {short_commit()}. Both product cities,"
        " every district x client-group and council x service series of each measure (12 cells of 30 or"
        " 20 series), fitted on the months to 2025-03 and scored on the 12 held out; one process.",
        "",
        "| variant | fits | ms per fit | mean MASE over the 12 cells | cells better than the grid |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in summary.iterrows():
        better = f"{int(r['cells better than the grid'])} of {len(default)}"
        mase = r["mean MASE over the cells"]
        lines.append(f"| {name} | {int(r['fits'])} | {1000 * r['ms_per_fit']:.0f} | {mase:.3f} | {better} |")
    lines += ["", "| city | measure | level | " + " | ".join(VARIANTS) + " |", "|---|---|---|" + "---:|" * 4]
    for (city, measure, level), group in cells.groupby(level=["city", "measure", "level"], sort=False):
        values = " | ".join(f"{v:.3f}" for v in group.to_numpy())
        lines.append(f"| {city} | {measure} | {level} | {values} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "ets_start_search.md")
    args = parser.parse_args()
    rows = pd.DataFrame([row for seed in CITIES for row in city_rows(seed)])
    text = report(rows)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
