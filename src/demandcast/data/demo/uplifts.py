"""Open packages priced again each April: a row per price, as a council's extract holds them.

The generator prices a package once, at its start (packages open when the history begins at that
date's prices), and never uprates it, so the stock's cost per case lags new prices and catches up as
the opening packages leave (benchmarks/holdout.md, decision 58). A council uprates open packages each
April. `priced_each_april` splits every package at each 1 April after the history begins that it runs
across; the later row keeps the package_id (so the panel and the stock-flow model read one package,
features.packages) and costs its service's price growth of that fiscal year more (costs.PRICES, the
home-care rate table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.columns import (
    CLIENT_GROUP,
    END_DATE,
    PACKAGE_ID,
    SERVICE,
    START_DATE,
    UNIT_COST,
    WEEKLY_COST,
)
from demandcast.data.demo.costs import HOURS_PER_WEEK, PRICES, hourly_rate
from demandcast.errors import InputError


def priced_each_april(
    records: pd.DataFrame, history_start: pd.Timestamp | str, *, uprated: bool = True
) -> pd.DataFrame:
    """The records with each package split at every 1 April after `history_start` it runs across.

    Args:
        records: the demo city's records (package_id, client_group, service, start_date, end_date,
            weekly_cost; unit_cost uprated with it when present).
        history_start: the first day of the history (the panel's first month); packages open then
            carry its prices, so the first April uprated is the next one.
        uprated: False keeps every row at the package's price (the same panel as `records`).

    Returns:
        The rows, each package's in date order; as many rows as packages plus one per April crossed.
    """
    if PACKAGE_ID not in records.columns:
        raise InputError(f"column {PACKAGE_ID!r} is needed to keep a package's rows together")
    history_start = pd.Timestamp(history_start)
    latest = max(records[START_DATE].max(), records[END_DATE].max())
    first_april = pd.Timestamp(year=history_start.year + (history_start.month >= 4), month=4, day=1)
    for april in pd.date_range(first_april, latest, freq="12MS"):
        across = (records[START_DATE] < april) & (records[END_DATE].isna() | (records[END_DATE] >= april))
        before, after = records[across].copy(), records[across].copy()
        before[END_DATE] = april - pd.Timedelta(days=1)
        after[START_DATE] = april
        if uprated:
            factor = yearly_uplift(after[CLIENT_GROUP], after[SERVICE], april.year)
            after[WEEKLY_COST] = after[WEEKLY_COST] * factor
            if UNIT_COST in after.columns:
                after[UNIT_COST] = after[UNIT_COST] * factor
        records = pd.concat([records[~across], before, after], ignore_index=True)
    return records.sort_values([PACKAGE_ID, START_DATE], ignore_index=True)


def yearly_uplift(client_group: pd.Series, service: pd.Series, fiscal_year: int) -> np.ndarray:
    """Each row's price in `fiscal_year` over its price the year before (its service's growth)."""
    factor = np.ones(len(client_group))
    pairs = pd.MultiIndex.from_arrays([client_group.astype(str), service.astype(str)])
    for pair in pairs.unique():
        rows = pairs == pair
        if pair in HOURS_PER_WEEK:
            years = np.array([fiscal_year - 1, fiscal_year])
            before, now = hourly_rate(years)
            factor[rows] = now / before
        elif pair in PRICES:
            factor[rows] = 1 + PRICES[pair].growth
        else:
            raise InputError(f"no demo price for client group {pair[0]!r} and service {pair[1]!r}")
    return factor
