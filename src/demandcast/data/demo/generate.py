"""The demo city: a Birmingham-like history of social-care packages, following the records contract.

`generate_demo_city` simulates packages from a long burn-in before the window so the stock (people
already in care when the window opens) is right from the first month, then keeps every package
active on or after the window's first day and starting on or before the extract date. Packages
still running at the extract date are open (end_date NaT).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from demandcast.columns import (
    BIRTH_YEAR,
    CHILDREN,
    CLIENT_GROUP,
    END_DATE,
    ETHNICITY,
    MINORITY_SHARE,
    OPTIONAL_RECORD_COLUMNS,
    PACKAGE_ID,
    PERSON_ID,
    PRIMARY_SUPPORT_REASON,
    PROVIDER_ID,
    REQUIRED_RECORD_COLUMNS,
    SERVICE,
    SEX,
    START_DATE,
    UNIT_COST,
    UNIT_TYPE,
    UNITS_PER_WEEK,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.demo.adults import adult_packages
from demandcast.data.demo.children import child_placements
from demandcast.data.demo.costs import package_costs
from demandcast.data.demo.people import ethnicities, need_codes, sexes, support_reasons
from demandcast.data.demo.population import ward_start_weights
from demandcast.data.demo.providers import provider_ids
from demandcast.data.wards import load_wards

DEFAULT_SEED = 20260331
BURN_IN_YEARS = 25
OLDEST_BIRTH_YEAR = 1906  # the oldest person alive in England in 2020 was born in 1908
RECORD_COLUMNS: tuple[str, ...] = (*REQUIRED_RECORD_COLUMNS, *OPTIONAL_RECORD_COLUMNS)
DATE_DTYPE = "datetime64[us]"


def generate_demo_city(
    seed: int = DEFAULT_SEED, start: str = "2020-04", months: int = 72, wards: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Packages of a demo city over `months` months from `start`, one row per package or placement.

    Args:
        seed: seeds the numpy Generator; the same seed gives the same frame.
        start: first month of the window (YYYY-MM).
        months: length of the window; the extract date is the last day of its last month.
        wards: the ward table (needs ward_code, pop_0_17, pop_18_64, pop_65_plus, imd_decile,
            minority_ethnic_share, geometry); the embedded demo wards when None.

    Returns:
        The records contract: person_id, ward_code, client_group, service, start_date, end_date
        (NaT when open at the extract date), weekly_cost, then package_id, provider_id, birth_year,
        sex, ethnicity, primary_support_reason, unit_cost, unit_type, units_per_week.
    """
    wards = load_wards() if wards is None else wards
    window_start, extract_date = window_bounds(start, months)
    rng = np.random.default_rng(seed)
    days = pd.date_range(window_start - pd.DateOffset(years=BURN_IN_YEARS), extract_date, freq="D")
    weights = ward_start_weights(wards, rng)
    adults = _describe_adults(adult_packages(days, weights, rng), wards, rng)
    children = _describe_children(child_placements(days, weights[CHILDREN], rng), wards, rng)
    children["person"] += adults["person"].max() + 1
    packages = pd.concat([adults, children], ignore_index=True)
    return _as_records(_in_window(packages, window_start, extract_date), wards, window_start, rng)


def window_bounds(start: str, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window's first day and the extract date (the last day of the last month)."""
    first = pd.Timestamp(start).to_period("M").to_timestamp()
    return first, first + pd.DateOffset(months=months) - pd.Timedelta(days=1)


def _describe_adults(
    packages: pd.DataFrame, wards: gpd.GeoDataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    people = packages.drop_duplicates("person").set_index("person")
    reason = pd.Series(index=people.index, dtype=object)
    for (group, service), rows in people.groupby(["client_group", "first_service"]).groups.items():
        reason[rows] = support_reasons(group, service, len(rows), rng)
    return _with_people(packages, people, reason, wards, rng)


def _describe_children(
    packages: pd.DataFrame, wards: gpd.GeoDataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    people = packages.drop_duplicates("person").set_index("person")
    reason = pd.Series(need_codes(people["age_at_first"].to_numpy(), rng), index=people.index)
    return _with_people(packages, people, reason, wards, rng)


def _with_people(
    packages: pd.DataFrame,
    people: pd.DataFrame,
    reason: pd.Series,
    wards: gpd.GeoDataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    # each person keeps one ward, sex, ethnicity and reason across all their packages
    group = people["client_group"].to_numpy()
    share = wards[MINORITY_SHARE].to_numpy()[people["ward"].to_numpy()]
    sex, ethnicity = np.empty(len(people), dtype=object), np.empty(len(people), dtype=object)
    for value in np.unique(group):
        rows = group == value
        sex[rows] = sexes(value, rows.sum(), rng)
        ethnicity[rows] = ethnicities(share[rows], value, rng)
    first_year = people["first_start"].to_numpy().astype("datetime64[Y]").astype("int64") + 1970
    birth_year = first_year - np.floor(people["age_at_first"].to_numpy()).astype("int64")
    # the stock reaches back decades: nobody alive in the window was born before OLDEST_BIRTH_YEAR
    birth_year = np.maximum(birth_year, OLDEST_BIRTH_YEAR)
    described = pd.DataFrame(
        {SEX: sex, ETHNICITY: ethnicity, PRIMARY_SUPPORT_REASON: reason.to_numpy(), BIRTH_YEAR: birth_year},
        index=people.index,
    )
    return packages.join(described, on="person")


def _in_window(
    packages: pd.DataFrame, window_start: pd.Timestamp, extract_date: pd.Timestamp
) -> pd.DataFrame:
    first, last = np.datetime64(window_start.date()), np.datetime64(extract_date.date())
    keep = (packages["end"].to_numpy() >= first) & (packages["start"].to_numpy() <= last)
    kept = packages[keep]
    return kept.assign(end=kept["end"].where(kept["end"] <= last))


def _as_records(
    packages: pd.DataFrame, wards: gpd.GeoDataFrame, window_start: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    ordered = packages.sort_values(["start", "person", "service"], kind="stable", ignore_index=True)
    costs = _costs(ordered, window_start, rng)
    person_number = rng.permutation(ordered["person"].max() + 1)[ordered["person"].to_numpy()]
    records = pd.DataFrame(
        {
            PERSON_ID: pd.array([f"P{n:07d}" for n in person_number], dtype="str"),
            WARD_CODE: pd.array(wards[WARD_CODE].to_numpy()[ordered["ward"].to_numpy()], dtype="str"),
            CLIENT_GROUP: pd.array(ordered["client_group"], dtype="str"),
            SERVICE: pd.array(ordered["service"], dtype="str"),
            START_DATE: pd.to_datetime(ordered["start"]).astype(DATE_DTYPE),
            END_DATE: pd.to_datetime(ordered["end"]).astype(DATE_DTYPE),
            WEEKLY_COST: costs[WEEKLY_COST].to_numpy(dtype=float),
            PACKAGE_ID: pd.array([f"PKG{n:08d}" for n in range(1, len(ordered) + 1)], dtype="str"),
            PROVIDER_ID: pd.array(provider_ids(ordered["service"].to_numpy(), rng), dtype="str"),
            BIRTH_YEAR: ordered[BIRTH_YEAR].to_numpy(dtype="int64"),
            SEX: pd.array(ordered[SEX], dtype="str"),
            ETHNICITY: pd.array(ordered[ETHNICITY], dtype="str"),
            PRIMARY_SUPPORT_REASON: pd.array(ordered[PRIMARY_SUPPORT_REASON], dtype="str"),
            UNIT_COST: costs[UNIT_COST].to_numpy(dtype=float),
            UNIT_TYPE: pd.array(costs[UNIT_TYPE], dtype="str"),
            UNITS_PER_WEEK: costs[UNITS_PER_WEEK].to_numpy(dtype=float),
        }
    )
    return records[list(RECORD_COLUMNS)]


def _costs(packages: pd.DataFrame, window_start: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    # packages open when the history begins carry the price in force then (open packages are uprated)
    priced_on = np.maximum(packages["start"].to_numpy(), np.datetime64(window_start.date()))
    parts = []
    for (group, service), rows in packages.groupby(["client_group", "service"]).indices.items():
        costs = package_costs(group, service, pd.DatetimeIndex(priced_on[rows]), rng)
        parts.append(costs.set_axis(packages.index[rows]))
    return pd.concat(parts).sort_index()
