"""Does ETS's forecast move with the last bits of its inputs? Estimated versus heuristic initial states.

A council's cost is a sum of thousands of packages' weekly costs x days / 7; summed in another order
(another machine, library or grouping) it differs in its last bits. The engine's ETS (statsmodels'
Holt-Winters, additive trend and yearly season, damped or undamped by AICc) fits the initial level,
trend and season with the smoothing parameters ("estimated", statsmodels' default). For each city
(seeds 1, 2, ...; cities no decision saw) this script fits `ETSForecaster` on every council series
of the holdout (as_of 12 months before the end: 20 services, 3 client groups and the total, for
caseload, starts and the cost per day of the month, as training models the cost) with each
initialisation, then again `--trials` times on the same inputs each multiplied by 1 + u, u uniform in
+/- 1e-15 (a few units in the last place), and reports per measure and level:
- change: the largest relative change of the 12-month forecast over the trials, per series
  (median, 90th percentile and largest over the series);
- flipped: the share of series whose damped / undamped choice changed in some trial;
- MASE and bias of the unperturbed forecast over the 12 held-out months (scale: the series'
  in-sample seasonal-naive MAE; bias = sum(forecast - actual) / sum(actual), averaged over series).

Usage: .venv/bin/python benchmarks/ets_initialisation.py [--cities 12] [--trials 2]
       [--out benchmarks/ets_initialisation.md]
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import holdout_city
from provenance import short_commit

from demandcast.columns import (
    AREA_LEVEL,
    CLIENT_GROUP,
    COST,
    COUNCIL,
    MEAN,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
    VALUE,
)
from demandcast.models.executor import ProcessExecutor
from demandcast.models.hierarchy import aggregate
from demandcast.models.statistical import ETSForecaster

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 12
NOISE = 1e-15
INITIALISATIONS = ("estimated", "heuristic")
LEVELS = ("council/service", "council/client_group", "council/all")


def council_series(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The council series of a city's holdout: the training months (cost per day for cost) and the
    held-out actuals, both with columns unique_id, measure, level, month, value (and days)."""
    hpanel, hierarchy, config, _ = holdout_city(seed)
    full = aggregate(hpanel, hierarchy)
    council = full[full[AREA_LEVEL] == COUNCIL].copy()
    council[SERIES_ID] = council[MEASURE] + "/" + council[CLIENT_GROUP] + "/" + council[SERVICE]
    council["days"] = np.where(council[MEASURE] == COST, council[MONTH].dt.days_in_month, 1).astype(float)
    council = council.sort_values([SERIES_ID, MONTH], ignore_index=True)
    past = council[MONTH] <= config.as_of
    history = council[past].assign(**{VALUE: council.loc[past, VALUE] / council.loc[past, "days"]})
    future = council[~past]
    return history, future[future[MONTH] <= config.as_of + pd.DateOffset(months=HORIZON)]


def fitted(history: pd.DataFrame, initialization: str, executor: ProcessExecutor) -> tuple[pd.Series, dict]:
    """The 12-month forecasts (indexed by unique_id, month) and each series' trend form."""
    model = ETSForecaster(initialization=initialization, executor=executor).fit(
        history[[SERIES_ID, MONTH, VALUE]]
    )
    forecast = model.predict(HORIZON).set_index([SERIES_ID, MONTH])[MEAN]
    return forecast, {uid: getattr(state, "form", "fallback") for uid, state in model.states_.items()}


def city_rows(seed: int, trials: int, executor: ProcessExecutor) -> pd.DataFrame:
    """One row per council series and initialisation of one city."""
    history, future = council_series(seed)
    rng = np.random.default_rng(seed)
    perturbed = [
        history.assign(**{VALUE: history[VALUE] * (1 + rng.uniform(-NOISE, NOISE, len(history)))})
        for _ in range(trials)
    ]
    actual = future.set_index([SERIES_ID, MONTH])
    scale = _seasonal_naive_scale(history)
    rows = []
    for initialization in INITIALISATIONS:
        forecast, forms = fitted(history, initialization, executor)
        changes, flips = [], []
        for trial in perturbed:
            again, again_forms = fitted(trial, initialization, executor)
            changes.append(((again - forecast).abs() / forecast.abs()).groupby(level=SERIES_ID).max())
            flips.append(pd.Series({uid: again_forms[uid] != form for uid, form in forms.items()}))
        money = (forecast * actual["days"].reindex(forecast.index)).rename("forecast")
        scored = actual[[VALUE, MEASURE, "level"]].join(money, how="inner").reset_index()
        for uid, series in scored.groupby(SERIES_ID):
            error = series["forecast"] - series[VALUE]
            rows.append(
                {
                    "seed": seed,
                    "initialisation": initialization,
                    MEASURE: series[MEASURE].iloc[0],
                    "level": series["level"].iloc[0],
                    "change": float(max(change[uid] for change in changes)),
                    "flipped": bool(any(flip[uid] for flip in flips)),
                    "mase": float(error.abs().mean() / scale[uid]) if scale[uid] > 0 else np.nan,
                    "bias": float(error.sum() / series[VALUE].sum()),
                }
            )
    return pd.DataFrame(rows)


def _seasonal_naive_scale(history: pd.DataFrame) -> pd.Series:
    """Each series' in-sample seasonal-naive MAE on its own scale (money for cost)."""
    wide = (history[VALUE] * history["days"]).groupby([history[SERIES_ID], history[MONTH]]).sum().unstack()
    return (wide - wide.shift(12, axis=1)).abs().mean(axis=1)


def report(rows: pd.DataFrame, trials: int, seconds: float) -> str:
    seeds = sorted(rows["seed"].unique())
    grouped = rows.groupby([MEASURE, "level", "initialisation"], sort=False)
    table = grouped.agg(
        series=("change", "size"),
        median=("change", "median"),
        p90=("change", lambda c: c.quantile(0.9)),
        largest=("change", "max"),
        flipped=("flipped", "mean"),
        mase=("mase", "mean"),
        bias=("bias", "mean"),
    )
    lines = [
        "# ETS's initial states: estimated or heuristic, and the last bits of the inputs",
        "",
        f"(benchmarks/ets_initialisation.py at {short_commit()}; {len(seeds)} cities, seeds "
        f"{seeds[0]}-{seeds[-1]}, {trials} perturbed fits per series, {seconds / 60:.0f} min on the shared "
        "2-core machine.) Every council series of each city's holdout (as_of 12 months before the end), "
        "fitted by the engine's `ETSForecaster` (damped or undamped by AICc) with each initialisation; "
        "change = the largest relative change of a series' 12-month forecast when every input is "
        f"multiplied by 1 + u, u uniform in +/- {NOISE:g}; flipped = the share of series whose trend form "
        "changed; MASE and bias over the 12 "
        "held-out months, unperturbed (means over the series).",
        "",
        "| measure | level | initialisation | series | change median | change p90 | change largest "
        "| flipped | MASE | bias |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for measure in ("caseload", "starts", "cost"):
        for level in LEVELS:
            for initialization in INITIALISATIONS:
                r = table.loc[(measure, level, initialization)]
                lines.append(
                    f"| {measure} | {level} | {initialization} | {int(r['series'])} | {r['median']:.1e} "
                    f"| {r['p90']:.1e} | {r['largest']:.1e} | {r['flipped']:.0%} | {r['mase']:.3f} "
                    f"| {r['bias']:+.4f} |"
                )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=12)
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "ets_initialisation.md")
    args = parser.parse_args()
    logging.getLogger("cmdstanpy").disabled = True
    executor = ProcessExecutor(n_jobs=2)
    started = time.perf_counter()
    rows = []
    for seed in range(1, args.cities + 1):
        rows.append(city_rows(seed, args.trials, executor))
        print(f"city {seed}: {time.perf_counter() - started:.0f} s", flush=True)
    text = report(pd.concat(rows, ignore_index=True), args.trials, time.perf_counter() - started)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
