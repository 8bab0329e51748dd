"""Months 13-24 of the cost: each level's model extrapolated, or its first year grown by the drift?

Since benchmarks/holdout.md decision 52, the cost models of the few-series levels keep their first
year of forecasts and grow it by each series' two-year drift beyond (models.grown_beyond_year). For
each city (seeds 1, 2, ...: the cities of benchmarks/long_horizon.py) this script trains once, 24
months before the end of the data with a 24-month horizon, and forecasts twice from the same model:
as trained, and with every such model's own extrapolation beyond its first year (the engine before
decision 52). It scores both per level and year: mean MASE, coverage 80/95 and the bias (sum of
forecast - actual over the sum of actuals) of the cost; caseload and starts are not touched.

Usage: .venv/bin/python benchmarks/grown_beyond_year.py [--cities 8]
       [--out benchmarks/grown_beyond_year.md]
"""

from __future__ import annotations

import argparse
import copy
import logging
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
from holdout_demo import LEVELS, holdout_city, holdout_scores
from long_horizon import BANDS, HORIZON
from provenance import short_commit

from demandcast.columns import COST, MEASURE, MONTH
from demandcast.models.combination import MeanForecaster
from demandcast.models.demand_model import DemandModel
from demandcast.models.executor import ProcessExecutor
from demandcast.models.grown_beyond_year import GrownBeyondYear
from demandcast.models.hierarchy import aggregate
from demandcast.models.training import train

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("extrapolated", "grown")


def extrapolated(model: DemandModel) -> DemandModel:
    """A copy of `model` whose grown cost models forecast with their own model beyond the first year."""
    out = copy.deepcopy(model)
    for fitted in out.measures[COST].models.values():
        for _, rate in fitted.members_ if isinstance(fitted, MeanForecaster) else [("", fitted)]:
            inner = getattr(rate, "model_", None)
            if isinstance(inner, GrownBeyondYear):
                rate.model_ = inner.model_
    return out


def city_scores(seed: int) -> pd.DataFrame:
    """Cost scores per level, band and variant of one city's 24-month holdout."""
    hpanel, hierarchy, config, records = holdout_city(seed)
    as_of = hpanel[MONTH].max() - pd.DateOffset(months=HORIZON) + pd.offsets.MonthEnd(0)
    config = replace(config, as_of=as_of, horizon=HORIZON)
    model = train(hpanel, hierarchy, config, executor=ProcessExecutor(n_jobs=2), records=records).model
    forecasts = {"grown": model.forecast(), "extrapolated": extrapolated(model).forecast()}
    full, first = aggregate(hpanel, hierarchy), as_of.to_period("M").to_timestamp()
    rows = []
    for variant, frame in forecasts.items():
        cost = frame[frame[MEASURE] == COST]
        for band, (lo, hi) in BANDS.items():
            months = cost[MONTH].between(first + pd.DateOffset(months=lo), first + pd.DateOffset(months=hi))
            scores = holdout_scores(cost[months], full, as_of)
            rows.append(scores[scores["level"].isin(LEVELS)].assign(seed=seed, variant=variant, band=band))
    return pd.concat(rows, ignore_index=True)


def report(scores: pd.DataFrame) -> str:
    seeds = sorted(scores["seed"].unique())
    table = scores.pivot_table(
        index="level", columns=["band", "variant"], values=["err_model", "in_80", "in_95", "bias"]
    )
    lines = [
        "# Cost 13-24 months ahead: each model extrapolated, or its first year grown by the drift",
        "",
        f"(benchmarks/grown_beyond_year.py; {len(seeds)} cities, seeds {seeds[0]}-{seeds[-1]}, trained 24 "
        f"months before the end of the data with a 24-month horizon; commit {short_commit()})",
        "",
        "The same trained model forecast twice: the few-series levels' cost models extrapolated beyond",
        "their first year (the engine before benchmarks/holdout.md decision 52), and their first year",
        "grown by each series' two-year drift (since). Means over cities of each level's mean MASE, the",
        "coverage of the 80% / 95% intervals, and the bias (sum of forecast - actual over the sum of",
        "actuals; coherent forecasts: one figure per city at every level). Months 1-12 are the same in both.",
        "",
        "| level | MASE, months 1-12 | months 13-24, extrapolated | grown | cover, months 13-24, "
        "extrapolated | grown | bias, months 13-24, extrapolated | grown |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in LEVELS:
        row = table.loc[level]
        second = "months 13-24"
        mase = " | ".join(f"{row[('err_model', second, v)]:.3f}" for v in VARIANTS)
        cover = " | ".join(
            f"{row[('in_80', second, v)]:.0%} / {row[('in_95', second, v)]:.0%}" for v in VARIANTS
        )
        bias = " | ".join(f"{row[('bias', second, v)]:+.1%}" for v in VARIANTS)
        first = row[("err_model", "months 1-12", "grown")]
        lines.append(f"| {level} | {first:.3f} | {mase} | {cover} | {bias} |")
    return "\n".join([*lines, ""])


def main() -> None:
    warnings.filterwarnings("ignore")
    logging.getLogger("cmdstanpy").disabled = True
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=8, help="seeds 1..N")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "grown_beyond_year.md")
    args = parser.parse_args()
    scores = pd.concat([city_scores(seed) for seed in range(1, args.cities + 1)], ignore_index=True)
    text = report(scores)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
