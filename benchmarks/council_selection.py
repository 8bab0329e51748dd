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

import argparse
import logging
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from council_oracle import city_seeds
from holdout_demo import holdout_city
from provenance import short_commit

from demandcast.columns import ACTUAL, CUTOFF, MEAN, MEASURE, MONTH, SERIES_ID, VALUE
from demandcast.data.panel_input import backtest_span
from demandcast.models import training
from demandcast.models.base import infer_freq
from demandcast.models.combination import COMBINATION
from demandcast.models.demand_model import measure_series
from demandcast.models.scoring import level_scores
from demandcast.models.selection import BASELINES, choose

ROOT = Path(__file__).resolve().parents[1]
RULES = ("lowest MASE", "engine", "combination", "hindsight")


def city_candidates(seed: int) -> pd.DataFrame:
    """Every council candidate of one city: backtest and held-out MASE (seed, measure, level, model)."""
    logging.getLogger("cmdstanpy").disabled = True
    warnings.filterwarnings("ignore")
    hpanel, hierarchy, config, records = holdout_city(seed)
    panel = training._panel_up_to(hpanel, config.as_of)
    freq = infer_freq(panel[MONTH])
    h, step = backtest_span(freq, config.horizon)
    paths = training._caseload_paths(records, panel, hierarchy, config, h=h, step=step, freq=freq)
    config = replace(config, caseload_paths=paths)
    last = panel[MONTH].max()
    rows = []
    for measure in sorted(panel[MEASURE].unique()):
        trained, full = measure_series(panel, hierarchy, measure), measure_series(hpanel, hierarchy, measure)
        for level, y in trained.items():
            if not level.startswith("council/"):
                continue
            frame, names = training._level_backtest((level, y, None), config=config, h=h, step=step)
            frame, scores, members = training._with_combination(frame, y, names, config.combination_k, freq)
            columns = [*names, COMBINATION]
            held = full[level][full[level][MONTH] > last][[SERIES_ID, MONTH, VALUE]]
            held = held.rename(columns={VALUE: ACTUAL}).assign(**{CUTOFF: last})
            for name in columns:
                _, forecast = training._fitted((level, y, name, members), config=config)
                held = held.merge(forecast.rename(columns={MEAN: name}), on=[SERIES_ID, MONTH], how="left")
            held_out = level_scores(held, y, columns, freq)["mase"]
            rows += [
                {
                    "seed": seed,
                    "measure": measure,
                    "level": level,
                    "model": name,
                    "backtest": float(scores.loc[name, "mase"]),
                    "held_out": float(held_out[name]),
                }
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
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=32, help="the two product cities and seeds 1..N-2")
    parser.add_argument("--work", type=Path, default=Path("/tmp/demandcast_council_selection"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "council_selection.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    seeds = city_seeds(args.cities)
    missing = [seed for seed in seeds if not (args.work / f"city_{seed}.parquet").exists()]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for seed, frame in zip(missing, pool.map(city_candidates, missing), strict=True):
            frame.to_parquet(args.work / f"city_{seed}.parquet")
            print(f"city {seed} done", flush=True)
    candidates = pd.concat([pd.read_parquet(args.work / f"city_{seed}.parquet") for seed in seeds])
    text = report(candidates)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
