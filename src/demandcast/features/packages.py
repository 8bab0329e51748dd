"""Rows that continue a package: one package, priced again, is still one package.

A council's extract often holds a row per price of a package rather than a row per package: the
April fee uplift or a review that changes the hours ends one row and opens the next under the same
package (agreement) id. Each such row carries its own weekly cost for its own days, so the cost
adds up as it is; but the package starts once, and its client does not leave at each price change.

A row continues its package when an earlier row has the same package_id, person, ward, client group
and service and the package has run without a break up to it: the row starts on or before the day
after the latest end of the package's earlier rows. A row after a gap (a suspended package resumed)
starts again, and so does a package in a ward, group or service it was not in before (a client
who moves is a new client of the new ward). Rows without a package_id never continue one.

Rows of one package that overlap (a new price keyed without ending the old row) cost their shared
days once each; `package_continuity` counts those days so validation can show them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.columns import (
    CLIENT_GROUP,
    END_DATE,
    PACKAGE_ID,
    PERSON_ID,
    SERVICE,
    START_DATE,
    UNIT_COST,
    UNITS_PER_WEEK,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.features.months import OPEN_END_DAY, day_numbers, end_day_numbers

PACKAGE_KEYS = (PACKAGE_ID, PERSON_ID, WARD_CODE, CLIENT_GROUP, SERVICE)
PRICE_COLUMNS = (WEEKLY_COST, UNIT_COST, UNITS_PER_WEEK)


def continues_package(records: pd.DataFrame) -> np.ndarray:
    """Per row (in the records' order): True where it continues an earlier row of its package.

    Args:
        records: validated records (person_id, ward_code, client_group, service, start_date and
            end_date, NaT when open); package_id optional (without it no row continues).
    """
    return _continuations(records)[0]


def package_continuity(records: pd.DataFrame, *, through: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Per row (in the records' order): whether it continues an earlier row of its package
    (`continues_package`), and its days, up to `through`, that earlier rows of its package also cover
    (0 for most rows). Each row costs its own days, so these days are costed twice. One sort serves both.

    Args:
        records: as for `continues_package`.
        through: the last day counted (the extract date: open rows run to it).
    """
    continuing, order, start, end, latest_end_before = _continuations(records)
    if not continuing.any():
        return continuing, np.zeros(len(records), dtype=np.int64)
    last = np.minimum(np.minimum(end, latest_end_before), day_numbers(pd.DatetimeIndex([through]))[0])
    return continuing, np.where(continuing, np.clip(last - start + 1, 0, None), 0)


def package_spans(records: pd.DataFrame) -> pd.DataFrame:
    """The records with each package's continuing rows folded into its first row.

    The first row keeps its columns but ends where the package's latest row ends (open if one is
    open); the price columns (weekly_cost, unit_cost, units_per_week) are dropped, since the rows
    differ in them: the result says who was on which package when, not what it cost. Records
    without continuing rows come back unchanged, price columns included.
    """
    continuing, order, _, end, _ = _continuations(records)
    if not continuing.any():
        return records
    package = np.cumsum(~continuing[order])
    first_rows = order[~continuing[order]]
    latest = order[pd.Series(end[order]).groupby(package).idxmax().to_numpy()]
    spans = records.iloc[first_rows].drop(columns=[c for c in PRICE_COLUMNS if c in records.columns])
    spans[END_DATE] = records[END_DATE].to_numpy()[latest]
    return spans.iloc[np.argsort(first_rows, kind="stable")]


def _continuations(
    records: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row whether it continues its package; the rows sorted by package key, start and end; per
    row its start day, its end day (open: far ahead) and the latest end day of its package's rows
    sorted before it (far back where none). Without a repeated package_id no row continues and nothing is
    computed: the other arrays are empty."""
    continuing = np.zeros(len(records), dtype=bool)
    nothing = np.array([], dtype=np.int64)
    if PACKAGE_ID not in records.columns:
        return continuing, nothing, nothing, nothing, nothing
    ids = records[PACKAGE_ID]
    with_id = (ids.notna() & (ids.astype(str) != "")).to_numpy()
    if not ids[with_id].duplicated().any():
        return continuing, nothing, nothing, nothing, nothing
    key = pd.MultiIndex.from_frame(records[list(PACKAGE_KEYS)].astype(str)).factorize()[0]
    start, end = day_numbers(records[START_DATE]), end_day_numbers(records[END_DATE])
    order = np.lexsort((end, start, key))
    ordered = pd.DataFrame({"key": key[order], "end": end[order]})
    before = ordered.groupby("key")["end"].cummax().groupby(ordered["key"]).shift(fill_value=-OPEN_END_DAY)
    latest_end_before = np.empty(len(records), dtype=np.int64)
    latest_end_before[order] = before.to_numpy()
    continuing[order] = (start[order] <= latest_end_before[order] + 1) & with_id[order]
    return continuing, order, start, end, latest_end_before
