"""Is the stock-flow's predictive variance honest? Standardised council caseload errors over many cities.

features.caseload_paths gives, beside each caseload mean of an area, a predictive variance; the
engine floors its council caseload intervals at mean +/- z x its square root (models.noise_floor).
If the variance is right, the errors (actual - mean) / sqrt(variance) have a standard deviation of
about 1 and the normal 80% / 95% intervals cover about 80% / 95% of the months. This script
generates demo cities with many seeds (at council level nothing depends on the seed but chance),
computes the paths from each city's own records at the five diagnostic origins
(benchmarks/holdout_demo.py ORIGINS), for the council and for each of its ten districts, and scores
them against the actual caseload up to 24 months ahead, as far as the data reach (the second year of
the horizon is learnt from other month ends), at each service level (service, client group, all).
Months whose mean is below 50 are left out (the normal approximation is poor for small counts), and
so are months the paths call certain (variance 0: every learnt rate 0 or 1 and no new demand in
either year), counted apart.

Usage: .venv/bin/python benchmarks/stock_flow_calibration.py [--cities 40]
       [--out benchmarks/stock_flow_calibration.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from council_oracle import EXTRACT_DATE, PANEL_START, city_seeds
from holdout_demo import ORIGINS
from provenance import short_commit

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    ALL,
    AREA,
    CASELOAD,
    CLIENT_GROUP,
    COUNCIL,
    DISTRICT,
    MEAN,
    MEASURE,
    MONTH,
    SERVICE,
    VALUE,
    WARD_CODE,
)
from demandcast.data.demo.generate import generate_demo_city
from demandcast.data.wards import load_wards
from demandcast.features.caseload_paths import VARIANCE, caseload_paths
from demandcast.features.panel import monthly_panel

ROOT = Path(__file__).resolve().parents[1]
LONGEST_HORIZON = 24  # the second year of the horizon learns from other month ends: check it too
SMALLEST_MEAN = 50
Z_80, Z_95 = 1.2816, 1.9600


AREA_LEVELS = (COUNCIL, DISTRICT)  # columns of the ward table


def area_caseload(records: pd.DataFrame, wards: pd.DataFrame, area_level: str) -> pd.DataFrame:
    """The caseload at every node of each area: area, month, client_group, service, actual."""
    panel = monthly_panel(
        records,
        ward_codes=list(wards[WARD_CODE]),
        catalogue=load_catalogue(),
        start=PANEL_START,
        as_of=EXTRACT_DATE,
    )
    caseload = panel[panel[MEASURE] == CASELOAD]
    caseload = caseload.assign(**{AREA: caseload[WARD_CODE].map(wards.set_index(WARD_CODE)[area_level])})
    nodes = [
        caseload.groupby([AREA, MONTH, CLIENT_GROUP, SERVICE])[VALUE].sum().reset_index(),
        caseload.groupby([AREA, MONTH, CLIENT_GROUP])[VALUE].sum().reset_index().assign(**{SERVICE: ALL}),
        caseload.groupby([AREA, MONTH])[VALUE]
        .sum()
        .reset_index()
        .assign(**{CLIENT_GROUP: ALL, SERVICE: ALL}),
    ]
    return pd.concat(nodes, ignore_index=True).rename(columns={VALUE: "actual"})


def months_ahead(label: str) -> int:
    """Months from the origin to the end of the data, at most LONGEST_HORIZON."""
    origin, last = pd.Period(label, "M"), pd.Period(EXTRACT_DATE, "M")
    return min(LONGEST_HORIZON, (last - origin).n)


def city_errors(seed: int, wards: pd.DataFrame) -> pd.DataFrame:
    """Standardised errors of the paths of every area of each area level of the city made with `seed`."""
    records = generate_demo_city(seed=seed)
    return pd.concat([area_errors(records, wards, level).assign(seed=seed) for level in AREA_LEVELS])


def area_errors(records: pd.DataFrame, wards: pd.DataFrame, area_level: str) -> pd.DataFrame:
    """Standardised errors of the paths of each area of `area_level` (council or district)."""
    actual = area_caseload(records, wards, area_level)
    ward_areas = wards.set_index(WARD_CODE)[area_level]
    origins = {pd.Timestamp(f"{label}-01"): months_ahead(label) for label in ORIGINS}
    paths = caseload_paths(records, ward_areas, origins, first_month=pd.Timestamp(PANEL_START))
    scored = paths.merge(actual, on=[AREA, MONTH, CLIENT_GROUP, SERVICE], how="inner")
    assert len(scored) == len(paths), "every path month has an actual"
    scored["step"] = (scored[MONTH].dt.year - scored["origin"].dt.year) * 12 + (
        scored[MONTH].dt.month - scored["origin"].dt.month
    )
    scored["level"] = np.select(
        [scored[CLIENT_GROUP] == ALL, scored[SERVICE] == ALL], ["all", "client_group"], "service"
    )
    scored["z"] = (scored["actual"] - scored[MEAN]) / np.sqrt(scored[VARIANCE])
    return scored.assign(area_level=area_level)


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
    """The tables of every area level in `errors`."""
    commit = short_commit()
    lines = [
        "# Council and district caseload: is the stock-flow's predictive variance honest?",
        "",
        "(benchmarks/stock_flow_calibration.py)",
        "",
        f"{n_cities} demo cities x {len(ORIGINS)} origins ({', '.join(ORIGINS)}), up to 24 months ahead, "
        f"months with a mean of at least {SMALLEST_MEAN}; z = (actual - mean) / sqrt(variance); "
        f"commit {commit}.",
    ]
    for area_level, at_level in errors.groupby("area_level", sort=False):
        lines += _level_report(at_level, area_level)
    return "\n".join([*lines, ""])


def _level_report(errors: pd.DataFrame, area_level: str) -> list[str]:
    large = errors[errors[MEAN] >= SMALLEST_MEAN]
    usable = large[large[VARIANCE] > 0]
    certain = large[large[VARIANCE] == 0]
    levels = ["service", "client_group", "all"]
    return [
        "",
        f"## {area_level.capitalize()} ({errors[AREA].nunique()} per city)",
        "",
        f"Left out: {len(certain)} months the paths call certain (variance 0; "
        f"{int((certain['actual'] != certain[MEAN]).sum())} of them missed).",
        "",
        f"### By {area_level} level, months 1-12",
        "",
        _table(summary(usable[usable["step"] <= 12], "level").reindex(levels)),
        "",
        f"### By {area_level} level, months 13-24 (origins 2023-03 to 2024-03)",
        "",
        _table(summary(usable[usable["step"] > 12], "level").reindex(levels)),
        "",
        f"### {area_level.capitalize()}/all by months ahead",
        "",
        _table(summary(usable[usable["level"] == "all"], "step")),
    ]


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
    seeds, wards = city_seeds(args.cities), load_wards()
    errors = pd.concat([city_errors(seed, wards) for seed in seeds], ignore_index=True)
    text = report(errors, len(seeds))
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
