"""Would more backtest origins calibrate the council intervals better?

The council levels have one to twenty series, so their conformal intervals (models.interval_calibration)
learn a year's spread from three backtest origins six months apart, each stretched until it covers its
nominal share on the origin left out. For each city (benchmarks/holdout_demo.py's holdout: trained to 12
months before the end, scored on the last 12) every fitted candidate of each council level is backtested as
training backtests it but from 13 monthly origins over the training months' last two years, as
benchmarks/council_origins.py does; its intervals are calibrated as training calibrates them on 3 of those
origins (6 months apart, as trained), on 5 (3 apart) or on all 13, and laid around the candidate's forecast
of the held-out year (fitted on all training months). The coverage and the mean width (relative to the
forecast) of those intervals over the held-out year are averaged over candidates and cities. Base
forecasts and the conformal intervals alone: no reconciliation, no stock-flow floor
(benchmarks/holdout.md, decision 43).

Each city's rows are cached in --work (one parquet per seed), so a run can be extended or resumed.

Usage: .venv/bin/python benchmarks/council_interval_origins.py [--cities 14] [--jobs 2]
       [--work /tmp/demandcast_council_interval_origins] [--out benchmarks/council_interval_origins.md]
"""

from __future__ import annotations

import pandas as pd
from council_candidates import candidate_row, council_levels, main_over_cities
from council_origins import ORIGINS, SCHEMES
from provenance import short_commit

from demandcast.columns import CUTOFF, MEAN, MONTH, SERIES_ID
from demandcast.models import training
from demandcast.models.interval_calibration import calibrated_intervals, interval_scores
from demandcast.models.selection import BASELINES

LEVELS = (80, 95)


def city_candidates(seed: int) -> pd.DataFrame:
    """Every fitted council candidate of one city: held-out coverage and width of its intervals per scheme."""
    rows = []
    for level in council_levels(seed, monthly_origins=ORIGINS):
        frame, names = level.backtest()
        cutoffs = sorted(frame[CUTOFF].unique())
        for name in (n for n in names if n not in BASELINES):
            _, forecast = training._fitted((level.level, level.series, name, []), config=level.config)
            for scheme, origins in SCHEMES.items():
                chosen = frame[frame[CUTOFF].isin([cutoffs[i] for i in origins])].assign(level=level.level)
                intervals, _, _ = calibrated_intervals(chosen, LEVELS, column=name)
                held = intervals[level.level].apply(forecast[[SERIES_ID, MONTH, MEAN]])
                held = held.merge(level.held, on=[SERIES_ID, MONTH])
                rows.append(candidate_row(level, seed, name, scheme=scheme, **_coverage_and_width(held)))
    return pd.DataFrame(rows)


def _coverage_and_width(held: pd.DataFrame) -> dict[str, float]:
    """Each level's coverage (interval_scores) and mean width as a share of the forecast."""
    coverage = {k: v for k, v in interval_scores(held, LEVELS).items() if k.startswith("coverage_")}
    forecast = held[MEAN].abs().clip(lower=1e-9)
    widths = {f"width_{L}": float(((held[f"hi_{L}"] - held[f"lo_{L}"]) / forecast).mean()) for L in LEVELS}
    return coverage | widths


def report(candidates: pd.DataFrame) -> str:
    keys = ["measure", "level"]
    schemes = list(SCHEMES)
    table = candidates.pivot_table(
        index=keys, columns="scheme", values=["coverage_80", "coverage_95", "width_80"]
    )
    cities = candidates["seed"].nunique()
    lines = [
        "# Calibrating the council intervals on 3, 5 or 13 backtest origins",
        "",
        f"(benchmarks/council_interval_origins.py; {cities} cities: the two product cities and seeds "
        f"1-{cities - 2}; commit {short_commit()})",
        "",
        "Held-out coverage of the 80% / 95% intervals and the mean width of the 80% interval (share of the",
        "forecast) of every fitted council candidate, calibrated on each scheme's origins, averaged over",
        "candidates and cities.",
        "",
        "| measure | level | " + " | ".join(f"{s}: cover / width" for s in schemes) + " |",
        "|---|---|" + "---:|" * len(schemes),
    ]
    for (measure, level), row in table.iterrows():
        cells = " | ".join(
            f"{row[('coverage_80', s)]:.0%} / {row[('coverage_95', s)]:.0%}, {row[('width_80', s)]:.1%}"
            for s in schemes
        )
        lines.append(f"| {measure} | {level} | {cells} |")
    return "\n".join([*lines, ""])


def main() -> None:
    main_over_cities(city_candidates, report, "council_interval_origins", cities=14)


if __name__ == "__main__":
    main()
