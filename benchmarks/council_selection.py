"""Choosing a council level's model from three backtest origins: which rule forecasts the held-out year best?

Training picks each level's model by its mean MASE over three rolling origins (models.selection.choose).
At the council levels a level has 1 (total), 3 (client groups) or about 20 (services) series, so the
choice rests on a few dozen errors. For each city (benchmarks/holdout_demo.py's holdout: trained to
12 months before the end, scored on the last 12) this script backtests every council candidate
exactly as training does (training's own level backtest and combination), fits each on the whole
training span and scores its held-out year with the engine's MASE (the scale: the in-sample
seasonal-naive MAE). From those scores it compares rules of choice on the same base forecasts:
- `lowest MASE`: the lowest backtest MASE among every candidate, baselines included (the rule
  before benchmarks/holdout.md decision 38);
- `engine`: models.selection.choose, the rule training uses;
- `combination`: always the mean of the best three;
- `hindsight`: the candidate with the lowest held-out MASE, a bound no rule can reach.
Base forecasts, before reconciliation: at the council caseload client groups and total the engine
serves the sum of the stock-flow's services instead (decision 36), so those two rows only inform.

Each city's scores are cached in --work (one parquet per seed), so a run can be extended or resumed.

Usage: .venv/bin/python benchmarks/council_selection.py [--cities 32] [--jobs 2]
       [--work /tmp/demandcast_council_selection] [--out benchmarks/council_selection.md]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from council_candidates import candidate_row, council_levels, main_over_cities
from provenance import short_commit

from demandcast.models import training
from demandcast.models.combination import COMBINATION
from demandcast.models.selection import BASELINES, choose

RULES = ("lowest MASE", "engine", "combination", "hindsight")


def city_candidates(seed: int) -> pd.DataFrame:
    """Every council candidate of one city: backtest and held-out MASE (seed, measure, level, model)."""
    rows = []
    for level in council_levels(seed):
        frame, names = level.backtest()
        frame, scores, members = training._with_combination(
            frame, level.series, names, level.config.combination_k, level.freq
        )
        columns = [*names, COMBINATION]
        held_out = level.held_out_mase(columns, members)
        rows += [
            candidate_row(
                level, seed, name, backtest=float(scores.loc[name, "mase"]), held_out=float(held_out[name])
            )
            for name in columns
        ]
    return pd.DataFrame(rows)


def picks(candidates: pd.DataFrame) -> pd.DataFrame:
    """Each rule's pick and its held-out MASE for every (seed, measure, level)."""
    rows = []
    for (seed, measure, level), group in candidates.groupby(["seed", "measure", "level"], sort=True):
        scores = group.set_index("model")
        names = list(scores.index)
        picked = {
            "lowest MASE": str(scores["backtest"].idxmin()),
            "engine": choose(scores.rename(columns={"backtest": "mase"}), names),
            "combination": COMBINATION,
            "hindsight": str(scores["held_out"].idxmin()),
        }
        naive = scores.loc["seasonal_naive", "held_out"]
        rows += [
            {
                "seed": seed,
                "measure": measure,
                "level": level,
                "rule": rule,
                "pick": name,
                "held_out": scores.loc[name, "held_out"],
                "naive": naive,
            }
            for rule, name in picked.items()
        ]
    return pd.DataFrame(rows)


def report(candidates: pd.DataFrame) -> str:
    chosen = picks(candidates)
    keys = ["measure", "level"]
    mean = chosen.pivot_table(index=keys, columns="rule", values="held_out")[list(RULES)]
    naive = chosen.groupby(keys)["naive"].mean()
    wide = chosen.pivot_table(index=["seed", *keys], columns="rule", values="held_out")
    change = (wide["engine"] - wide["lowest MASE"]).groupby(level=keys)
    moved = chosen.pivot_table(index=["seed", *keys], columns="rule", values="pick", aggfunc="first")
    moved = (moved["engine"] != moved["lowest MASE"]).groupby(level=keys).sum()
    commit = short_commit()
    lines = [
        "# Choosing a council level's model: rules compared on held-out years",
        "",
        f"(benchmarks/council_selection.py; {candidates['seed'].nunique()} cities: the two product cities "
        f"and seeds 1-{candidates['seed'].nunique() - 2}; commit {commit})",
        "",
        "Mean held-out MASE of the base forecasts each rule picks, by council level; `engine - lowest` is",
        "the mean paired difference with its standard error, and `moved` the cities where the two rules",
        "pick differently.",
        "",
        "| measure | level | seasonal naive | lowest MASE | engine | combination | hindsight "
        "| engine - lowest | moved |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (measure, level), row in mean.iterrows():
        diff = change.get_group((measure, level))
        error = diff.std(ddof=1) / np.sqrt(len(diff))
        lines.append(
            f"| {measure} | {level} | {naive[(measure, level)]:.3f} | {row['lowest MASE']:.3f} | "
            f"{row['engine']:.3f} | {row['combination']:.3f} | {row['hindsight']:.3f} | "
            f"{diff.mean():+.3f} ± {error:.3f} | {moved[(measure, level)]} |"
        )
    lowest = chosen[chosen["rule"] == "lowest MASE"]
    counts = lowest.groupby(keys)["pick"].value_counts().unstack(fill_value=0)
    lines += ["", "What `lowest MASE` picked (cities):", "", _table(counts, "{:d}")]
    by_model = candidates.pivot_table(index=keys, columns="model", values="held_out")
    lines += ["", "Mean held-out MASE of every candidate:", "", _table(by_model, "{:.3f}")]
    baselines = lowest[lowest["pick"].isin(BASELINES)]
    lines += [
        "",
        f"`lowest MASE` picked a baseline in {len(baselines)} of {len(lowest)} (city, measure, level) cells.",
    ]
    return "\n".join([*lines, ""])


def _table(frame: pd.DataFrame, number: str) -> str:
    header = "| measure | level | " + " | ".join(frame.columns) + " |"
    rule = "|---|---|" + "---:|" * len(frame.columns)
    rows = [
        f"| {measure} | {level} | " + " | ".join("" if pd.isna(v) else number.format(v) for v in row) + " |"
        for (measure, level), row in frame.iterrows()
    ]
    return "\n".join([header, rule, *rows])


def main() -> None:
    main_over_cities(city_candidates, report, "council_selection", cities=32)


if __name__ == "__main__":
    main()
