"""Calendar months for the panel: parsing month and date arguments, the panel window, day numbers."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import numpy as np
import pandas as pd

from demandcast.errors import InputError

DEFAULT_N_MONTHS = 72

DateLike: TypeAlias = str | dt.date | pd.Timestamp | np.datetime64


def as_date(value: DateLike, *, name: str) -> pd.Timestamp:
    """`value` as a midnight Timestamp; InputError naming the argument when it is not a date."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise InputError(f"{name}: {value!r} is not a date (expected YYYY-MM-DD)") from error
    if pd.isna(stamp):
        raise InputError(f"{name}: {value!r} is not a date (expected YYYY-MM-DD)")
    return stamp.normalize()


def month_start(value: DateLike, *, name: str) -> pd.Timestamp:
    """The first day of the month holding `value` ('YYYY-MM' and 'YYYY-MM-DD' strings both work)."""
    stamp = as_date(value, name=name)
    return stamp.replace(day=1)


def last_complete_month(as_of: pd.Timestamp) -> pd.Timestamp:
    """The first day of the last month that ends on or before `as_of`.

    A month is complete when `as_of` is its last day or later.
    """
    this_month = as_of.replace(day=1)
    if as_of.is_month_end:
        return this_month
    return this_month - pd.DateOffset(months=1)


def months_before(end: pd.Timestamp, n_months: int) -> pd.Timestamp:
    """The first month of the `n_months` months that end with month `end`."""
    return end - pd.DateOffset(months=n_months - 1)


def panel_months(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Month starts from `start` to `end`, both included."""
    return pd.date_range(start, end, freq="MS")


OPEN_END_DAY = np.iinfo(np.int64).max // 4
"""The day number an open (NaT) end date stands for: far beyond any real day, safe to add to."""


def end_day_numbers(ends: pd.Series) -> np.ndarray:
    """Day numbers of inclusive end dates; open ends (NaT) are OPEN_END_DAY."""
    return np.where(ends.isna().to_numpy(), OPEN_END_DAY, day_numbers(ends.fillna(pd.Timestamp(0))))


def day_numbers(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Days since 1970-01-01 as int64; NaT becomes the smallest int64 (check `isnat` first)."""
    return np.asarray(dates).astype("datetime64[D]").astype(np.int64)


def month_numbers(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Months since January 1970 as int64 (January 1970 is 0); NaT gives a meaningless value."""
    return np.asarray(dates).astype("datetime64[M]").astype(np.int64)


def month_numbers_of_days(days: np.ndarray) -> np.ndarray:
    """Months since January 1970 of day numbers (days since 1970-01-01)."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
