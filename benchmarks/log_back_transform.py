"""Vector ETS on the log scale: forecast the median or the mean of each series?

Vector ETS smooths a series on log(1 + y) where that fits better (its `transform="auto"`), and
exp(w) - 1 of the log-scale forecast w is that series' median, below its mean. MASE rewards the
median; reconciliation sums the forecasts, and a sum of medians falls short of the total. For each
city (seeds 1, 2, ...: the demo holdout's cities, trained to 12 months before the end, the last 12
held out) this script fits vector ETS alone on the series of four levels of each measure, forecasts
the held-out year with either back-transformation (`back_transform` "median" or "mean", the
bias-adjusted one) and scores the series fitted on the log scale: bias (sum of forecast - actual over
the sum of actuals), mean MASE and mean RMSSE. The series fitted on the original scale are the same
either way and are counted for reference. With `--held-out 36` (trained on the first 36 months) the
report is the starts' bias and MASE in each held-out year instead: how the mean's adjustment, which
grows with the forecast variance, holds up beyond the year.

Usage: .venv/bin/python benchmarks/log_back_transform.py [--cities 6] [--held-out 12]
       [--out benchmarks/log_back_transform.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import demo_city, write_report
from provenance import short_commit

from demandcast.columns import MEAN, MEASURE, MONTH, SERIES_ID, VALUE
from demandcast.models.hierarchy import build_hierarchy, level_series
from demandcast.models.vector_ets import BACK_TRANSFORMS, VectorETSForecaster

ROOT = Path(__file__).resolve().parents[1]
MEASURES = ("starts", "caseload", "cost")
LEVELS = ("ward/service", "ward/client_group", "district/service", "council/service")
YEAR = 12


def city_rows(seed: int, held_out: int, measures: tuple[str, ...] = MEASURES) -> list[dict]:
    """One row per measure, level, back-transformation, scale (log or not) and held-out year of one city."""
    hpanel, areas, _, _ = demo_city(seed)
    hierarchy = build_hierarchy(hpanel, areas)
    as_of = hpanel[MONTH].max() - pd.DateOffset(months=held_out)
    rows = []
    for measure in measures:
        by_level = level_series(hpanel[hpanel[MEASURE] == measure], hierarchy)
        for level in LEVELS:
            y = by_level[level][[SERIES_ID, MONTH, VALUE]]
            train, test = y[y[MONTH] <= as_of], y[y[MONTH] > as_of]
            wide = train.pivot(index=SERIES_ID, columns=MONTH, values=VALUE)
            change = wide - wide.shift(12, axis=1)
            scale, squared_scale = change.abs().mean(axis=1), (change**2).mean(axis=1)
            model = VectorETSForecaster().fit(train)  # the fit is the same either way
            logged = pd.Series(model.log_, index=model.series_ids_)
            for back_transform in BACK_TRANSFORMS:
                model.back_transform = back_transform
                f = model.predict(held_out).merge(test, on=[SERIES_ID, MONTH])
                step = (f[MONTH].dt.year - as_of.year) * 12 + f[MONTH].dt.month - as_of.month
                f = f.assign(scale=f[SERIES_ID].map(scale), squared=f[SERIES_ID].map(squared_scale))
                f = f.assign(year=(step.to_numpy() - 1) // YEAR + 1)
                f = f[f["scale"] > 0].assign(log=f[SERIES_ID].map(logged))
                for (log, year), g in f.groupby(["log", "year"]):
                    error = g[MEAN] - g[VALUE]
                    per_series = (error**2 / g["squared"]).groupby(g[SERIES_ID]).mean()
                    rows.append(
                        {
                            "seed": seed,
                            "measure": measure,
                            "level": level,
                            "back_transform": back_transform,
                            "log": bool(log),
                            "year": int(year),
                            "series": g[SERIES_ID].nunique(),
                            "bias": error.sum() / g[VALUE].sum(),
                            "mase": (error.abs() / g["scale"]).mean(),
                            "rmsse": np.sqrt(per_series).mean(),
                        }
                    )
    return rows


def report(rows: pd.DataFrame, cities: int) -> list[str]:
    """The held-out year's table of every measure and level (log-scale series and the others)."""
    logged = rows[rows["log"]]
    mean = logged.groupby(["measure", "level", "back_transform"])[["series", "bias", "mase", "rmsse"]].mean()
    lines = [
        "# Vector ETS on the log scale: median or mean forecasts",
        "",
        f"(benchmarks/log_back_transform.py; {cities} cities, seeds 1-{cities}, trained to 12 months"
        f" before the end, the last 12 held out; commit {short_commit()})",
        "",
        "Vector ETS alone on each level's series; the series it fits on the log scale (mean count per city"
        " below), their held-out year forecast as medians (exp(w) - 1) or as means (exp(w) (1 + v/2) - 1,"
        " v the log-scale forecast variance): bias = sum of (forecast - actual) / sum of actuals, mean"
        " MASE and RMSSE over the series, averaged over the cities.",
        "",
        "| measure | level | log series | bias median | bias mean | MASE median | MASE mean"
        " | RMSSE median | RMSSE mean |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for measure in MEASURES:
        for level in LEVELS:
            if (pair := _median_and_mean(mean, (measure, level))) is None:
                continue
            med, avg = pair
            lines.append(
                f"| {measure} | {level} | {med['series']:.0f} | {med['bias']:+.1%} | {avg['bias']:+.1%} | "
                f"{med['mase']:.3f} | {avg['mase']:.3f} | {med['rmsse']:.3f} | {avg['rmsse']:.3f} |"
            )
    additive = rows[~rows["log"] & (rows["back_transform"] == "median")]
    kept = additive.groupby(["measure", "level"])[["series", "bias"]].mean()
    lines += [
        "",
        "The series fitted on the original scale (the same forecasts either way): mean count and bias.",
        "",
        "| measure | level | series | bias |",
        "|---|---|---:|---:|",
        *[
            f"| {measure} | {level} | {r.series:.0f} | {r.bias:+.1%} |"
            for (measure, level), r in kept.iterrows()
        ],
    ]
    return lines


def years_report(rows: pd.DataFrame, cities: int, held_out: int) -> list[str]:
    """The starts' log-scale series, bias and MASE in each held-out year, median and mean forecasts."""
    logged = rows[rows["log"]]
    mean = logged.groupby(["level", "year", "back_transform"])[["bias", "mase"]].mean()
    lines = [
        "# Vector ETS on the log scale: the starts' median or mean forecasts beyond the year",
        "",
        f"(benchmarks/log_back_transform.py --held-out {held_out}; {cities} cities, seeds 1-{cities}, trained"
        f" on the months before the last {held_out}, which are held out; commit {short_commit()})",
        "",
        "The starts' series vector ETS fits on the log scale, by held-out year: bias (sum of forecast -"
        " actual over the sum of actuals) and mean MASE of the medians and of the means, averaged over"
        " the cities.",
        "",
        "| level | year | bias median | bias mean | MASE median | MASE mean |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for level in LEVELS:
        for year in sorted(logged["year"].unique()):
            if (pair := _median_and_mean(mean, (level, year))) is None:
                continue
            med, avg = pair
            lines.append(
                f"| {level} | {year} | {med['bias']:+.1%} | {avg['bias']:+.1%} | {med['mase']:.3f} |"
                f" {avg['mase']:.3f} |"
            )
    return lines


def _median_and_mean(mean: pd.DataFrame, key: tuple) -> tuple[pd.Series, pd.Series] | None:
    """The rows of `key` with the median and with the mean back-transformation (None: no such series)."""
    if (*key, "median") not in mean.index:
        return None
    return mean.loc[(*key, "median")], mean.loc[(*key, "mean")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=6)
    parser.add_argument("--held-out", type=int, default=YEAR, help="months held out (12: one year)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "log_back_transform.md")
    args = parser.parse_args()
    seeds = range(1, args.cities + 1)
    if args.held_out <= YEAR:
        rows = pd.DataFrame([row for seed in seeds for row in city_rows(seed, args.held_out)])
        write_report(args.out, report(rows, args.cities))
    else:
        rows = pd.DataFrame([row for seed in seeds for row in city_rows(seed, args.held_out, ("starts",))])
        write_report(args.out, years_report(rows, args.cities, args.held_out))


if __name__ == "__main__":
    main()
