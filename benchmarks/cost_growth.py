"""Why does the council cost fall short two years ahead? Its growth, taken apart.

Beyond its first year the engine grows each council cost series by its drift, the geometric mean of
its last two yearly ratios (benchmarks/holdout.md, decision 52), and on 16 cities' 24-month holdouts
the cost still falls about 2% short in months 13-24 (benchmarks/long_horizon.md). For each city
(seeds 1, 2, ...; the cities of benchmarks/long_horizon.py) this script splits the council cost's
yearly growth, per client group and in total, into the caseload's (person-months) and the cost per
person-month, in the two years before the cut 24 months before the end of the data (the drift's years)
and in the two held-out years; beside them the growth of new packages' prices (the mean log weekly cost
of the packages starting in each year, per service, weighted by the services' cost in the year before
the cut) and the share of each year's cost still carried by packages open when the history began.

The demo generator prices a package once, at its start (packages open when the history begins at that
date's prices), and never uprates it, so the stock's cost per case lags new prices and catches up as the
opening packages leave. A council uprates open packages each April. The script therefore also rebuilds
each council cost series from the records with every package priced again each April by its
service's price growth (`demandcast.data.demo.uplifts`), and forecasts both versions 24 months ahead
with the engine's rule for the council cost (ETS by AICc on the cost per day for a year, then each
month the one a year earlier grown by the two-year drift; `cost_trend_damping.py`), scoring the bias
in months 1-12 and 13-24.

Usage: .venv/bin/python benchmarks/cost_growth.py [--cities 16] [--out benchmarks/cost_growth.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from cost_trend_damping import TRENDS
from holdout_demo import holdout_city
from provenance import short_commit

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    ALL,
    AREA_LEVEL,
    CASELOAD,
    CLIENT_GROUP,
    COST,
    COUNCIL,
    MEASURE,
    MONTH,
    SERVICE,
    START_DATE,
    VALUE,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.demo.uplifts import priced_each_april
from demandcast.features.panel import monthly_panel
from demandcast.models.hierarchy import Hierarchy, aggregate

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 24
YEARS = ("year -3", "year -2", "year -1", "year 1", "year 2")
"""Twelve-month years ending 24, 12 and 0 months before the cut and 12 and 24 months after it."""
GROWTHS = {
    "before (the drift)": ("year -3", "year -1"),
    "year 1": ("year -1", "year 1"),
    "year 2": ("year 1", "year 2"),
}
"""Mean log growth a year between two years: before the cut over two years, as the drift takes it."""


def year_windows(cut: pd.Timestamp) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """First and last day of each year of `YEARS` around the month-end `cut`."""
    ends = [cut + pd.DateOffset(months=12 * k) + pd.offsets.MonthEnd(0) for k in (-2, -1, 0, 1, 2)]
    starts = [end - pd.DateOffset(months=12) + pd.Timedelta(days=1) for end in ends]
    return {name: (first, last) for name, first, last in zip(YEARS, starts, ends, strict=True)}


def city_growth(seed: int, hpanel: pd.DataFrame, hierarchy: Hierarchy, records: pd.DataFrame) -> pd.DataFrame:
    """Log growth a year of cost, caseload, cost per case, new packages' prices; one row per group."""
    months = pd.DatetimeIndex(sorted(hpanel[MONTH].unique()))
    cut = months.max() - pd.DateOffset(months=HORIZON) + pd.offsets.MonthEnd(0)
    windows = year_windows(cut)
    full = aggregate(hpanel, hierarchy)
    council = full[(full[AREA_LEVEL] == COUNCIL) & (full[SERVICE] == ALL)]
    sums = {}
    for (group, measure), series in council[council[MEASURE].isin([COST, CASELOAD])].groupby(
        [CLIENT_GROUP, MEASURE]
    ):
        values = series.set_index(MONTH)[VALUE]
        sums[group, measure] = {
            year: values[(values.index >= first) & (values.index <= last)].sum()
            for year, (first, last) in windows.items()
        }
    spend = council_cost(records, months)
    opening = council_cost(records[records[START_DATE] < months.min()], months)
    prices = _new_package_prices(records, windows, _in_window(spend, windows["year -1"]))
    rows = []
    for group in sorted({group for group, _ in sums}):
        row: dict[str, object] = {"seed": seed, CLIENT_GROUP: group}
        for name, (first, last) in GROWTHS.items():
            span = YEARS.index(last) - YEARS.index(first)
            cost = np.log(sums[group, COST][last] / sums[group, COST][first]) / span
            caseload = np.log(sums[group, CASELOAD][last] / sums[group, CASELOAD][first]) / span
            row[f"cost, {name}"] = cost
            row[f"caseload, {name}"] = caseload
            row[f"cost per case, {name}"] = cost - caseload
            row[f"new prices, {name}"] = (prices[group][last] - prices[group][first]) / span
        for year in ("year -1", "year 2"):
            row[f"opening share, {year}"] = _group_total(
                _in_window(opening, windows[year]), group
            ) / _group_total(_in_window(spend, windows[year]), group)
        rows.append(row)
    return pd.DataFrame(rows)


ENGINE_RULE = "by AICc, then grown by 2 years' drift"
COST_VERSIONS = ("as generated", "open packages uprated each April")


def city_bias(seed: int, hpanel: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """Bias of the engine's council cost rule, months 1-12 and 13-24, as generated and uprated."""
    months = pd.DatetimeIndex(sorted(hpanel[MONTH].unique()))
    cut = months.max() - pd.DateOffset(months=HORIZON) + pd.offsets.MonthEnd(0)
    past = months <= cut
    days = months.days_in_month.to_numpy(dtype=float)
    rows = []
    for version in COST_VERSIONS:
        monthly = monthly_cost(records, months, uprated=version != COST_VERSIONS[0])
        for group, values in monthly.items():
            actual = values[~past][:HORIZON]
            forecast = TRENDS[ENGINE_RULE](values[past] / days[past], months[past]) * days[~past][:HORIZON]
            for band, span in (("months 1-12", slice(0, 12)), ("months 13-24", slice(12, 24))):
                bias = (forecast[span].sum() - actual[span].sum()) / actual[span].sum()
                rows.append(
                    {"seed": seed, "version": version, CLIENT_GROUP: group, "band": band, "bias": bias}
                )
    return pd.DataFrame(rows)


def monthly_cost(records: pd.DataFrame, months: pd.DatetimeIndex, *, uprated: bool) -> dict[str, np.ndarray]:
    """Council cost per month per client group and in total, from the records' panel; if `uprated`,
    every package priced again each April after the history begins (demandcast.data.demo.uplifts)."""
    cost = council_cost(
        priced_each_april(records, months.min()) if uprated else records, months, CLIENT_GROUP
    )
    return {ALL: cost.sum(axis=1).to_numpy(), **{group: cost[group].to_numpy() for group in cost.columns}}


def council_cost(
    records: pd.DataFrame, months: pd.DatetimeIndex, columns: str | tuple[str, str] = (CLIENT_GROUP, SERVICE)
) -> pd.DataFrame:
    """The council's monthly cost over `months`, a column per value of `columns`, from the records'
    panel (weekly cost x days open in the month / 7, features.panel). The engine's rule on the
    council cost moves with its last bit (benchmarks/holdout.md, decision 58), so the client groups'
    sums are the panel's summed by group, as the published figures were."""
    panel = monthly_panel(
        records,
        ward_codes=sorted(records[WARD_CODE].unique()),
        catalogue=load_catalogue(),
        start=months.min(),
        as_of=months.max() + pd.offsets.MonthEnd(0),
    )
    cost = panel[panel[MEASURE] == COST]
    keys = columns if isinstance(columns, str) else list(columns)
    return cost.pivot_table(index=MONTH, columns=keys, values=VALUE, aggfunc="sum").reindex(months)


def _in_window(cost: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp]) -> pd.Series:
    """Each column's spend in the months of the window."""
    return cost[(cost.index >= window[0]) & (cost.index <= window[1])].sum()


def _group_total(spend: pd.Series, group: str) -> float:
    return float(spend.sum() if group == ALL else spend.xs(group, level=CLIENT_GROUP).sum())


def _new_package_prices(
    records: pd.DataFrame, windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]], spend: pd.Series
) -> dict[str, dict[str, float]]:
    """Per client group (and all) and year: the services' mean log weekly cost of packages starting in it,
    weighted by each service's cost `spend` in the year before the cut (a fixed basket: no mix change)."""
    year = pd.Series(pd.NA, index=records.index, dtype="str")
    for name, (first, last) in windows.items():
        year[(records[START_DATE] >= first) & (records[START_DATE] <= last)] = name
    started = records.assign(year=year, log_cost=np.log(records[WEEKLY_COST].clip(lower=0.01)))
    started = started[started["year"].notna()]
    means = started.groupby([CLIENT_GROUP, SERVICE, "year"])["log_cost"].mean().unstack("year")
    weights = spend.reindex(means.index)
    prices: dict[str, dict[str, float]] = {}
    for group, selected in [
        (ALL, means.index),
        *(
            (g, means.index[means.index.get_level_values(0) == g])
            for g in means.index.get_level_values(0).unique()
        ),
    ]:
        w = weights[selected] / weights[selected].sum()
        prices[group] = {name: float((means.loc[selected, name] * w).sum()) for name in YEARS}
    return prices


def report(growth: pd.DataFrame, bias: pd.DataFrame) -> str:
    """Markdown: mean growth a year per client group and in total over the cities; the rule's bias."""
    cities = growth["seed"].nunique()
    lines = [
        "# The council cost's growth, taken apart",
        "",
        f"(benchmarks/cost_growth.py; {cities} cities, seeds 1-{cities}, cut 24 months before the end of the"
        " data;"
        f" commit {short_commit()})",
        "",
        "Log growth a year (in %) of the council cost, the caseload (person-months), the cost per"
        " person-month and new packages' prices (the services' mean log weekly cost of the packages"
        " starting in the year,"
        " weighted by their cost in the year before the cut), over the two years before the cut (the drift"
        " the engine grows the cost by beyond its first year, benchmarks/holdout.md decision 52) and in the"
        " two held-out years; means over cities. Opening share: the share of the year's spend carried by"
        " packages open when the history began (year -1: the year before the cut; year 2: the second"
        " held-out year).",
        "",
        "| client group | quantity | before (the drift) | year 1 | year 2 | year 2 - drift |",
        "|---|---|---:|---:|---:|---:|",
    ]
    means = growth.drop(columns="seed").groupby(CLIENT_GROUP).mean()
    for group in [ALL, *sorted(g for g in means.index if g != ALL)]:
        for quantity in ("cost", "caseload", "cost per case", "new prices"):
            values = [100 * means.loc[group, f"{quantity}, {name}"] for name in GROWTHS]
            lines.append(
                f"| {group} | {quantity} | {values[0]:+.2f} | {values[1]:+.2f} | {values[2]:+.2f}"
                f" | {values[2] - values[0]:+.2f} |"
            )
    lines += [
        "",
        "| client group | opening share, year -1 | year 2 | cities whose cost grew faster in year 2 than"
        " the drift |",
        "|---|---:|---:|---:|",
    ]
    faster = (growth["cost, year 2"] > growth["cost, before (the drift)"]).groupby(growth[CLIENT_GROUP]).sum()
    for group in [ALL, *sorted(g for g in means.index if g != ALL)]:
        lines.append(
            f"| {group} | {100 * means.loc[group, 'opening share, year -1']:.1f}%"
            f" | {100 * means.loc[group, 'opening share, year 2']:.1f}% | {faster[group]} of {cities} |"
        )
    lines += [
        "",
        "The engine's rule for the council cost (ETS by AICc on the cost per day for a year, then grown by"
        " the two-year drift) on the council cost as generated and with every package uprated each April"
        " by its"
        " service's price growth: bias (sum of forecast - actual over the sum of actuals), mean over cities,"
        " and the cities under-forecast.",
        "",
        "| client group | cost | bias, months 1-12 | months 13-24 | cities short, months 1-12 |"
        " months 13-24 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for group in [ALL, *sorted(g for g in means.index if g != ALL)]:
        for version in COST_VERSIONS:
            mine = bias[(bias[CLIENT_GROUP] == group) & (bias["version"] == version)].groupby("band")["bias"]
            mean, short = mine.mean(), mine.apply(lambda b: int((b < 0).sum()))
            lines.append(
                f"| {group} | {version} | {100 * mean['months 1-12']:+.2f}%"
                f" | {100 * mean['months 13-24']:+.2f}%"
                f" | {short['months 1-12']} of {cities} | {short['months 13-24']} of {cities} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cities", type=int, default=16)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "cost_growth.md")
    args = parser.parse_args()
    seeds = range(1, args.cities + 1)
    growth, bias = [], []
    for seed in seeds:
        hpanel, hierarchy, _, records = holdout_city(seed)
        growth.append(city_growth(seed, hpanel, hierarchy, records))
        bias.append(city_bias(seed, hpanel, records))
    text = report(pd.concat(growth, ignore_index=True), pd.concat(bias, ignore_index=True))
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
