"""Does a damped trend under-forecast the council's cost in the second year?

Unit costs rise every April, so a council's cost keeps growing; a damped trend flattens within a
year. For each city (seeds 1, 2, ...; the cities of benchmarks/long_horizon.py) this script fits
statsmodels' Holt-Winters (additive yearly season) on the council cost per day of the month
(benchmarks/holdout.md, decision 25) of every client group and the total, 24 months before the end
of the data, with the engine's own `ETSForecaster`: the trend damped (its `ets` candidate before
decision 48), undamped, the one of the two with the lower AICc (AutoETS' choice, the engine's since
decision 48), and damped on the log scale; and seasonal drift, the last year grown by the geometric
mean of the last one or two yearly ratios (measured as an engine candidate and not adopted, decision
50); and ETS by AICc for the first 12 months, then each month the one 12 earlier grown by the
two-year drift. It scores the next 24 months: bias (sum of forecast - actual over the sum of
actuals) and mean absolute percentage error, in months 1-12 and 13-24.

Usage: .venv/bin/python benchmarks/cost_trend_damping.py [--cities 16]
       [--out benchmarks/cost_trend_damping.md]
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import holdout_city
from provenance import short_commit

from demandcast.columns import (
    ALL,
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
from demandcast.models.grown_beyond_year import yearly_growth
from demandcast.models.hierarchy import aggregate
from demandcast.models.statistical import ETSForecaster

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 24
PerDayForecast = Callable[[np.ndarray, pd.DatetimeIndex], np.ndarray]
"""(cost per day of the training months, their months) -> the next 24 months' cost per day."""


def holt_winters(damped: bool | str, *, log: bool = False) -> PerDayForecast:
    """The engine's ETS (additive trend and season) on the cost per day, or on its log."""

    def forecast(per_day: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
        history = pd.DataFrame({SERIES_ID: "s", MONTH: months, VALUE: np.log(per_day) if log else per_day})
        mean = ETSForecaster(damped=damped).fit(history).predict(HORIZON)[MEAN].to_numpy()
        return np.exp(mean) if log else mean

    return forecast


def seasonal_drift(years: int) -> PerDayForecast:
    """The last year repeated, grown by the geometric mean of the last `years` yearly ratios of sums."""

    def forecast(per_day: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:  # noqa: ARG001
        growth = yearly_growth(per_day, 12, years)
        return np.resize(per_day[-12:], HORIZON) * growth ** (np.arange(HORIZON) // 12 + 1)

    return forecast


def first_year_grown(first: PerDayForecast, years: int) -> PerDayForecast:
    """`first`'s first 12 months, then each month 12 earlier grown by the history's yearly growth."""

    def forecast(per_day: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
        year = first(per_day, months)[:12]
        growth = yearly_growth(per_day, 12, years)
        return np.resize(year, HORIZON) * growth ** (np.arange(HORIZON) // 12)

    return forecast


TRENDS: dict[str, PerDayForecast] = {
    "damped": holt_winters(True),
    "undamped": holt_winters(False),
    "by AICc": holt_winters("auto"),
    "damped, log scale": holt_winters(True, log=True),
    "seasonal drift, 1 year": seasonal_drift(1),
    "seasonal drift, 2 years": seasonal_drift(2),
    "by AICc, then grown by 2 years' drift": first_year_grown(holt_winters("auto"), 2),
}
BANDS = {"months 1-12": slice(0, 12), "months 13-24": slice(12, 24)}


def city_errors(seed: int) -> pd.DataFrame:
    """Bias and absolute percentage error per council cost node, trend form and band of one city."""
    hpanel, hierarchy, _, _ = holdout_city(seed)
    full = aggregate(hpanel, hierarchy)
    as_of = hpanel[MONTH].max() - pd.DateOffset(months=HORIZON) + pd.offsets.MonthEnd(0)
    council = full[(full[AREA_LEVEL] == COUNCIL) & (full[MEASURE] == COST) & (full[SERVICE] == ALL)]
    rows = []
    for group, series in council.groupby(CLIENT_GROUP):
        values = series.set_index(MONTH)[VALUE].sort_index()
        days = values.index.days_in_month.to_numpy(dtype=float)
        past = values.index <= as_of
        actual = values[~past].to_numpy()[:HORIZON]
        per_day = values[past].to_numpy() / days[past]
        for form, forecaster in TRENDS.items():
            forecast = forecaster(per_day, values.index[past])[: len(actual)] * days[~past][: len(actual)]
            for band, months in BANDS.items():
                error = forecast[months] - actual[months]
                rows.append(
                    {
                        "seed": seed,
                        "level": "all" if group == ALL else "client_group",
                        "trend": form,
                        "band": band,
                        "bias": error.sum() / actual[months].sum(),
                        "ape": float(np.mean(np.abs(error) / actual[months])),
                    }
                )
    return pd.DataFrame(rows)


def report(errors: pd.DataFrame) -> str:
    seeds = sorted(errors["seed"].unique())
    per_city = errors.groupby(["level", "trend", "band", "seed"])[["bias", "ape"]].mean()
    table = per_city.groupby(["level", "trend", "band"]).mean().unstack("band")
    under = (per_city["bias"] < 0).groupby(["level", "trend", "band"]).sum().unstack("band")
    lines = [
        "# Council cost two years ahead: damped or undamped trend, or seasonal drift",
        "",
        f"(benchmarks/cost_trend_damping.py; {len(seeds)} cities, seeds {seeds[0]}-{seeds[-1]}, fitted 24 "
        f"months before the end of the data; commit {short_commit()})",
        "",
        "Holt-Winters on the council cost per day (additive yearly season), and the last year grown by the",
        "mean of the last one or two yearly ratios (seasonal drift), and ETS by AICc whose second year is",
        "its first grown by the two-year drift, forecast 24 months. Bias: sum",
        "of forecast - actual over the sum of actuals (negative: under-forecast); MAPE: mean absolute",
        "percentage error. Means over cities (client groups: over their three series first).",
        "",
        "| level | trend | bias, months 1-12 | months 13-24 | MAPE, months 1-12 | months 13-24 "
        "| cities under-forecast, months 13-24 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (level, trend), row in table.iterrows():
        bias = " | ".join(f"{row[('bias', band)]:+.2%}" for band in BANDS)
        ape = " | ".join(f"{row[('ape', band)]:.2%}" for band in BANDS)
        short = int(under.loc[(level, trend), "months 13-24"])
        lines.append(f"| {level} | {trend} | {bias} | {ape} | {short} of {len(seeds)} |")
    return "\n".join([*lines, ""])


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=16, help="seeds 1..N (the cities of long_horizon.py)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "cost_trend_damping.md")
    args = parser.parse_args()
    errors = pd.concat([city_errors(seed) for seed in range(1, args.cities + 1)], ignore_index=True)
    text = report(errors)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
