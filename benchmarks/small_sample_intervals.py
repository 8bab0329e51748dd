"""Widening the intervals for the few independent errors a level's backtest holds: held-out coverage.

Each level's conformal intervals are learnt from three backtest origins and stretched until they cover
their nominal share of the origin left out (models.interval_calibration). Where a level's errors move
together within an origin (one council cost total: a year's errors all share the origin's surprise), its
36 residuals are worth about three draws; the engine then widens the intervals by Student's t over the
normal quantile with Kish's effective sample size as degrees of freedom (models.effective_sample;
benchmarks/holdout.md, decision 44). For each city (benchmarks/holdout_demo.py's holdout: trained to 12
months before the end, scored on the last 12) this script trains the engine, takes each district and
council level's reconciled backtest, and lays two sets of intervals around the held-out year's
forecasts: the stretch alone (the engine before decision 44) and the stretch with the small-sample
widening (the engine's). The council caseload by client group and in total are left out: with records
their intervals are the stock-flow's spread or floored by it (models.noise_floor).

Each city's rows are cached in --work (one parquet per seed), so a run can be extended or resumed.

Usage: .venv/bin/python benchmarks/small_sample_intervals.py [--cities 14] [--jobs 2]
       [--work /tmp/demandcast_small_sample_intervals] [--out benchmarks/small_sample_intervals.md]
"""

from __future__ import annotations

import logging
import warnings

import pandas as pd
from council_candidates import main_over_cities
from holdout_demo import holdout_city
from provenance import short_commit

from demandcast.columns import MEAN, MEASURE, MONTH, SERIES_ID, VALUE
from demandcast.models.conformal import ConformalIntervals
from demandcast.models.hierarchy import aggregate, node_ids
from demandcast.models.interval_calibration import calibrated_intervals, interval_scores
from demandcast.models.training import train

LEVELS = (80, 95)
RULES = {"stretch": "stretch alone", "small_sample": "with the small-sample widening"}


def city_levels(seed: int) -> pd.DataFrame:
    """Per measure and district or council level of one city: held-out coverage and width by rule."""
    logging.getLogger("cmdstanpy").disabled = True
    warnings.filterwarnings("ignore")
    hpanel, hierarchy, config, records = holdout_city(seed)
    result = train(hpanel, hierarchy, config, records=records)
    full = aggregate(hpanel, hierarchy)
    full = full.assign(**{SERIES_ID: node_ids(full)})
    forecasts = result.forecasts.assign(**{SERIES_ID: node_ids(result.forecasts)})
    held = forecasts.merge(full[["level", MEASURE, SERIES_ID, MONTH, VALUE]], on=[MEASURE, SERIES_ID, MONTH])
    backtest = result.backtest.assign(**{SERIES_ID: node_ids(result.backtest)})
    backtest = backtest.merge(held[["level", SERIES_ID]].drop_duplicates(), on=SERIES_ID)
    rows = []
    for (measure, level), frame in backtest.groupby([MEASURE, "level"]):
        if level.startswith("ward") or (measure, level) in STOCK_FLOW_LEVELS:
            continue
        frame = frame.dropna(subset=["actual", "reconciled"])
        intervals, reported, _ = calibrated_intervals(frame, LEVELS, column="reconciled")
        stretch = {lvl: reported[level][f"widening_{lvl}"] for lvl in LEVELS}
        rules = {
            "small_sample": intervals[level],
            "stretch": ConformalIntervals(levels=LEVELS).fit(frame, "reconciled").widened(stretch),
        }
        target = held[(held[MEASURE] == measure) & (held["level"] == level)]
        for rule, fitted in rules.items():
            scored = fitted.apply(target[[SERIES_ID, MONTH, MEAN]]).assign(actual=target[VALUE].to_numpy())
            rows.append(
                {
                    "seed": seed,
                    MEASURE: measure,
                    "level": level,
                    "rule": rule,
                    "effective_sample_size": reported[level]["effective_sample_size"],
                    **{f"factor_{lvl}": reported[level][f"small_sample_widening_{lvl}"] for lvl in LEVELS},
                    **coverage_and_width(scored),
                }
            )
    return pd.DataFrame(rows)


STOCK_FLOW_LEVELS = {("caseload", "council/client_group"), ("caseload", "council/all")}
"""Levels whose intervals, given records, are the stock-flow's spread or floored by it (noise_floor)."""


def coverage_and_width(scored: pd.DataFrame) -> dict[str, float]:
    """Each interval level's coverage and width: the widths summed over the forecasts summed.

    Summed, not a mean of each row's share, which a forecast near zero (a district's rare service)
    would make meaningless.
    """
    coverage = {k: v for k, v in interval_scores(scored, LEVELS).items() if k.startswith("coverage_")}
    total = max(float(scored[MEAN].abs().sum()), 1e-9)
    widths = {f"width_{L}": float((scored[f"hi_{L}"] - scored[f"lo_{L}"]).sum()) / total for L in LEVELS}
    return coverage | widths


def report(rows: pd.DataFrame) -> str:
    keys = [MEASURE, "level"]
    table = rows.pivot_table(index=keys, columns="rule", values=["coverage_80", "coverage_95", "width_80"])
    widened = rows[rows["rule"] == "small_sample"]
    sizes = widened.groupby(keys)[["effective_sample_size", "factor_80", "factor_95"]].median()
    cities = rows["seed"].nunique()
    lines = [
        "# Intervals widened for the few independent errors of a level's backtest",
        "",
        f"(benchmarks/small_sample_intervals.py; {cities} cities: the two product cities and seeds "
        f"1-{cities - 2}; commit {short_commit()})",
        "",
        "Held-out coverage of the 80% / 95% intervals and the width of the 80% interval (the widths summed",
        "over the forecasts summed), averaged over cities; the effective sample size (Kish, clusters =",
        "backtest origins) and the small-sample widening of the 80% and 95% intervals are the cities'",
        "medians.",
        "",
        "| measure | level | effective sample | widening 80 / 95 | "
        + " | ".join(f"{name}: cover / width" for name in RULES.values())
        + " |",
        "|---|---|---:|---:|" + "---:|" * len(RULES),
    ]
    for (measure, level), row in table.iterrows():
        size = sizes.loc[(measure, level)]
        cells = " | ".join(
            f"{row[('coverage_80', r)]:.0%} / {row[('coverage_95', r)]:.0%}, {row[('width_80', r)]:.1%}"
            for r in RULES
        )
        lines.append(
            f"| {measure} | {level} | {size['effective_sample_size']:.0f} | "
            f"{size['factor_80']:.2f} / {size['factor_95']:.2f} | {cells} |"
        )
    return "\n".join([*lines, ""])


def main() -> None:
    main_over_cities(city_levels, report, "small_sample_intervals", cities=14)


if __name__ == "__main__":
    main()
