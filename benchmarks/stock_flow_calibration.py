"""Is the stock-flow's predictive variance honest? Standardised council caseload errors over many cities.

features.caseload_paths gives, beside each council caseload mean, a predictive variance; the engine
floors its council caseload intervals at mean +/- z x its square root (models.noise_floor). If the
variance is right, the errors (actual - mean) / sqrt(variance) have a standard deviation of about 1
and the normal 80% / 95% intervals cover about 80% / 95% of the months. This script generates
demo cities with many seeds (at council level nothing depends on the seed but chance), computes the
paths from each city's own records at the five diagnostic origins (benchmarks/holdout_demo.py
ORIGINS), and scores them against the city's actual council caseload up to 24 months ahead, as far as
the data reach (the second year of the horizon is learnt from other month ends), at each council
level (service, client group, all). Months whose mean is below 50 are left out (the normal
approximation is poor for small counts), and so are months the paths call certain (variance 0: every
learnt rate 0 or 1 and no new demand in either year), counted apart.

Usage: .venv/bin/python benchmarks/stock_flow_calibration.py [--cities 40]
       [--out benchmarks/stock_flow_calibration.md]
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
from council_oracle import EXTRACT_DATE, PANEL_START, city_seeds, council_caseload
from holdout_demo import ORIGINS

from demandcast.columns import ALL, CLIENT_GROUP, MEAN, MONTH, SERVICE, WARD_CODE
from demandcast.data.demo.generate import generate_demo_city
from demandcast.data.wards import load_wards
from demandcast.features.caseload_paths import VARIANCE, caseload_paths

ROOT = Path(__file__).resolve().parents[1]
LONGEST_HORIZON = 24  # the second year of the horizon learns from other month ends: check it too
SMALLEST_MEAN = 50
Z_80, Z_95 = 1.2816, 1.9600


def council_nodes(pairs: pd.DataFrame) -> pd.DataFrame:
    """The council caseload (months x pairs) at every council node: month, client_group, service, actual."""
    groups = pairs.T.groupby(level=CLIENT_GROUP).sum().T
    nodes = {
        **{key: pairs[key] for key in pairs.columns},
        **{(group, ALL): groups[group] for group in groups.columns},
        (ALL, ALL): pairs.sum(axis=1),
    }
    frame = pd.DataFrame(nodes)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=[CLIENT_GROUP, SERVICE])
    return frame.stack([CLIENT_GROUP, SERVICE], future_stack=True).rename("actual").reset_index()


def months_ahead(label: str) -> int:
    """Months from the origin to the end of the data, at most LONGEST_HORIZON."""
    origin, last = pd.Period(label, "M"), pd.Period(EXTRACT_DATE, "M")
    return min(LONGEST_HORIZON, (last - origin).n)


def city_errors(seed: int, ward_codes: list[str]) -> pd.DataFrame:
    records = generate_demo_city(seed=seed)
    actual = council_nodes(council_caseload(records, ward_codes))
    wards = pd.Series("council", index=records[WARD_CODE].unique())
    origins = {pd.Timestamp(f"{label}-01"): months_ahead(label) for label in ORIGINS}
    paths = caseload_paths(records, wards, origins, first_month=pd.Timestamp(PANEL_START))
    scored = paths.merge(actual, on=[MONTH, CLIENT_GROUP, SERVICE], how="inner")
    assert len(scored) == len(paths), "every path month has an actual"
    scored["step"] = (scored[MONTH].dt.year - scored["origin"].dt.year) * 12 + (
        scored[MONTH].dt.month - scored["origin"].dt.month
    )
    scored["level"] = np.select(
        [scored[CLIENT_GROUP] == ALL, scored[SERVICE] == ALL], ["all", "client_group"], "service"
    )
    scored["z"] = (scored["actual"] - scored[MEAN]) / np.sqrt(scored[VARIANCE])
    return scored.assign(seed=seed)


def summary(errors: pd.DataFrame, by: str) -> pd.DataFrame:
    z = errors.groupby(by)["z"]
    return pd.DataFrame(
        {
            "months": z.size(),
            "sd of z": z.std(),
            "mean of z": z.mean(),
            "cover 80": z.apply(lambda v: (v.abs() <= Z_80).mean()),
            "cover 95": z.apply(lambda v: (v.abs() <= Z_95).mean()),
        }
    )


def report(errors: pd.DataFrame, n_cities: int) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    large = errors[errors[MEAN] >= SMALLEST_MEAN]
    usable = large[large[VARIANCE] > 0]
    certain = large[large[VARIANCE] == 0]
    lines = [
        "# Council caseload: is the stock-flow's predictive variance honest?",
        "",
        "(benchmarks/stock_flow_calibration.py)",
        "",
        f"{n_cities} demo cities x {len(ORIGINS)} origins ({', '.join(ORIGINS)}), up to 24 months ahead, "
        f"months with a mean of at least {SMALLEST_MEAN}; z = (actual - mean) / sqrt(variance); "
        f"commit {commit}.",
        "",
        f"Left out: {len(certain)} months the paths call certain (variance 0; "
        f"{int((certain['actual'] != certain[MEAN]).sum())} of them missed).",
        "",
        "## By council level, months 1-12",
        "",
        _table(summary(usable[usable["step"] <= 12], "level").reindex(["service", "client_group", "all"])),
        "",
        "## By council level, months 13-24 (origins 2023-03 to 2024-03)",
        "",
        _table(summary(usable[usable["step"] > 12], "level").reindex(["service", "client_group", "all"])),
        "",
        "## Council/all by months ahead",
        "",
        _table(summary(usable[usable["level"] == "all"], "step")),
        "",
    ]
    return "\n".join(lines)


def _table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join([frame.index.name or "", *frame.columns]) + " |"
    rule = "|---|" + "---:|" * len(frame.columns)
    rows = [
        f"| {key} | {row['months']:.0f} | {row['sd of z']:.2f} | {row['mean of z']:+.2f} | "
        f"{row['cover 80']:.0%} | {row['cover 95']:.0%} |"
        for key, row in frame.iterrows()
    ]
    return "\n".join([header, rule, *rows])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=40, help="the two product cities and seeds 1..N-2")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "stock_flow_calibration.md")
    args = parser.parse_args()
    seeds, ward_codes = city_seeds(args.cities), list(load_wards()[WARD_CODE])
    errors = pd.concat([city_errors(seed, ward_codes) for seed in seeds], ignore_index=True)
    text = report(errors, len(seeds))
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
