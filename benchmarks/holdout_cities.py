"""The demo holdout on many cities: which targets hold on average, and how often in one year.

benchmarks/holdout_demo.py scores one city's held-out year; every decision in benchmarks/holdout.md was
measured on the two product cities (seeds 20260331 and 0). This script trains the same engine, the
same way (as_of 12 months before the end, horizon 12, 2 worker processes, the records' caseload paths),
on cities the decisions never saw (seeds 1, 2, ...), and scores each held-out year with
holdout_demo.holdout_scores. A council series is one to three series over twelve months per city,
so its coverage and its improvement over seasonal naive swing from year to year; pooled over cities
they say whether a target holds in expectation.

Each city's scores are cached in --work (one parquet per seed), so a run can be extended or resumed.

Usage: .venv/bin/python benchmarks/holdout_cities.py [--cities 10] [--work /tmp/demandcast_holdout_cities]
       [--kept MEASURE=METHOD]
       [--out benchmarks/holdout_cities.md]
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import (
    LEVELS,
    held_out_by_method,
    holdout_city,
    holdout_scores,
    kept_argument,
    write_report,
)

from demandcast.columns import MEASURE
from demandcast.models.executor import ProcessExecutor
from demandcast.models.hierarchy import aggregate
from demandcast.models.reconcile import METHODS
from demandcast.models.training import train

ROOT = Path(__file__).resolve().parents[1]
TARGET_IMPROVEMENT = {
    "ward/service": 0.15,
    "council/service": 0.25,
    "council/client_group": 0.25,
    "council/all": 0.25,
}
"""The issue's improvement targets over seasonal naive (ward bottom 15%, council levels 25%)."""
COVERAGE_TOLERANCE = 0.05


def city_scores(seed: int, kept_methods: dict[str, str] | None = None) -> pd.DataFrame:
    """Held-out scores of one city, with train seconds and the chosen models and reconciliation method.

    `kind` is "reconciled" (the engine's forecasts), "base" (each level's chosen model alone) or
    "method:<name>" (the same base forecasts reconciled by each method, whichever the backtest chose).
    """
    hpanel, hierarchy, config, records = holdout_city(seed, kept_methods)
    as_of = config.as_of
    start = time.perf_counter()
    result = train(hpanel, hierarchy, config, executor=ProcessExecutor(n_jobs=2), records=records)
    seconds = time.perf_counter() - start
    full = aggregate(hpanel, hierarchy)
    reconciled = holdout_scores(result.forecasts, full, as_of).assign(kind="reconciled")
    base = holdout_scores(result.model.base_forecast().drop(columns="level"), full, as_of).assign(kind="base")
    scores = pd.concat([reconciled, base, every_method(result.model, full, as_of)], ignore_index=True)
    methods = {measure: d["reconciliation"]["method"] for measure, d in result.decisions.items()}
    chosen = {
        (measure, level): model
        for measure, d in result.decisions.items()
        for level, model in d["chosen_models"].items()
    }
    return scores.assign(
        seed=seed,
        train_seconds=seconds,
        method=scores[MEASURE].map(methods),
        chosen=[chosen.get((m, lvl), "") for m, lvl in zip(scores[MEASURE], scores["level"], strict=True)],
    )


def every_method(model, full: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Held-out scores of the model's base forecasts reconciled by each method (means only)."""
    by_method = held_out_by_method(model, full, as_of, METHODS)
    return pd.concat([s.assign(kind=f"method:{m}") for m, s in by_method.items()], ignore_index=True)


def cached_scores(seeds: list[int], work: Path, kept_methods: dict[str, str] | None = None) -> pd.DataFrame:
    """Every seed's scores, trained now unless cached in `work` (one `work` per `kept_methods`)."""
    work.mkdir(parents=True, exist_ok=True)
    frames = []
    for seed in seeds:
        path = work / f"city_{seed}.parquet"
        if not path.exists():
            scores = city_scores(seed, kept_methods)
            scores.to_parquet(path.with_suffix(".tmp"))
            path.with_suffix(".tmp").replace(path)
            print(f"city {seed}: trained in {scores['train_seconds'].iloc[0]:.0f} s", flush=True)
        frames.append(pd.read_parquet(path))
    return pd.concat(frames, ignore_index=True)


def target_table(scores: pd.DataFrame) -> list[str]:
    """Per level and measure: improvement on the mean MASE over cities, cities meeting it, coverage."""
    rec = _ordered(scores[scores["kind"] == "reconciled"])
    n = rec["seed"].nunique()
    lines = _header(
        "level",
        "measure",
        "mean MASE",
        "mean MASE naive",
        "improvement",
        "cities >= target",
        "cover 80",
        "cover 95",
        "cities covering within 5 points",
    )
    for (level, measure), cell in rec.groupby(["level", MEASURE], sort=False):
        target = TARGET_IMPROVEMENT.get(level)
        meeting = f"{(cell['improvement'] >= target).sum()} of {n} (>= {target:.0%})" if target else "-"
        within = (
            ((cell["in_80"] - 0.80).abs() <= COVERAGE_TOLERANCE + 1e-9)
            & ((cell["in_95"] - 0.95).abs() <= COVERAGE_TOLERANCE + 1e-9)
        ).sum()
        improvement = 1 - cell["err_model"].mean() / cell["err_naive"].mean()
        lines.append(
            _row(
                level,
                measure,
                f"{cell['err_model'].mean():.3f}",
                f"{cell['err_naive'].mean():.3f}",
                f"{improvement:.0%}",
                meeting,
                f"{cell['in_80'].mean():.0%}",
                f"{cell['in_95'].mean():.0%}",
                f"{within} of {n}",
            )
        )
    return lines


def reconciliation_table(scores: pd.DataFrame) -> list[str]:
    """Per level and measure: reconciled MASE over the base's (geometric mean over cities), cities worse."""
    wide = scores.pivot_table(
        index=["seed", "level", MEASURE], columns="kind", values="err_model"
    ).reset_index()
    wide = _ordered(wide.assign(ratio=wide["reconciled"] / wide["base"]))
    n = wide["seed"].nunique()
    lines = _header(
        "level",
        "measure",
        "MASE base",
        "MASE reconciled",
        "ratio (geometric mean)",
        "worst city",
        "cities worse",
    )
    for (level, measure), cell in wide.groupby(["level", MEASURE], sort=False):
        worse = (cell["ratio"] > 1 + 1e-9).sum()
        means = [f"{cell[column].mean():.3f}" for column in ("base", "reconciled")]
        ratios = [f"{_geometric_mean(cell['ratio']):.3f}", f"{cell['ratio'].max():.3f}"]
        lines.append(_row(level, measure, *means, *ratios, f"{worse} of {n}"))
    return lines


def method_table(scores: pd.DataFrame) -> list[str]:
    """Each reconciliation method held out over every city, against the backtest's choice per city.

    Per measure: the geometric mean over cities and the nine levels of the MASE ratio to the base
    forecasts, the (city, level) cells worse than the base, and the mean over cities of the worst level.
    """
    scores = scores[scores["level"].isin(LEVELS)]
    base = scores[scores["kind"] == "base"].set_index(["seed", "level", MEASURE])["err_model"]
    rows = scores[scores["kind"].str.startswith("method:") | (scores["kind"] == "reconciled")]
    rows = rows.assign(
        ratio=rows["err_model"].to_numpy()
        / base.reindex(pd.MultiIndex.from_frame(rows[["seed", "level", MEASURE]])).to_numpy(),
        rule=rows["kind"].str.removeprefix("method:").replace({"reconciled": "the backtest's choice"}),
    )
    lines = _header(
        "measure",
        "reconciliation",
        "geometric mean ratio",
        "cells worse (of cities x 9 levels)",
        "mean worst level",
        "council/all ratio",
    )
    for measure, by_measure in rows.groupby(MEASURE, sort=True):
        table = []
        for rule, cell in by_measure.groupby("rule", sort=False):
            worst = cell.groupby("seed")["ratio"].max().mean()
            council = _geometric_mean(cell.loc[cell["level"] == "council/all", "ratio"])
            worse = (cell["ratio"] > 1 + 1e-9).sum()
            table.append((_geometric_mean(cell["ratio"]), rule, worse, len(cell), worst, council))
        for geometric, rule, worse, n, worst, council in sorted(table):
            lines.append(
                _row(measure, rule, f"{geometric:.3f}", f"{worse} of {n}", f"{worst:.3f}", f"{council:.3f}")
            )
    return lines


def _header(*names: str) -> list[str]:
    """A markdown table's header and rule: the first two columns are text, the rest right-aligned."""
    return [_row(*names), "|---|---|" + "---:|" * (len(names) - 2)]


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _geometric_mean(ratios: pd.Series) -> float:
    return float(np.exp(np.log(ratios).mean()))


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[frame["level"].isin(LEVELS)]
    return frame.assign(order=frame["level"].map(LEVELS.index)).sort_values([MEASURE, "order", "seed"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=10, help="cities with seeds 1..N")
    parser.add_argument("--work", type=Path, default=Path("/tmp/demandcast_holdout_cities"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "holdout_cities.md")
    parser.add_argument("--kept", type=kept_argument, action="append", default=[], metavar="MEASURE=METHOD")
    args = parser.parse_args()
    logging.getLogger("cmdstanpy").disabled = True
    seeds = list(range(1, args.cities + 1))
    scores = cached_scores(seeds, args.work, dict(args.kept))
    seconds = scores.groupby("seed")["train_seconds"].first()
    write_report(
        args.out,
        [
            f"# The demo holdout on {len(seeds)} cities (seeds {seeds[0]}-{seeds[-1]})",
            "",
            "`.venv/bin/python benchmarks/holdout_cities.py "
            f"--cities {args.cities}{''.join(f' --kept {m}={k}' for m, k in args.kept)}`; each city trained"
            " as benchmarks/holdout_demo.py trains one "
            f"(train {seconds.min():.0f}-{seconds.max():.0f} s per city, median {seconds.median():.0f} s).",
            "",
            "## Targets per level (reconciled forecasts)",
            "",
            "Improvement = 1 - mean MASE / mean MASE of seasonal naive over the cities; cities >= target",
            "counts the cities whose own held-out year meets the issue's target; coverage is the mean over",
            "cities of the share of held-out months inside the interval.",
            "",
            *target_table(scores),
            "",
            "## Reconciled versus base forecasts",
            "",
            *reconciliation_table(scores),
            "",
            "## Every reconciliation method held out, from the same base forecasts",
            "",
            "The engine reconciles with the method its backtest chooses (decisions 11 and 13 of",
            "benchmarks/holdout.md); here every method reconciles each city's base forecasts of the",
            "held-out year.",
            "",
            *method_table(scores),
            "",
        ],
    )


if __name__ == "__main__":
    main()
