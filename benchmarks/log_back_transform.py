"""Vector ETS on the log scale: forecast the median or the mean of each series?

Vector ETS smooths a series on log(1 + y) where that fits better (its `transform="auto"`), and
exp(w) - 1 of the log-scale forecast w is that series' median, below its mean. MASE rewards the
median; reconciliation sums the forecasts, and a sum of medians falls short of the total. For each
city (seeds 1, 2, ...: the demo holdout's cities, trained to 12 months before the end, the last 12
held out) this script fits vector ETS alone on the series of four levels of each measure, forecasts
the held-out year with either back-transformation (`back_transform` "median" or "mean", the
bias-adjusted one) and scores the series fitted on the log scale: bias (sum of forecast - actual over
the sum of actuals), mean MASE and mean RMSSE. The series fitted on the original scale are the same
either way and are counted for reference.

Usage: .venv/bin/python benchmarks/log_back_transform.py [--cities 6] [--out benchmarks/log_back_transform.md]
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
HELD_OUT = 12


def city_rows(seed: int) -> list[dict]:
    """One row per measure, level, back-transformation and scale (log or not) of one city."""
    hpanel, areas, _, _ = demo_city(seed)
    hierarchy = build_hierarchy(hpanel, areas)
    as_of = hpanel[MONTH].max() - pd.DateOffset(months=HELD_OUT)
    rows = []
    for measure in MEASURES:
        by_level = level_series(hpanel[hpanel[MEASURE] == measure], hierarchy)
        for level in LEVELS:
            y = by_level[level][[SERIES_ID, MONTH, VALUE]]
            train, test = y[y[MONTH] <= as_of], y[y[MONTH] > as_of]
            wide = train.pivot(index=SERIES_ID, columns=MONTH, values=VALUE)
            change = wide - wide.shift(12, axis=1)
            scale, squared_scale = change.abs().mean(axis=1), (change**2).mean(axis=1)
            for back_transform in BACK_TRANSFORMS:
                model = VectorETSForecaster(back_transform=back_transform).fit(train)
                logged = pd.Series(model.log_, index=model.series_ids_)
                f = model.predict(HELD_OUT).merge(test, on=[SERIES_ID, MONTH])
                f = f.assign(scale=f[SERIES_ID].map(scale), squared=f[SERIES_ID].map(squared_scale))
                f = f[f["scale"] > 0].assign(log=f[SERIES_ID].map(logged))
                for log, g in f.groupby("log"):
                    error = g[MEAN] - g[VALUE]
                    per_series = (error**2 / g["squared"]).groupby(g[SERIES_ID]).mean()
                    rows.append(
                        {
                            "seed": seed,
                            "measure": measure,
                            "level": level,
                            "back_transform": back_transform,
                            "log": bool(log),
                            "series": g[SERIES_ID].nunique(),
                            "bias": error.sum() / g[VALUE].sum(),
                            "mase": (error.abs() / g["scale"]).mean(),
                            "rmsse": np.sqrt(per_series).mean(),
                        }
                    )
    return rows


def report(rows: pd.DataFrame, cities: int) -> list[str]:
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
            if (measure, level, "median") not in mean.index:
                continue
            med, avg = mean.loc[(measure, level, "median")], mean.loc[(measure, level, "mean")]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=6)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "log_back_transform.md")
    args = parser.parse_args()
    rows = pd.DataFrame([row for seed in range(1, args.cities + 1) for row in city_rows(seed)])
    write_report(args.out, report(rows, args.cities))


if __name__ == "__main__":
    main()
