"""Does the council cost's ETS move with its inputs' last bits because of the scale it is fitted on?

benchmarks/ets_initialisation.md found a council cost forecast moving by 0.1-1% (median, up to 8%)
when its inputs change by 1e-15, and its trend form flipping; the series are costs per day of tens or
hundreds of thousands of pounds, and statsmodels' Holt-Winters optimises the initial states on that
scale together with smoothing parameters between 0 and 1. This script fits the engine's ETS on each
council cost series (per day, as training models the cost; additive trend and yearly season, damped
or undamped by AICc, no brute-force start grid) in these variants:
- `raw`: on the series as it is (the engine's `ETSForecaster`; the script checks it reproduces
  its forecasts to 1e-8, the two computing the same forecast in another order);
- `scaled`: on the series divided by a power of two near its mean (exact: every value keeps its
  bits), the states multiplied back;
- `scaled, trend smoothing <= b`: scaled, with the trend's smoothing parameter bounded by b;
- `scaled, undamped ...`: the same with the undamped trend only (no AICc choice);
- `scaled, level <= a, trend <= b`: scaled, with the level's smoothing parameter bounded by a too
  (`--variants` fits a subset).
For each city (seeds 1, 2, ...: benchmarks/holdout_demo.py's holdout, 12 months held out) and series
it reports, per level: change = the largest relative change of the 12-month forecast when every input
is multiplied by 1 + u, u uniform in +/- 1e-15 (one trial); flipped = the share whose trend form
changed; the median fitted smoothing parameters; MASE (scale: the series' in-sample seasonal-naive
MAE) and bias over the held-out year.

Usage: .venv/bin/python benchmarks/ets_scaling.py [--cities 12] [--first-seed 1] [--variants NAME ...]
       [--out benchmarks/ets_scaling.md]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from ets_initialisation import LEVELS, NOISE, _seasonal_naive_scale, council_series
from provenance import short_commit
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from demandcast.columns import COST, MEAN, MEASURE, MONTH, SERIES_ID, VALUE
from demandcast.models.statistical import ETSForecaster

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 12
SEASON = 12
BOTH_TRENDS, UNDAMPED = (True, False), (False,)
# variant: (scaled, level smoothing bound, trend smoothing bound, damped flags tried)
VARIANTS: dict[str, tuple[bool, float | None, float | None, tuple[bool, ...]]] = {
    "raw": (False, None, None, BOTH_TRENDS),
    "scaled": (True, None, None, BOTH_TRENDS),
    "scaled, trend smoothing <= 0.2": (True, None, 0.2, BOTH_TRENDS),
    "scaled, trend smoothing <= 0.1": (True, None, 0.1, BOTH_TRENDS),
    "scaled, trend smoothing <= 0.05": (True, None, 0.05, BOTH_TRENDS),
    "scaled, undamped": (True, None, None, UNDAMPED),
    "scaled, undamped, trend smoothing <= 0.2": (True, None, 0.2, UNDAMPED),
    "scaled, undamped, trend smoothing <= 0.1": (True, None, 0.1, UNDAMPED),
    "scaled, level <= 0.5, trend <= 0.1": (True, 0.5, 0.1, BOTH_TRENDS),
    "scaled, level <= 0.3, trend <= 0.05": (True, 0.3, 0.05, BOTH_TRENDS),
    "scaled, undamped, level <= 0.5, trend <= 0.1": (True, 0.5, 0.1, UNDAMPED),
    "scaled, undamped, level <= 0.3, trend <= 0.05": (True, 0.3, 0.05, UNDAMPED),
}


def power_of_two_scale(values: np.ndarray) -> float:
    """The power of two at or below the series' mean absolute value (1 for an all-zero series)."""
    mean = float(np.abs(values).mean())
    return float(2.0 ** np.floor(np.log2(mean))) if mean > 0 else 1.0


def fitted(
    values: np.ndarray,
    scaled: bool,
    level_max: float | None,
    trend_max: float | None,
    trends: tuple[bool, ...],
) -> tuple[np.ndarray, dict]:
    """The 12-month forecast and the kept fit's form and smoothing parameters (trends: the damped
    flags tried, the lower AICc kept)."""
    scale = power_of_two_scale(values) if scaled else 1.0
    bounds = {}
    if level_max is not None:
        bounds["smoothing_level"] = (0.0, level_max)
    if trend_max is not None:
        bounds["smoothing_trend"] = (0.0, trend_max)
    fits = []
    for damped in trends:
        model = ExponentialSmoothing(
            values / scale,
            trend="add",
            damped_trend=damped,
            seasonal="add",
            seasonal_periods=SEASON,
            bounds=bounds or None,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(model.fit(use_brute=False))
    kept = min(fits, key=lambda fit: fit.aicc if np.isfinite(fit.aicc) else np.inf)
    params = kept.params
    about = {
        "damped": bool(kept.model.damped_trend),
        "alpha": float(params["smoothing_level"]),
        "beta": float(params["smoothing_trend"]),
    }
    return np.asarray(kept.forecast(HORIZON)) * scale, about


def city_rows(seed: int, variants: list[str]) -> pd.DataFrame:
    """One row per council cost series and variant of one city."""
    history, future = council_series(seed)
    history = history[history[MEASURE] == COST]
    future = future[future[MEASURE] == COST]
    scale = _seasonal_naive_scale(history)
    engine = ETSForecaster().fit(history[[SERIES_ID, MONTH, VALUE]]).predict(HORIZON)
    rng = np.random.default_rng(seed)
    rows = []
    for uid, series in history.groupby(SERIES_ID):
        values = series[VALUE].to_numpy()
        again = values * (1 + rng.uniform(-NOISE, NOISE, len(values)))
        held_out = future[future[SERIES_ID] == uid].sort_values(MONTH)
        for variant in variants:
            scaled, level_max, trend_max, trends = VARIANTS[variant]
            forecast, about = fitted(values, scaled, level_max, trend_max, trends)
            if variant == "raw":
                theirs = engine.loc[engine[SERIES_ID] == uid, MEAN].to_numpy()
                if not np.allclose(forecast, theirs, rtol=1e-8, atol=0):
                    raise AssertionError(f"the raw fit does not reproduce ETSForecaster on {uid}")
            perturbed, about_again = fitted(again, scaled, level_max, trend_max, trends)
            fits = (forecast, about, perturbed, about_again)
            rows.append(scored(seed, variant, held_out, fits, scale[uid]))
    return pd.DataFrame(rows)


def scored(seed: int, variant: str, held_out: pd.DataFrame, fits: tuple, scale: float) -> dict:
    """One series' row: fits = (forecast per day, its fit's form and smoothing, the forecast and form
    after the 1e-15 input change); held_out: the series' actual cost and days in the held-out year."""
    forecast, about, perturbed, about_again = fits
    actual, days = held_out[VALUE].to_numpy(), held_out["days"].to_numpy()
    error = forecast * days - actual
    return {
        "seed": seed,
        "variant": variant,
        "level": held_out["level"].iloc[0],
        "change": float(np.max(np.abs(perturbed - forecast) / np.abs(forecast))),
        "flipped": about["damped"] != about_again["damped"],
        **about,
        "mase": float(np.abs(error).mean() / scale),
        "bias": float(error.sum() / actual.sum()),
    }


def per_level(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows summarised per level and variant (the tables' columns)."""
    return rows.groupby(["level", "variant"], sort=False).agg(
        series=("change", "size"),
        median=("change", "median"),
        largest=("change", "max"),
        flipped=("flipped", "mean"),
        damped=("damped", "mean"),
        alpha=("alpha", "median"),
        beta=("beta", "median"),
        mase=("mase", "mean"),
        bias=("bias", "mean"),
    )


def report(rows: pd.DataFrame, seconds: float) -> str:
    seeds = sorted(rows["seed"].unique())
    table = per_level(rows)
    lines = [
        "# The council cost's ETS fitted on its own scale or on a power of two",
        "",
        f"(benchmarks/ets_scaling.py at {short_commit()}; {len(seeds)} cities, seeds {seeds[0]}-{seeds[-1]}, "
        f"{seconds / 60:.0f} min on the shared 2-core machine.) Every council cost series of each city's "
        "holdout (per day, as_of 12 months before the end), fitted as the engine's ETS (damped or "
        "undamped by AICc) on its own scale (`raw`, checked against `ETSForecaster`) or divided by a "
        "power of two near its mean; change = the largest relative change of the 12-month forecast when "
        f"every input is multiplied by 1 + u, u uniform in +/- {NOISE:g} (one trial); flipped = the share "
        "whose trend form changed; damped = the share AICc kept damped; alpha and beta: median level and "
        "trend smoothing; MASE and bias over the 12 held-out months (means over the series).",
        "",
        "| level | variant | series | change median | change largest | flipped | damped | alpha | beta "
        "| MASE | bias |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in LEVELS:
        for variant in rows["variant"].unique():
            r = table.loc[(level, variant)]
            lines.append(
                f"| {level} | {variant} | {int(r['series'])} | {r['median']:.1e} | {r['largest']:.1e} "
                f"| {r['flipped']:.0%} | {r['damped']:.0%} | {r['alpha']:.2f} | {r['beta']:.2f} "
                f"| {r['mase']:.3f} | {r['bias']:+.4f} |"
            )
    return "\n".join(lines) + "\n"


def over_cities(
    rows_of: Callable[[int], pd.DataFrame], first_seed: int, cities: int
) -> tuple[pd.DataFrame, float]:
    """rows_of(seed) for each city's seed in turn, concatenated, and the seconds taken (each city's
    progress printed)."""
    started = time.perf_counter()
    rows = []
    for seed in range(first_seed, first_seed + cities):
        rows.append(rows_of(seed))
        print(f"city {seed}: {time.perf_counter() - started:.0f} s", flush=True)
    return pd.concat(rows, ignore_index=True), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=12)
    parser.add_argument("--first-seed", type=int, default=1, help="The first city's seed.")
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=list(VARIANTS),
        default=list(VARIANTS),
        metavar="VARIANT",
        help="The variants to fit (default: all).",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "ets_scaling.md")
    args = parser.parse_args()
    rows, seconds = over_cities(lambda seed: city_rows(seed, args.variants), args.first_seed, args.cities)
    text = report(rows, seconds)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
