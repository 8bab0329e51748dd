"""Council caseload: how far can a forecast get below seasonal naive? Oracle bounds and a stock-flow model.

The demo city's new demand is a Poisson stream with a known, smooth intensity (trend, seasons,
holidays; `demandcast.data.demo.seasonality`), and at council level nothing depends on the seed but
chance: the ward weights share out a council rate that the seed does not change. So the council
caseload in a month splits exactly into
- the persons known at the origin (their first package started on or before it) still on a
  service, and
- the persons whose first package starts after the origin (new demand),
and the expected value of either part can be estimated from many cities generated with other seeds.

Forecasts of each council caseload series (service, client group, all), 12 months from the origin:
- "clairvoyant" oracle: the known persons' actual caseload plus the new persons' expected part (the
  mean over the other cities). It knows when each current client will leave or move to another
  service, which no forecast can: an optimistic bound.
- "state" oracle: the known persons' expected caseload given their state at the origin (client
  group, service, time on the current package, time since the first package, age 62 or over), each
  state's path estimated on the other cities' persons in that state at the same origin, plus the new
  persons' expected part. It knows the generator's laws, not its draws: the best a forecast can
  expect to do, up to the coarseness of the states.
- "stock-flow": the same sum from the city's own records up to the origin, as the engine's
  stock-flow candidate makes it (demandcast.features.caseload_paths): each state's path is learnt
  from the city's persons in that state at eight earlier month ends (12 to 33 months before the
  origin, every 3 months, every record cut at the origin); the new persons' part is the mean of what
  new persons added after the same calendar month one and two years before.
- damped ETS (additive trend and season, statsmodels), one of the engine's council candidates.

Each is scored by MASE (scale: the in-sample seasonal-naive MAE of the series up to the origin; mean
over a level's series) and reported as the improvement 1 - MASE / MASE(seasonal naive), the engine's
target being 25%. The oracles run on every city; the stock-flow forecast and ETS on the two cities
the engine is measured on.

Usage: .venv/bin/python benchmarks/council_oracle.py [--cities 40] [--out benchmarks/council_oracle.md]
"""

from __future__ import annotations

import argparse
import operator
import warnings
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import ORIGINS
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    BIRTH_YEAR,
    CASELOAD,
    CLIENT_GROUP,
    END_DATE,
    MEAN,
    MEASURE,
    MONTH,
    PERSON_ID,
    SERVICE,
    START_DATE,
    VALUE,
    WARD_CODE,
)
from demandcast.data.demo.generate import DEFAULT_SEED, generate_demo_city
from demandcast.data.wards import load_wards
from demandcast.features.caseload_paths import (
    MIN_STATE_SIZE,
    OLDER_AGE,
    PACKAGE_DAYS,
    SYSTEM_DAYS,
    caseload_paths,
)
from demandcast.features.panel import monthly_panel

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 12
PANEL_START, EXTRACT_DATE = "2020-04", "2026-03-31"
PRODUCT_CITIES = (DEFAULT_SEED, 0)
LEVELS = ("service", "client_group", "all")
ORACLES = ("clairvoyant", "state")
TARGET = 0.25
Z_80, Z_95 = 1.2816, 1.9600
KINDS = ("fine", "coarse")  # coarse: the state without time since the first package and age
PATH_KEYS = ["step", CLIENT_GROUP, SERVICE]


def city_seeds(cities: int) -> list[int]:
    """The two product cities' seeds, then 1, 2, ... up to `cities` seeds in all."""
    return [*PRODUCT_CITIES, *range(1, cities - len(PRODUCT_CITIES) + 1)]


def month_end(label: str, months_before: int = 0) -> pd.Timestamp:
    return pd.Timestamp(f"{label}-01") - pd.DateOffset(months=months_before) + pd.offsets.MonthEnd(0)


def forecast_months(label: str) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(f"{label}-01") + pd.DateOffset(months=1), periods=HORIZON, freq="MS")


def council_caseload(records: pd.DataFrame, ward_codes: list[str]) -> pd.DataFrame:
    """Council caseload, months x (client_group, service) pairs, as the panel counts it."""
    panel = monthly_panel(
        records, ward_codes=ward_codes, catalogue=load_catalogue(), start=PANEL_START, as_of=EXTRACT_DATE
    )
    caseload = panel[panel[MEASURE] == CASELOAD]
    return caseload.pivot_table(index=MONTH, columns=[CLIENT_GROUP, SERVICE], values=VALUE, aggfunc="sum")


def person_states(records: pd.DataFrame, first_start: pd.Series, day: pd.Timestamp) -> pd.DataFrame:
    """The fine and coarse state on `day` of each person with a package active on it (index: person)."""
    ends = records[END_DATE]
    on = records[(records[START_DATE] <= day) & (ends.isna() | (ends >= day))]
    current = on.sort_values(START_DATE).groupby(PERSON_ID).tail(1)
    package_bin = _bins((day - current[START_DATE]).dt.days, PACKAGE_DAYS)
    system_bin = _bins((day - first_start.loc[current.index]).dt.days, SYSTEM_DAYS)
    older = (day.year - current[BIRTH_YEAR] >= OLDER_AGE).astype(int).astype(str)
    coarse = current[CLIENT_GROUP] + "|" + current[SERVICE] + "|" + package_bin
    return pd.DataFrame(
        {"fine": (coarse + "|" + system_bin + "|" + older).to_numpy(), "coarse": coarse.to_numpy()},
        index=current[PERSON_ID].to_numpy(),
    )


def _bins(days: pd.Series, edges: tuple) -> pd.Series:
    return pd.Series(np.searchsorted(edges, days.to_numpy(), side="right"), index=days.index).astype(str)


def future_cells(records: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Distinct (person, step, client_group, service): a package of the pair active `step` months on."""
    months = pd.date_range(day + pd.Timedelta(days=1), periods=HORIZON, freq="MS")
    frames = []
    for step, month in enumerate(months, start=1):
        ends = records[END_DATE]
        active = records[
            (records[START_DATE] <= month + pd.offsets.MonthEnd(0)) & (ends.isna() | (ends >= month))
        ]
        frames.append(active[[PERSON_ID, CLIENT_GROUP, SERVICE]].drop_duplicates().assign(step=step))
    return pd.concat(frames, ignore_index=True)


class StatePaths:
    """Persons per state, and their caseload cells (state, step, client_group, service) after the day."""

    def __init__(self, counts: dict[str, pd.Series], sizes: dict[str, pd.Series]) -> None:
        self.counts, self.sizes = counts, sizes

    @classmethod
    def observed(cls, records: pd.DataFrame, first_start: pd.Series, day: pd.Timestamp) -> StatePaths:
        states = person_states(records, first_start, day)
        cells = future_cells(records[records[PERSON_ID].isin(states.index)], day)
        counts, sizes = {}, {}
        for kind in KINDS:
            cells[kind] = states[kind].reindex(cells[PERSON_ID]).to_numpy()
            counts[kind] = cells.groupby([kind, *PATH_KEYS]).size().astype(float)
            sizes[kind] = states[kind].value_counts().astype(float)
        return cls(counts, sizes)

    def __add__(self, other: StatePaths) -> StatePaths:
        return StatePaths(*({k: a[k].add(b[k], fill_value=0) for k in KINDS} for a, b in self._pairs(other)))

    def __sub__(self, other: StatePaths) -> StatePaths:
        return StatePaths(*({k: a[k].sub(b[k], fill_value=0) for k in KINDS} for a, b in self._pairs(other)))

    def _pairs(self, other: StatePaths):
        return ((self.counts, other.counts), (self.sizes, other.sizes))

    def expected(self, persons: dict[str, pd.Series], months: pd.DatetimeIndex) -> pd.DataFrame:
        """Expected caseload (months x pairs) of `persons` (counts per fine and per coarse state).

        A fine state with fewer than MIN_STATE_SIZE persons here is replaced by its coarse state.
        """
        usable = self.sizes["fine"][self.sizes["fine"] >= MIN_STATE_SIZE].index
        fine = persons["fine"][persons["fine"].index.isin(usable)]
        coarse = persons["coarse"].sub(persons["fine_to_coarse"](fine), fill_value=0)
        parts = []
        for kind, weights in (("fine", fine), ("coarse", coarse)):
            state = self.counts[kind].index.get_level_values(0)
            rate = self.counts[kind] / self.sizes[kind].reindex(state).to_numpy()
            parts.append((rate * weights.reindex(state).fillna(0).to_numpy()).groupby(level=PATH_KEYS).sum())
        return as_months(parts[0].add(parts[1], fill_value=0), months)


def persons_by_state(states: pd.DataFrame) -> dict:
    """Persons per fine and per coarse state, and a map from fine-state counts to their coarse states."""
    coarse_of = states.drop_duplicates("fine").set_index("fine")["coarse"]
    return {
        "fine": states["fine"].value_counts().astype(float),
        "coarse": states["coarse"].value_counts().astype(float),
        "fine_to_coarse": lambda fine: fine.groupby(coarse_of.reindex(fine.index).to_numpy()).sum(),
    }


def new_persons_part(records: pd.DataFrame, first_start: pd.Series, day: pd.Timestamp) -> pd.Series:
    """Caseload cells (step, client_group, service) in the 12 months after `day` of persons new after it."""
    cells = future_cells(records[first_start > day], day)
    return cells.groupby(PATH_KEYS).size().astype(float)


def stock_flow(records: pd.DataFrame, label: str) -> pd.DataFrame:
    """The engine's stock-flow forecast of the council caseload (months x pairs)."""
    wards = pd.Series("council", index=records[WARD_CODE].unique())
    origin = pd.Timestamp(f"{label}-01")
    paths = caseload_paths(records, wards, {origin: HORIZON}, first_month=pd.Timestamp(PANEL_START))
    return paths.pivot_table(index=MONTH, columns=[CLIENT_GROUP, SERVICE], values=MEAN, aggfunc="sum")


def damped_ets(series: pd.DataFrame, label: str) -> pd.DataFrame:
    history = series[series.index <= pd.Timestamp(f"{label}-01")].asfreq("MS")
    forecasts = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for column in history.columns:
            model = ExponentialSmoothing(
                history[column].astype(float),
                trend="add",
                damped_trend=True,
                seasonal="add",
                seasonal_periods=12,
            )
            forecasts[column] = model.fit().forecast(HORIZON).to_numpy()
    return pd.DataFrame(forecasts, index=forecast_months(label))


def city_parts(seed: int, ward_codes: list[str]) -> dict:
    """The city's council caseload; per origin its new persons' part, known persons' states and paths."""
    records = generate_demo_city(seed=seed)
    first_start = records.groupby(PERSON_ID)[START_DATE].transform("min")
    parts = {
        "records": records,
        "total": council_caseload(records, ward_codes),
        "new": {},
        "paths": {},
        "persons": {},
    }
    for label in ORIGINS:
        day = month_end(label)
        parts["new"][label] = new_persons_part(records, first_start, day)
        parts["paths"][label] = StatePaths.observed(records, first_start, day)
        parts["persons"][label] = persons_by_state(person_states(records, first_start, day))
    return parts


def level_series(pairs: pd.DataFrame, level: str) -> pd.DataFrame:
    """The council series of a service level: one column per service, per client group, or the total."""
    if level == "service":
        return pairs
    if level == "client_group":
        return pairs.T.groupby(level=CLIENT_GROUP).sum().T
    return pairs.sum(axis=1).to_frame("all")


def mase(forecast: pd.DataFrame, actual: pd.DataFrame, history: pd.DataFrame) -> float:
    """Mean over the series of MAE over the in-sample seasonal-naive MAE."""
    scale = (history - history.shift(12)).abs().mean()
    return float(((forecast - actual).abs().mean() / scale).mean())


def scores(total: pd.DataFrame, forecasts: dict, label: str) -> dict:
    """MASE of seasonal naive and of each forecast (a function of the level) at each level."""
    months = forecast_months(label)
    row = {}
    for level in LEVELS:
        series = level_series(total, level)
        history, actual = series[series.index < months[0]], series.loc[months]
        naive = series.loc[months - pd.DateOffset(years=1)].set_axis(months)
        row[f"naive {level}"] = mase(naive, actual, history)
        for name, forecast in forecasts.items():
            row[f"{name} {level}"] = mase(forecast(level).loc[months], actual, history)
    return row


def of_pairs(pairs: pd.DataFrame, columns: pd.Index):
    """A pairs forecast as a function of the level."""
    return lambda level: level_series(pairs.reindex(columns=columns, fill_value=0.0), level)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=40, help="seeds 1..N-2 besides the two product cities")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "council_oracle.md")
    args = parser.parse_args()
    ward_codes = list(load_wards()[WARD_CODE])
    seeds = city_seeds(args.cities)
    parts = {seed: city_parts(seed, ward_codes) for seed in seeds}
    rows, errors = [], []
    for label in ORIGINS:
        months = forecast_months(label)
        all_paths = reduce(operator.add, (parts[s]["paths"][label] for s in seeds))
        all_new = reduce(lambda a, b: a.add(b, fill_value=0), (parts[s]["new"][label] for s in seeds))
        for seed in seeds:
            city = parts[seed]
            columns = city["total"].columns
            new = all_new.sub(city["new"][label], fill_value=0) / (len(seeds) - 1)
            new_part = as_months(new, months)
            clairvoyant = city["total"].loc[months] - as_months(city["new"][label], months)
            state = (all_paths - city["paths"][label]).expected(city["persons"][label], months)
            forecasts = {
                "clairvoyant": of_pairs(clairvoyant.add(new_part, fill_value=0), columns),
                "state": of_pairs(state.add(new_part, fill_value=0), columns),
            }
            if seed in PRODUCT_CITIES:
                forecasts["stock-flow"] = of_pairs(stock_flow(city["records"], label), columns)
                forecasts["damped ETS"] = lambda level, total=city["total"], at=label: damped_ets(
                    level_series(total, level), at
                )
            rows.append({"seed": seed, "origin": label, **scores(city["total"], forecasts, label)})
            actual = level_series(city["total"], "all").loc[months, "all"]
            error = actual - forecasts["state"]("all").loc[months, "all"]
            errors.append(
                pd.DataFrame(
                    {
                        "seed": seed,
                        "origin": label,
                        "step": range(1, HORIZON + 1),
                        "error": error.to_numpy(),
                        "actual": actual.to_numpy(),
                    }
                )
            )
    table = pd.DataFrame(rows)
    for name in (*ORACLES, "stock-flow", "damped ETS"):
        for level in LEVELS:
            table[f"improvement {name} {level}"] = 1 - table[f"{name} {level}"] / table[f"naive {level}"]
    text = report(table, len(seeds)) + oracle_intervals(pd.concat(errors, ignore_index=True))
    args.out.write_text(text)
    print(text)


def as_months(cells: pd.Series, months: pd.DatetimeIndex) -> pd.DataFrame:
    """(step, client_group, service) counts as a months x pairs frame."""
    frame = cells.unstack([CLIENT_GROUP, SERVICE], fill_value=0.0)
    return frame.set_axis(months[frame.index.to_numpy() - 1])


def oracle_intervals(errors: pd.DataFrame) -> str:
    """The state oracle's error spread at council/all by step, and how its intervals cover the two cities."""
    spread = errors.groupby("step")["error"].std()
    errors = errors.join(spread.rename("sd"), on="step")
    errors["in_80"] = errors["error"].abs() <= Z_80 * errors["sd"]
    errors["in_95"] = errors["error"].abs() <= Z_95 * errors["sd"]
    relative = spread / errors.groupby("step")["actual"].mean()
    lines = [
        "",
        "## Council/all caseload: the noise new demand alone makes",
        "",
        "Standard deviation of the state oracle's error over every city and origin, as a share of the",
        "caseload, by months ahead: an 80% interval narrower than 1.28 times it is too narrow for any",
        "forecast.",
        "",
        "| months ahead | " + " | ".join(str(step) for step in relative.index) + " |",
        "|---|" + "---:|" * len(relative),
        "| sd / caseload | " + " | ".join(f"{value:.2%}" for value in relative) + " |",
        "",
        "Coverage of the oracle's own 80% / 95% intervals (normal, that spread) in the two cities:",
        "",
        "| city (seed) | origin | cover 80 | cover 95 |",
        "|---|---|---:|---:|",
    ]
    product = errors[errors["seed"].isin(PRODUCT_CITIES)].sort_values(
        ["seed", "origin"], ascending=[False, True]
    )
    for (seed, origin), group in product.groupby(["seed", "origin"], sort=False):
        lines.append(f"| {seed} | {origin} | {group['in_80'].mean():.0%} | {group['in_95'].mean():.0%} |")
    lines.append(
        f"| all {errors['seed'].nunique()} cities | every origin | "
        f"{errors['in_80'].mean():.0%} | {errors['in_95'].mean():.0%} |"
    )
    return "\n".join(lines) + "\n"


def report(table: pd.DataFrame, n_cities: int) -> str:
    product = table[table["seed"].isin(PRODUCT_CITIES)].sort_values(
        ["seed", "origin"], ascending=[False, True]
    )
    names = (*ORACLES, "stock-flow", "damped ETS")
    lines = [
        "# Council caseload: oracle bounds and a stock-flow forecast (benchmarks/council_oracle.py)",
        "",
        f"Oracles' expected values from the {n_cities - 1} other cities. MASE over the 12 months after each",
        "origin; improvement = 1 - MASE / MASE(seasonal naive); the engine's target is 25%.",
        "",
        "## The two cities the engine is measured on",
        "",
        "Improvement over seasonal naive by level: service, client group, all.",
        "",
        "| city (seed) | origin | MASE naive, all | " + " | ".join(names) + " |",
        "|---|---|---:|" + "---|" * len(names),
    ]
    for _, row in product.iterrows():
        cells = [", ".join(f"{row[f'improvement {name} {level}']:.0%}" for level in LEVELS) for name in names]
        lines.append(
            f"| {row['seed']} | {row['origin']} | {row['naive all']:.3f} | " + " | ".join(cells) + " |"
        )
    pooled = [
        ", ".join(
            f"{1 - product[f'{name} {level}'].mean() / product[f'naive {level}'].mean():.0%}"
            for level in LEVELS
        )
        for name in names
    ]
    lines.append("| both | pooled | | " + " | ".join(pooled) + " |")
    lines += [
        "",
        f"## The oracles on all {n_cities} cities",
        "",
        "Pooled: from the ratio of the mean MASEs; median city; share of cities reaching the 25% target.",
        "",
        "| origin | level | "
        + " | ".join(f"{name} pooled | median | reaching 25%" for name in ORACLES)
        + " |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, at_origin in [*table.groupby("origin", sort=False), ("every origin", table)]:
        for level in LEVELS:
            cells = []
            for name in ORACLES:
                ratio = 1 - at_origin[f"{name} {level}"].mean() / at_origin[f"naive {level}"].mean()
                improvement = at_origin[f"improvement {name} {level}"]
                cells += [
                    f"{ratio:.0%}",
                    f"{improvement.median():.0%}",
                    f"{(improvement >= TARGET).mean():.0%}",
                ]
            lines.append(f"| {label} | {level} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
