"""Intervals beyond the backtest's year: do they still mean what they say 13-24 months ahead?

The backtest looks at most a year ahead (data.panel_input.backtest_span), so the conformal intervals are
calibrated on steps 1-12; `demandcast train` serves up to 36. For each city (seeds 1, 2, ...) this script
trains as benchmarks/holdout_demo.py does but 24 months before the end of the data with a 24-month
horizon, and scores the coverage of the held-out months 1-12 and 13-24 ahead in three variants with
the same means:
- as trained: beyond step 12 each level's bounds grow as (step / 12)^b, b learnt from how its errors
  grew over steps 6-12 (models.conformal; benchmarks/holdout.md decisions 40, 42), and the council
  caseload's client groups and total, whose intervals are the stock-flow's own within the backtest's
  year (decision 36), get those conformal bounds floored by the stock-flow's noise (decision 41);
- flat: step 12's bounds reused beyond it (before decision 40; still floored where decision 41 floors);
- stock-flow's own: as trained, but the stock-flow's own intervals at every step (before decision 41);
- b = 1: every level's bounds grow in proportion to the step beyond step 12, the largest growth decision
  42 allows: where even these miss, no growth exponent would mend the intervals (decision 46).
It also reports the forecasts' bias per level in both years (the same in every variant).

Usage: .venv/bin/python benchmarks/long_horizon.py [--cities 8] [--out benchmarks/long_horizon.md]
"""

from __future__ import annotations

import argparse
import logging
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
from holdout_demo import LEVELS, holdout_city, holdout_scores
from provenance import short_commit

from demandcast.columns import CASELOAD, HORIZON_STEP, MEASURE, MONTH, SERIES_ID
from demandcast.models.demand_model import DemandModel
from demandcast.models.executor import ProcessExecutor
from demandcast.models.hierarchy import NODE_KEYS, aggregate
from demandcast.models.noise_floor import with_noise_floor
from demandcast.models.training import train

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 24
BANDS = {"months 1-12": (1, 12), "months 13-24": (13, 24)}


def city_coverage(seed: int) -> pd.DataFrame:
    """Scores per level, measure, band and variant (as trained, flat, ...) of one city's 24-month holdout."""
    hpanel, hierarchy, config, records = holdout_city(seed)
    as_of = hpanel[MONTH].max() - pd.DateOffset(months=HORIZON) + pd.offsets.MonthEnd(0)
    config = replace(config, as_of=as_of, horizon=HORIZON)
    model = train(hpanel, hierarchy, config, executor=ProcessExecutor(n_jobs=2), records=records).model
    as_trained = model.forecast()
    variants = {"as trained": as_trained, "stock-flow's own": _stock_flow_own(model, as_trained)}
    for growth, variant in ((1.0, "b = 1"), (None, "flat")):
        for fit in model.measures.values():
            for intervals in fit.intervals.values():
                if growth is None:
                    del intervals.growth_  # step 12's bounds reused beyond it, as saved before it
                else:
                    intervals.growth_ = growth
        variants[variant] = model.forecast()
    full = aggregate(hpanel, hierarchy)
    rows = [
        band_scores(forecasts, full, as_of).assign(seed=seed, variant=v) for v, forecasts in variants.items()
    ]
    return pd.concat(rows, ignore_index=True)


def band_scores(forecasts: pd.DataFrame, full: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """holdout_scores of the forecasts' months 1-12 and 13-24 after `as_of` per level of LEVELS; a
    column `band`."""
    first = as_of.to_period("M").to_timestamp()
    rows = []
    for band, (lo, hi) in BANDS.items():
        months = forecasts[MONTH].between(first + pd.DateOffset(months=lo), first + pd.DateOffset(months=hi))
        scores = holdout_scores(forecasts[months], full, as_of)
        rows.append(scores[scores["level"].isin(LEVELS)].assign(band=band))
    return pd.concat(rows, ignore_index=True)


def _stock_flow_own(model: DemandModel, forecasts: pd.DataFrame) -> pd.DataFrame:
    """`forecasts` with the stock-flow's own intervals at every step where they serve within the year."""
    fit = model.measures[CASELOAD]
    if not fit.floor_is_whole:
        return forecasts
    keyed = forecasts.merge(model.nodes[[*NODE_KEYS, SERIES_ID]], on=list(NODE_KEYS), how="left")
    keyed[HORIZON_STEP] = keyed.groupby(SERIES_ID)[MONTH].rank(method="dense").astype(int)
    caseload = keyed[MEASURE] == CASELOAD
    levels = tuple(next(iter(fit.intervals.values())).levels)
    own = with_noise_floor(keyed[caseload], fit.noise_floor, levels, whole_through=HORIZON)
    return pd.concat([own, keyed[~caseload]])[list(forecasts.columns)]


def report(coverage: pd.DataFrame) -> str:
    table = coverage.pivot_table(
        index=[MEASURE, "level"], columns=["band", "variant"], values=["in_80", "in_95"]
    )
    seeds = sorted(coverage["seed"].unique())
    lines = [
        "# Intervals 13-24 months ahead (24-month holdouts)",
        "",
        f"(benchmarks/long_horizon.py; {len(seeds)} cities, seeds {seeds[0]}-{seeds[-1]}, trained 24 months "
        f"before the end of the data with a 24-month horizon; commit {short_commit()})",
        "",
        "Mean coverage over cities of the held-out months inside the 80% / 95% intervals: as trained;",
        "with step 12's bounds reused beyond it (flat); with the stock-flow's own intervals at every step",
        "where they serve within the year (the council caseload's client groups and total); with every",
        "level's bounds growing in proportion to the step beyond it (b = 1, the most the growth rule",
        "allows). Months 1-12 are the same in all four.",
        "",
        "| measure | level | months 1-12 | months 13-24, flat | months 13-24, stock-flow's own "
        "| months 13-24, as trained | months 13-24, b = 1 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (measure, level), row in table.iterrows():
        cells = [
            f"{row[('in_80', band, variant)]:.0%} / {row[('in_95', band, variant)]:.0%}"
            for band, variant in (
                ("months 1-12", "as trained"),
                ("months 13-24", "flat"),
                ("months 13-24", "stock-flow's own"),
                ("months 13-24", "as trained"),
                ("months 13-24", "b = 1"),
            )
        ]
        lines.append(f"| {measure} | {level} | " + " | ".join(cells) + " |")
    return "\n".join([*lines, "", *_bias_report(coverage), ""])


def _bias_report(coverage: pd.DataFrame) -> list[str]:
    """The forecasts' bias in each year per measure: the mean over cities, and the cities under-forecast.

    The bias is the sum of (forecast - actual) over the sum of actuals; the forecasts are coherent, so
    it is the same at every level of a measure, the council total's.
    """
    trained = coverage[(coverage["variant"] == "as trained") & (coverage["level"] == "council/all")]
    bias = trained.pivot_table(index=MEASURE, columns="band", values="bias")
    under = (trained["bias"] < 0).groupby([trained[MEASURE], trained["band"]]).sum()
    n = trained["seed"].nunique()
    lines = [
        "## Bias of the forecasts in each year",
        "",
        "Sum of (forecast - actual) over the sum of actuals, averaged over the cities (negative: under-",
        "forecast; the same at every level, the forecasts being coherent), and the cities under-forecast.",
        "",
        "| measure | months 1-12 | months 13-24 | cities under-forecast, months 1-12 | months 13-24 |",
        "|---|---:|---:|---:|---:|",
    ]
    for measure, row in bias.iterrows():
        first, second = (int(under[(measure, band)]) for band in BANDS)
        lines.append(
            f"| {measure} | {row['months 1-12']:+.1%} | {row['months 13-24']:+.1%} "
            f"| {first} of {n} | {second} of {n} |"
        )
    return lines


def main() -> None:
    logging.getLogger("cmdstanpy").disabled = True
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--cities", type=int, default=8, help="seeds 1..N (cities no decision was measured on)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "long_horizon.md")
    args = parser.parse_args()
    coverage = pd.concat([city_coverage(seed) for seed in range(1, args.cities + 1)], ignore_index=True)
    text = report(coverage)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
