"""How the wards share their council service's gap: by forecast (`top_down`) or by backtest error.

`top_down` gives each ward of a service its base forecast's share of the council service total. WLS-var
with the total immutable on the one-level tree (the rule `top_down_by_level` uses inside the council
block) instead adds to each ward a share of the gap between the total and the wards' sum in proportion to
its backtest residual variance; a milder form shares it in proportion to the residuals' root mean square.
This script trains each city as benchmarks/holdout_demo.py does (the model cached in --work), reconciles
the same base forecasts of the held-out year all three ways (the council block as `top_down` does) and
scores every level: the evidence of benchmarks/holdout.md decision 32.

Usage: .venv/bin/python benchmarks/ward_shares.py [--seeds 20260331 0 1 2 ... 12]
       [--work /tmp/demandcast_ward_shares] [--out benchmarks/ward_shares.md]
"""

from __future__ import annotations

import argparse
import logging
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import LEVELS, base_forecasts, demo_city, holdout_config, holdout_scores, write_report

from demandcast.columns import ACTUAL, MEAN, MEASURE, MONTH, SERIES_ID
from demandcast.models import reconcile
from demandcast.models.executor import ProcessExecutor
from demandcast.models.hierarchy import aggregate, build_hierarchy, summing_matrix, tags
from demandcast.models.training import train

ROOT = Path(__file__).resolve().parents[1]
SHARES = {"forecast": None, "variance": 1.0, "root mean square": 0.5}
"""How a ward's share of the gap is weighted: None is `top_down` itself; else residual variance ** power."""


def trained(seed: int, work: Path) -> dict:
    """The city's model trained to 12 months before its end, the full aggregated panel and as_of (cached)."""
    path = work / f"city_{seed}.pkl"
    if not path.exists():
        hpanel, areas, wards, records = demo_city(seed)
        hierarchy = build_hierarchy(hpanel, areas)
        config = holdout_config(seed, hpanel, wards)
        as_of = config.as_of
        result = train(hpanel, hierarchy, config, executor=ProcessExecutor(n_jobs=2), records=records)
        work.mkdir(parents=True, exist_ok=True)
        with path.with_suffix(".tmp").open("wb") as f:
            pickle.dump({"model": result.model, "full": aggregate(hpanel, hierarchy), "as_of": as_of}, f)
        path.with_suffix(".tmp").replace(path)
    with path.open("rb") as f:
        return pickle.load(f)


def shared_by_error(base, s_df, node_tags, residuals, power: float) -> pd.DataFrame:
    """`top_down`'s council block, the wards taking the gap in proportion to residual variance ** power."""
    block_s, parent_of_bottom = reconcile._top_block(s_df, node_tags)
    block_ids = block_s[SERIES_ID]
    top = list(node_tags[reconcile._top_area_levels(node_tags)[-1]])
    totals = reconcile.wls_var_keeping_top(
        base[base[SERIES_ID].isin(block_ids)], block_s, residuals[residuals[SERIES_ID].isin(block_ids)], top
    ).rename(columns={SERIES_ID: "parent", MEAN: "total"})
    squared = (residuals[ACTUAL] - residuals[MEAN]) ** 2
    variance = squared.groupby(residuals[SERIES_ID]).mean()
    bottom = base[base[SERIES_ID].isin(parent_of_bottom.index)][[SERIES_ID, MONTH, MEAN]]
    bottom = bottom.assign(
        parent=bottom[SERIES_ID].map(parent_of_bottom).to_numpy(),
        weight=bottom[SERIES_ID].map(variance).fillna(0.0).to_numpy() ** power,
    ).merge(totals, on=["parent", MONTH], how="left", validate="many_to_one")
    family = bottom.groupby(["parent", MONTH])
    weights, sums = family["weight"].transform("sum"), family[MEAN].transform("sum")
    size = family["weight"].transform("size")
    share = np.where(weights > 0, bottom["weight"] / weights.where(weights > 0, 1.0), 1.0 / size)
    values = bottom[MEAN] + share * (bottom["total"] - sums)
    shared = base[[SERIES_ID, MONTH]].merge(
        bottom[[SERIES_ID, MONTH]].assign(**{MEAN: values.to_numpy()}), on=[SERIES_ID, MONTH], how="left"
    )
    return reconcile.non_negative(shared.fillna({MEAN: 0.0}), s_df)


def city_rows(seed: int, work: Path) -> pd.DataFrame:
    city = trained(seed, work)
    model = city["model"]
    s_df, node_tags = summing_matrix(model.hierarchy), tags(model.hierarchy)
    keys = model.nodes.drop(columns="level")
    frames = []
    for measure, base in base_forecasts(model).items():
        fit = model.measures[measure]
        variants = {"base": base}
        for name, power in SHARES.items():
            variants[name] = (
                reconcile.reconcile(base, s_df, node_tags, (reconcile.TOP_DOWN,), fit.residuals)[
                    reconcile.TOP_DOWN
                ]
                if power is None
                else shared_by_error(base, s_df, node_tags, fit.residuals, power)
            )
        for name, forecasts in variants.items():
            keyed = forecasts.merge(keys, on=SERIES_ID).assign(**{MEASURE: measure})
            scores = holdout_scores(keyed, city["full"], city["as_of"])
            frames.append(scores[scores["level"].isin(LEVELS)].assign(variant=name, seed=seed))
    return pd.concat(frames, ignore_index=True)


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
