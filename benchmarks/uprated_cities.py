"""The engine's cost forecasts on demo cities whose open packages are uprated each April.

The demo generator never uprates an open package, so the stock's cost per case accelerates as the
packages open when the history began leave, and the council cost falls 2% short 13-24 months ahead
(benchmarks/holdout.md, decision 58). For each city (seeds 1, 2, ...; the cities of
benchmarks/long_horizon.py) this script trains the engine as long_horizon.py does, 24 months before the
end of the data with a 24-month horizon, twice: on the records as generated, and on the same records
priced again each April (demandcast.data.demo.uplifts: a row per price, each April's row its service's
price growth dearer). The counts are the same in both (the panel reads the rows of a package as one,
features.packages), so only the cost differs. The starts are left out of the panel (the cost's
models do not read them) to halve the time. Scored on the held-out months 1-12 and 13-24: cost bias
(sum of forecast - actual over the sum of actuals), mean MASE and 80/95 coverage per level.

Usage: .venv/bin/python benchmarks/uprated_cities.py [--cities 8] [--out benchmarks/uprated_cities.md]
       [--cache DIR] (per-city scores kept there, so a run can be resumed)
"""

from __future__ import annotations

import argparse
import logging
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
from holdout_demo import LEVELS, holdout_config
from long_horizon import HORIZON, band_scores
from provenance import short_commit

from demandcast.catalogue import load_catalogue
from demandcast.columns import COST, MEASURE, MONTH, STARTS, WARD_CODE
from demandcast.data.demo.generate import generate_demo_city
from demandcast.data.demo.uplifts import priced_each_april
from demandcast.data.panel_input import hpanel_from_ward_panel
from demandcast.data.wards import load_wards
from demandcast.features.panel import monthly_panel
from demandcast.models.executor import ProcessExecutor
from demandcast.models.hierarchy import aggregate, build_hierarchy
from demandcast.models.training import train

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ("as generated", "uprated each April")


def city_scores(seed: int, version: str) -> pd.DataFrame:
    """Cost scores per level and band of one city's 24-month holdout, its records as `version`."""
    wards = load_wards()
    records = generate_demo_city(seed=seed)
    panel = monthly_panel(records, ward_codes=list(wards[WARD_CODE]), catalogue=load_catalogue())
    if version == VERSIONS[1]:
        records = priced_each_april(records, panel[MONTH].min())
        panel = monthly_panel(records, ward_codes=list(wards[WARD_CODE]), catalogue=load_catalogue())
    hpanel, areas = hpanel_from_ward_panel(panel[panel[MEASURE] != STARTS], wards)
    hierarchy = build_hierarchy(hpanel, areas)
    as_of = hpanel[MONTH].max() - pd.DateOffset(months=HORIZON) + pd.offsets.MonthEnd(0)
    config = replace(holdout_config(seed, hpanel, wards), as_of=as_of, horizon=HORIZON)
    model = train(hpanel, hierarchy, config, executor=ProcessExecutor(n_jobs=2), records=records).model
    scores = band_scores(model.forecast(), aggregate(hpanel, hierarchy), as_of)
    return scores[scores[MEASURE] == COST].assign(seed=seed, version=version).reset_index(drop=True)


def cached_scores(seed: int, version: str, cache: Path) -> pd.DataFrame:
    path = cache / f"{seed}-{version.replace(' ', '_')}.parquet"
    if not path.exists():
        city_scores(seed, version).to_parquet(path)
    return pd.read_parquet(path)


def report(scores: pd.DataFrame) -> str:
    seeds = sorted(scores["seed"].unique())
    lines = [
        "# Cost forecasts on demo cities uprated each April",
        "",
        f"(benchmarks/uprated_cities.py; {len(seeds)} cities, seeds {seeds[0]}-{seeds[-1]}, trained 24 months"
        f" before the end of the data with a 24-month horizon; commit {short_commit()})",
        "",
        "The council cost's bias (sum of forecast - actual over the sum of actuals; the forecasts are",
        "coherent, so it is the same at every level), mean over cities, and the cities under-forecast:",
        "",
        "| records | bias, months 1-12 | months 13-24 | cities short, months 1-12 | months 13-24 |",
        "|---|---:|---:|---:|---:|",
    ]
    council = scores[scores["level"] == "council/all"]
    for version in VERSIONS:
        mine = council[council["version"] == version].groupby("band")["bias"]
        mean, short = mine.mean(), mine.apply(lambda b: int((b < 0).sum()))
        lines.append(
            f"| {version} | {mean['months 1-12']:+.2%} | {mean['months 13-24']:+.2%}"
            f" | {short['months 1-12']} of {len(seeds)} | {short['months 13-24']} of {len(seeds)} |"
        )
    lines += [
        "",
        "Mean MASE and 80% / 95% coverage per level (the MASE of different series: each version's own",
        "seasonal-naive scale):",
        "",
        "| level | records | MASE, months 1-12 | months 13-24 | cover, months 1-12 | months 13-24 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    table = scores.groupby(["level", "version", "band"])[["err_model", "in_80", "in_95"]].mean()
    for level in LEVELS:
        for version in VERSIONS:
            cells = table.loc[(level, version)]
            lines.append(
                f"| {level} | {version} | {cells.loc['months 1-12', 'err_model']:.3f}"
                f" | {cells.loc['months 13-24', 'err_model']:.3f}"
                f" | {cells.loc['months 1-12', 'in_80']:.0%} / {cells.loc['months 1-12', 'in_95']:.0%}"
                f" | {cells.loc['months 13-24', 'in_80']:.0%} / {cells.loc['months 13-24', 'in_95']:.0%} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    logging.getLogger("cmdstanpy").disabled = True
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cities", type=int, default=8)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "uprated_cities.md")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/demandcast-uprated"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    scores = pd.concat(
        [
            cached_scores(seed, version, args.cache)
            for seed in range(1, args.cities + 1)
            for version in VERSIONS
        ],
        ignore_index=True,
    )
    text = report(scores)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
