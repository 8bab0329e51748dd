"""Lagged values and trailing rolling means of each series: the autoregressive features.

Every feature at month ``t`` uses only months before ``t``, so a row's own value (and anything
after it) never leaks into its features. Frames are long: one row per series and month, sorted
by (series, month), regular with no gaps.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.indexers import BaseIndexer

from demandcast.columns import SERIES_ID, VALUE

DEFAULT_LAGS: tuple[int, ...] = (1, 2, 3, 6, 12)
DEFAULT_WINDOWS: tuple[int, ...] = (3, 6, 12)


def lag_name(lag: int) -> str:
    """Name of the column holding the value ``lag`` months before the row's month."""
    return f"lag_{lag}"


def rolling_mean_name(window: int) -> str:
    """Name of the column holding the mean of the ``window`` months before the row's month."""
    return f"rolling_mean_{window}"


def lagged_values(
    frame: pd.DataFrame,
    lags: Sequence[int] = DEFAULT_LAGS,
    *,
    id_col: str = SERIES_ID,
    value_col: str = VALUE,
) -> pd.DataFrame:
    """The frame with one ``lag_k`` column per lag: the series' value ``k`` months earlier.

    Args:
        frame: needs ``id_col`` and ``value_col``, sorted by (series, month) with no gaps.
        lags: positive month offsets.
        id_col: the series key.
        value_col: the column to lag.

    Returns:
        A copy of ``frame`` plus ``lag_k`` columns (NaN where the history is too short).
    """
    _check_positive(lags, "lags")
    by_series = frame.groupby(id_col, sort=False, observed=True)[value_col]
    new_columns = {lag_name(lag): by_series.shift(lag) for lag in lags}
    return frame.assign(**new_columns)


def rolling_means(
    frame: pd.DataFrame,
    windows: Sequence[int] = DEFAULT_WINDOWS,
    *,
    id_col: str = SERIES_ID,
    value_col: str = VALUE,
) -> pd.DataFrame:
    """The frame with one ``rolling_mean_w`` column per window: the mean of the ``w`` previous months.

    A partial window at the start of a series averages what is there; the first month has NaN.

    Args:
        frame: needs ``id_col`` and ``value_col``, sorted by (series, month) with no gaps.
        windows: window lengths in months.
        id_col: the series key.
        value_col: the column to average.

    Returns:
        A copy of ``frame`` plus ``rolling_mean_w`` columns.
    """
    _check_positive(windows, "windows")
    previous = frame.groupby(id_col, sort=False, observed=True)[value_col].shift(1)
    order, series_start = _series_order(frame, id_col)
    values = pd.Series(previous.to_numpy(dtype=float)[order])
    new_columns = {}
    for window in windows:
        bounds = _WindowsWithinSeries(series_start=series_start, window=int(window))
        means = np.empty(len(order))
        means[order] = values.rolling(bounds, min_periods=1).mean().to_numpy()
        new_columns[rolling_mean_name(window)] = means
    return frame.assign(**new_columns)


class _WindowsWithinSeries(BaseIndexer):
    """Trailing windows of ``window`` rows that never reach back before their series' first row.

    These are the bounds ``groupby(...).rolling(window)`` builds one series at a time in Python;
    computed at once here, so pandas' rolling kernel runs once on the same values and bounds.

    Attributes:
        series_start: for each row (in series order), the position of its series' first row.
        window: the window length in rows.
    """

    series_start: np.ndarray
    window: int

    def get_window_bounds(
        self,
        num_values: int = 0,
        min_periods: int | None = None,  # noqa: ARG002 (pandas passes these; fixed windows ignore them)
        center: bool | None = None,  # noqa: ARG002
        closed: str | None = None,  # noqa: ARG002
        step: int | None = None,  # noqa: ARG002
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's window [start, end): up to ``window`` rows ending with the row itself."""
        end = np.arange(1, num_values + 1, dtype="int64")
        start = np.maximum(end - self.window, self.series_start).astype("int64")
        return start, end


def _series_order(frame: pd.DataFrame, id_col: str) -> tuple[np.ndarray, np.ndarray]:
    """The row order that groups each series together (as groupby does), and each row's series start.

    Returns:
        (positions of the rows, series by series in order of first appearance and rows in frame
        order within a series; for each of those rows the position of its series' first row).
    """
    codes = frame.groupby(id_col, sort=False, observed=True).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    grouped = codes[order]
    positions = np.arange(len(order))
    first = np.ones(len(order), dtype=bool)
    first[1:] = grouped[1:] != grouped[:-1]
    return order, np.maximum.accumulate(np.where(first, positions, 0))


def _check_positive(offsets: Sequence[int], name: str) -> None:
    if not offsets or any(int(offset) < 1 for offset in offsets):
        raise ValueError(f"{name} must be positive whole months, got {list(offsets)}")
