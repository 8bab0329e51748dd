"""Does choosing the council models on more backtest origins pick better forecasts for the held-out year?

For each city (benchmarks/holdout_demo.py's holdout: trained to 12 months before the end, scored on the
last 12), every candidate of each council level (council x service, x client group, all; each measure)
is backtested as training backtests it (training's own level backtest: the cost per day, the
stock-flow at the council caseload by service) but from 13 monthly origins over the training months'
last two years, and scored on the held-out year fitted on all training months. The level's fitted
candidate with the lowest mean backtest MASE (models.selection.choose, without the combination) over 3
of those origins (6 months apart, as `demandcast train` chooses), 5 (3 months apart) or all 13 is then
scored on the held-out year (base forecasts, no reconciliation). benchmarks/holdout.md records the
results: decision 15 (two cities, the rule of the time) and decision 39.

Each city's scores are cached in --work (one parquet per seed), so a run can be extended or resumed.

Usage: .venv/bin/python benchmarks/council_origins.py [--cities 32] [--jobs 2]
       [--work /tmp/demandcast_council_origins] [--out benchmarks/council_origins.md]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from council_candidates import candidate_row, council_levels, main_over_cities
from provenance import short_commit

from demandcast.columns import CUTOFF
from demandcast.models.scoring import level_scores
from demandcast.models.selection import choose

ORIGINS = 13
SCHEMES = {
    "3 origins (6 apart)": (0, 6, 12),
    "5 origins (3 apart)": (0, 3, 6, 9, 12),
    "13 origins": range(ORIGINS),
}
"""Which of the 13 monthly origins (0 the earliest, two years before the last) each rule chooses on."""


def city_candidates(seed: int) -> pd.DataFrame:
    """Every council candidate of one city: MASE at each of the 13 origins and held out."""
    rows = []
    for level in council_levels(seed, monthly_origins=ORIGINS):
        frame, names = level.backtest()
        cutoffs = sorted(frame[CUTOFF].unique())
        per_origin = [
            level_scores(frame[frame[CUTOFF] == c], level.series, names, level.freq)["mase"] for c in cutoffs
        ]
        held_out = level.held_out_mase(names, [])
        rows += [
            candidate_row(
                level,
                seed,
                name,
                held_out=float(held_out[name]),
                **{f"origin_{i}": float(scores[name]) for i, scores in enumerate(per_origin)},
            )
            for name in names
        ]
    return pd.DataFrame(rows)


def picks(candidates: pd.DataFrame) -> pd.DataFrame:
    """Each scheme's pick (the engine's rule on its origins' mean MASE) and its held-out MASE."""
    rows = []
    for (seed, measure, level), group in candidates.groupby(["seed", "measure", "level"], sort=True):
        scores = group.set_index("model")
        for scheme, origins in SCHEMES.items():
            mase = scores[[f"origin_{i}" for i in origins]].mean(axis=1).rename("mase").to_frame()
            name = choose(mase, list(scores.index))
            rows.append(
                {
                    "seed": seed,
                    "measure": measure,
                    "level": level,
                    "scheme": scheme,
                    "pick": name,
                    "held_out": scores.loc[name, "held_out"],
                    "naive": scores.loc["seasonal_naive", "held_out"],
                }
            )
    return pd.DataFrame(rows)


def report(candidates: pd.DataFrame) -> str:
    chosen = picks(candidates)
    keys = ["measure", "level"]
    schemes = list(SCHEMES)
    mean = chosen.pivot_table(index=keys, columns="scheme", values="held_out")[schemes]
    naive = chosen.groupby(keys)["naive"].mean()
    wide = chosen.pivot_table(index=["seed", *keys], columns="scheme", values="held_out")
    picked = chosen.pivot_table(index=["seed", *keys], columns="scheme", values="pick", aggfunc="first")
    cities = candidates["seed"].nunique()
    lines = [
        "# Choosing the council models on 3, 5 or 13 backtest origins",
        "",
        f"(benchmarks/council_origins.py; {cities} cities: the two product cities and seeds "
        f"1-{cities - 2}; commit {short_commit()})",
        "",
        "Mean held-out MASE of the base forecasts each scheme picks (the fitted candidate with the lowest",
        "mean backtest MASE over its origins, no combination), by council level; `13 - 3` is the mean",
        "paired difference with its standard error, and `moved` the cities where the two pick differently.",
        "",
        "| measure | level | seasonal naive | " + " | ".join(schemes) + " | 13 - 3 | moved |",
        "|---|---|---:|" + "---:|" * len(schemes) + "---:|---:|",
    ]
    for (measure, level), row in mean.iterrows():
        diff = (wide[schemes[-1]] - wide[schemes[0]]).xs((measure, level), level=keys)
        moved = int((picked[schemes[-1]] != picked[schemes[0]]).xs((measure, level), level=keys).sum())
        error = diff.std(ddof=1) / np.sqrt(len(diff))
        cells = " | ".join(f"{row[s]:.3f}" for s in schemes)
        lines.append(
            f"| {measure} | {level} | {naive[(measure, level)]:.3f} | {cells} | "
            f"{diff.mean():+.3f} ± {error:.3f} | {moved} |"
        )
    return "\n".join([*lines, ""])


def main() -> None:
    main_over_cities(city_candidates, report, "council_origins", cities=32)


if __name__ == "__main__":
    main()
