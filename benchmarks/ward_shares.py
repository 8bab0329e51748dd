"""How the wards share their council service's gap: by forecast, by backtest error or by squared scale.

`top_down` by forecast gives each ward of a service its base forecast's share of the council service
total; `top_down_by_error` instead adds to each ward a share of the gap between the total and the
wards' sum in proportion to the root mean square of its backtest residuals (WLS with the total
immutable on the one-level tree, the rule `top_down_by_level` uses inside the council block, with the
errors' root mean square for their variance); `top_down` given the wards' scales (their in-sample
seasonal-naive MAE up to the origin) shares it in proportion to the squared scales. This script trains
each city as benchmarks/holdout_demo.py does (the model cached in --work), reconciles the same base
forecasts of the held-out year each way and scores every level: the evidence of benchmarks/holdout.md
decisions 32, 33 and 49.

Usage: .venv/bin/python benchmarks/ward_shares.py [--seeds 20260331 0 1 2 ... 12]
       [--work /tmp/demandcast_ward_shares] [--out benchmarks/ward_shares.md]
"""

from __future__ import annotations

import argparse
import logging
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import LEVELS, held_out_by_fit, holdout_city, holdout_scores, write_report

from demandcast.columns import MEASURE, MONTH, SERIES_ID, VALUE
from demandcast.models import reconcile
from demandcast.models.executor import ProcessExecutor
from demandcast.models.hierarchy import aggregate, node_ids
from demandcast.models.training import train

ROOT = Path(__file__).resolve().parents[1]
SHARES = {
    "forecast": (reconcile.TOP_DOWN, False),
    "root mean square": (reconcile.TOP_DOWN_BY_ERROR, False),
    "squared scale": (reconcile.TOP_DOWN, True),
}
"""How a ward's share of the gap is weighted: the reconciliation method that shares it so, and whether
it is given the wards' scales."""


def trained(seed: int, work: Path) -> dict:
    """The city's model trained to 12 months before its end, the full aggregated panel and as_of (cached)."""
    path = work / f"city_{seed}.pkl"
    if not path.exists():
        hpanel, hierarchy, config, records = holdout_city(seed)
        as_of = config.as_of
        result = train(hpanel, hierarchy, config, executor=ProcessExecutor(n_jobs=2), records=records)
        work.mkdir(parents=True, exist_ok=True)
        with path.with_suffix(".tmp").open("wb") as f:
            pickle.dump({"model": result.model, "full": aggregate(hpanel, hierarchy), "as_of": as_of}, f)
        path.with_suffix(".tmp").replace(path)
    with path.open("rb") as f:
        return pickle.load(f)


def bottom_scales(model, full: pd.DataFrame, as_of: pd.Timestamp, measure: str) -> pd.Series:
    """The wards' scales over the training months, as training computes them (MeasureModel.share_scales)."""
    bottom_level = full["level"] == model.hierarchy.bottom_level
    rows = bottom_level & (full[MEASURE] == measure) & (full[MONTH] <= as_of)
    bottom = full[rows].assign(**{SERIES_ID: node_ids(full[rows])})
    return reconcile.whole_history_scales(bottom[[SERIES_ID, MONTH, VALUE]])


def shared(model, full: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """share rule -> holdout_scores of the model's base forecasts reconciled with it (the same bases)."""

    def sharing(method: str, by_scale: bool):
        def changed(measure: str, fit):
            scales = bottom_scales(model, full, as_of, measure) if by_scale else None
            return replace(fit, method=method, share_scales=scales)

        return changed

    variants = {name: sharing(method, by_scale) for name, (method, by_scale) in SHARES.items()}
    return held_out_by_fit(model, full, as_of, variants)


def city_rows(seed: int, work: Path) -> pd.DataFrame:
    city = trained(seed, work)
    model = city["model"]
    base = holdout_scores(model.base_forecast().drop(columns="level"), city["full"], city["as_of"])
    variants = {"base": base, **shared(model, city["full"], city["as_of"])}
    return pd.concat(
        [s[s["level"].isin(LEVELS)].assign(variant=name, seed=seed) for name, s in variants.items()],
        ignore_index=True,
    )


def table(rows: pd.DataFrame) -> list[str]:
    """Per measure and level: each sharing's geometric mean MASE ratio to base over cities, cells worse."""
    wide = rows.pivot_table(index=["seed", MEASURE, "level"], columns="variant", values="err_model")
    lines = [
        "| measure | level | " + " | ".join(f"{name} (worse)" for name in SHARES) + " |",
        "|---|---|" + "---:|" * len(SHARES),
    ]
    ratios = {name: np.log(wide[name] / wide["base"]) for name in SHARES}
    frame = pd.DataFrame(ratios).reset_index()
    frame = frame.assign(order=frame["level"].map(LEVELS.index)).sort_values([MEASURE, "order"])

    def row(measure: str, level: str, cell: pd.DataFrame) -> str:
        cells = [f"{np.exp(cell[name].mean()):.3f} ({(cell[name] > 1e-9).sum()})" for name in SHARES]
        return f"| {measure} | {level} | " + " | ".join(cells) + " |"

    lines += [row(m, level, cell) for (m, level), cell in frame.groupby([MEASURE, "level"], sort=False)]
    lines += [row(m, "all nine levels", cell) for m, cell in frame.groupby(MEASURE)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[20260331, 0, *range(1, 13)])
    parser.add_argument("--work", type=Path, default=Path("/tmp/demandcast_ward_shares"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "ward_shares.md")
    args = parser.parse_args()
    logging.getLogger("cmdstanpy").disabled = True
    rows = pd.concat([city_rows(seed, args.work) for seed in args.seeds], ignore_index=True)
    write_report(
        args.out,
        [
            f"# How the wards share their council service's gap ({len(args.seeds)} cities)",
            "",
            "`.venv/bin/python benchmarks/ward_shares.py` (seeds "
            f"{', '.join(map(str, args.seeds))}); held out 12 months, the same base forecasts. Cells: the",
            "geometric mean over cities of the MASE ratio to the base forecasts (below 1 is better), and in",
            "brackets the cities where it is worse than base.",
            "",
            *table(rows),
            "",
        ],
    )


if __name__ == "__main__":
    main()
