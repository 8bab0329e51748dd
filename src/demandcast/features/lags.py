"""Lagged values and trailing rolling means of each series: the autoregressive features.

Every feature at month ``t`` uses only months before ``t``, so a row's own value (and anything
after it) never leaks into its features. Frames are long: one row per series and month, sorted
by (series, month), regular with no gaps.
"""

from collections.abc import Sequence

import pandas as pd

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
    by_series = previous.groupby(frame[id_col], sort=False, observed=True)
    new_columns = {
        rolling_mean_name(window): by_series.rolling(window, min_periods=1).mean().droplevel(0)
        for window in windows
    }
    return frame.assign(**new_columns)


def _check_positive(offsets: Sequence[int], name: str) -> None:
    if not offsets or any(int(offset) < 1 for offset in offsets):
        raise ValueError(f"{name} must be positive whole months, got {list(offsets)}")
