"""When packages start: daily start intensity with trend, seasons, holidays and the COVID dip.

Every factor is relative: 1.0 is an ordinary weekday in an ordinary month at the reference date.
The seasonal and weekday pattern is normalised to average 1 over a year, so an annual rate times
the mean factor over a year is the expected number of starts in that year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.columns import CHILDREN

REFERENCE_DATE = pd.Timestamp("2020-04-01")

# hospital pressure Dec-Mar lifts adult starts (32.6% of home-care packages follow a hospital stay)
ADULT_MONTH_FACTOR = np.array([1.16, 1.15, 1.10, 1.0, 0.95, 0.90, 0.90, 0.88, 0.95, 1.0, 1.05, 1.08])
# schools are a major referrer: children's starts dip in August
CHILD_MONTH_FACTOR = np.array([1.05, 1.05, 1.05, 1.0, 1.05, 1.0, 1.02, 0.70, 1.05, 1.08, 1.05, 1.0])
ADULT_WEEKEND_FACTOR = 0.55
CHILD_WEEKEND_FACTOR = 0.65
CHRISTMAS_DIP = 0.5  # 22 December to 1 January
JANUARY_REBOUND = 1.2  # 2 to 21 January: the backlog after the holiday

ADULT_TREND_PER_YEAR = -0.01  # long-term headcount flat to -2% a year
CHILD_TREND_PER_YEAR = 0.03  # starts rising after 2020 (631 in 2019/20, 766 in 2021/22)

# (first day, last day, factor): spring 2020 lockdown and the slow recovery that followed
COVID_CARE_HOME = (("2020-03-16", "2020-05-31", 0.45), ("2020-06-01", "2020-07-31", 0.75))
COVID_COMMUNITY = (("2020-03-23", "2020-05-31", 0.85),)
COVID_CHILDREN = (("2020-03-23", "2020-06-30", 0.70), ("2020-07-01", "2021-03-31", 0.82))


def start_intensity(days: pd.DatetimeIndex, client_group: str, care_home: bool = False) -> np.ndarray:
    """Relative start intensity on each day for a client group (care homes have their own COVID dip)."""
    children = client_group == CHILDREN
    pattern = seasonal_pattern(days, children) / _pattern_mean(children)
    return pattern * _trend(days, children) * covid_factor(days, client_group, care_home)


def seasonal_pattern(days: pd.DatetimeIndex, children: bool) -> np.ndarray:
    """Month, weekday and holiday factors (not normalised)."""
    month_factor = (CHILD_MONTH_FACTOR if children else ADULT_MONTH_FACTOR)[days.month.to_numpy() - 1]
    weekend = np.where(
        days.day_of_week.to_numpy() >= 5, CHILD_WEEKEND_FACTOR if children else ADULT_WEEKEND_FACTOR, 1.0
    )
    month, day = days.month.to_numpy(), days.day.to_numpy()
    christmas = ((month == 12) & (day >= 22)) | ((month == 1) & (day == 1))
    rebound = (month == 1) & (day >= 2) & (day <= 21)
    holiday = np.where(christmas, CHRISTMAS_DIP, np.where(rebound & ~children, JANUARY_REBOUND, 1.0))
    return month_factor * weekend * holiday


def _pattern_mean(children: bool) -> float:
    ordinary_years = pd.date_range("2011-01-01", "2018-12-31", freq="D")
    return float(seasonal_pattern(ordinary_years, children).mean())


def _trend(days: pd.DatetimeIndex, children: bool) -> np.ndarray:
    years = (days - REFERENCE_DATE).days.to_numpy() / 365.25
    return np.exp((CHILD_TREND_PER_YEAR if children else ADULT_TREND_PER_YEAR) * years)


def covid_factor(days: pd.DatetimeIndex, client_group: str, care_home: bool = False) -> np.ndarray:
    """The share of usual starts that happened on each day around the spring 2020 lockdown."""
    children = client_group == CHILDREN
    periods = COVID_CHILDREN if children else COVID_CARE_HOME if care_home else COVID_COMMUNITY
    factor = np.ones(len(days))
    for first, last, value in periods:
        factor[(days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))] = value
    return factor
