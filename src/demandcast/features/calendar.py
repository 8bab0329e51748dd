"""Calendar features of the row's month: month of year, the English fiscal calendar and a trend clock.

Council budgets run April to March, so the fiscal month counts April as 1 and the fiscal year is
named by the calendar year in which it starts (April 2024 to March 2025 is fiscal year 2024).
"""

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from demandcast.columns import MONTH

FISCAL_YEAR_START_MONTH = 4

MONTH_OF_YEAR = "month_of_year"
FISCAL_MONTH = "fiscal_month"
FISCAL_YEAR = "fiscal_year"
MONTHS_SINCE_START = "months_since_start"
CALENDAR_FEATURES: tuple[str, ...] = (MONTH_OF_YEAR, FISCAL_MONTH, FISCAL_YEAR, MONTHS_SINCE_START)


def calendar_features(
    frame: pd.DataFrame,
    start: pd.Timestamp | None = None,
    *,
    month_col: str = MONTH,
) -> pd.DataFrame:
    """The frame plus ``month_of_year``, ``fiscal_month``, ``fiscal_year`` and ``months_since_start``.

    Args:
        frame: needs ``month_col`` (datetime64, first of the month or quarter).
        start: the month counted as 0 by ``months_since_start``; defaults to the frame's first month.
            Pass the training start when featurising future months so the clock does not restart.
        month_col: the month column.

    Returns:
        A copy of ``frame`` with the four calendar columns (small integers).
    """
    months = pd.DatetimeIndex(frame[month_col])
    origin = pd.Timestamp(start) if start is not None else months.min()
    month_number = months.year * 12 + months.month - 1
    fiscal_shift = (months.month - FISCAL_YEAR_START_MONTH) % 12
    origin_number = origin.year * 12 + origin.month - 1
    return frame.assign(
        **{
            MONTH_OF_YEAR: months.month.to_numpy(dtype="int64"),
            FISCAL_MONTH: (fiscal_shift + 1).to_numpy(dtype="int64"),
            FISCAL_YEAR: ((month_number - FISCAL_YEAR_START_MONTH + 1) // 12).to_numpy(dtype="int64"),
            MONTHS_SINCE_START: (month_number - origin_number).to_numpy(dtype="int64"),
        }
    )


def days_in_period(months: pd.Series | pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Days from each period start in `months` to the next period start (28-31 a month, 90-92 a quarter)."""
    starts = pd.DatetimeIndex(months)
    ends = starts + to_offset(freq)
    return (ends - starts).days.to_numpy(dtype="float64")
