"""How costs evolve: cost and unit cost by UK fiscal year (April to March) and service.

Unit cost is cost per client-week: a month's cost divided by its caseload times the month's
length in weeks. Caseload counts everyone active on any day of the month, so clients who start
or end mid-month dilute the unit cost slightly; the dilution is the same each year, so changes
are comparable. Care prices move in April (National Living Wage, fee uplifts), so the April
step is measured against the typical change in other months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.columns import CASELOAD, CLIENT_GROUP, COST, MEASURE, MONTH, SERVICE, VALUE

FISCAL_YEAR = "fiscal_year"
N_MONTHS = "n_months"
CLIENT_WEEKS = "client_weeks"
UNIT_COST_PER_WEEK = "unit_cost_per_week"
COST_CHANGE = "cost_change"
UNIT_COST_CHANGE = "unit_cost_change"
MARCH_UNIT_COST = "march_unit_cost"
APRIL_UNIT_COST = "april_unit_cost"
APRIL_STEP = "april_step"
TYPICAL_MONTHLY_CHANGE = "typical_monthly_change"
FISCAL_YEAR_START_MONTH = 4
MONTHS_IN_YEAR = 12
DAYS_IN_WEEK = 7


def fiscal_year(months: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """The UK fiscal year of each date as text, e.g. 2024-03-31 -> '2023-24', 2024-04-01 -> '2024-25'."""
    dates = pd.DatetimeIndex(months)
    first_year = dates.year - (dates.month < FISCAL_YEAR_START_MONTH)
    labels = [f"{year}-{(year + 1) % 100:02d}" for year in first_year]
    index = months.index if isinstance(months, pd.Series) else None
    return pd.Series(labels, index=index, dtype="str", name=FISCAL_YEAR)


def monthly_cost_and_weeks(
    panel: pd.DataFrame, *, keys: tuple[str, ...] = (CLIENT_GROUP, SERVICE)
) -> pd.DataFrame:
    """Cost and client-weeks per month summed over wards, at the level of `keys`.

    Args:
        panel: the long monthly panel (ward_code, client_group, service, month, measure, value).
        keys: the columns kept besides month; wards are always summed.

    Returns:
        Columns `keys`, month, fiscal_year, cost, client_weeks, unit_cost_per_week (NaN with no caseload).
    """
    wide = (
        panel[panel[MEASURE].isin([CASELOAD, COST])]
        .pivot_table(index=[*keys, MONTH], columns=MEASURE, values=VALUE, aggfunc="sum", observed=True)
        .reindex(columns=[CASELOAD, COST], fill_value=0.0)
        .reset_index()
    )
    weeks_in_month = pd.DatetimeIndex(wide[MONTH]).days_in_month.to_numpy() / DAYS_IN_WEEK
    client_weeks = wide[CASELOAD].to_numpy(dtype=float) * weeks_in_month
    return pd.DataFrame(
        {
            **{key: wide[key] for key in keys},
            MONTH: wide[MONTH],
            FISCAL_YEAR: fiscal_year(wide[MONTH]).to_numpy(),
            COST: wide[COST].to_numpy(dtype=float),
            CLIENT_WEEKS: client_weeks,
            UNIT_COST_PER_WEEK: _ratio(wide[COST].to_numpy(dtype=float), client_weeks),
        }
    )


def annual_costs(panel: pd.DataFrame, *, keys: tuple[str, ...] = (CLIENT_GROUP, SERVICE)) -> pd.DataFrame:
    """Cost and unit cost per fiscal year at the level of `keys`, with year-on-year changes.

    Args:
        panel: the long monthly panel (ward_code, client_group, service, month, measure, value).
        keys: the columns kept besides the fiscal year, e.g. () for the whole council.

    Returns:
        Columns `keys`, fiscal_year, n_months (months of the year in the panel), cost,
        client_weeks, unit_cost_per_week, cost_change and unit_cost_change (fractions against
        the previous year; cost_change only between two complete years).
    """
    monthly = monthly_cost_and_weeks(panel, keys=keys)
    annual = (
        monthly.groupby([*keys, FISCAL_YEAR], observed=True, sort=True)
        .agg(**{N_MONTHS: (MONTH, "nunique"), COST: (COST, "sum"), CLIENT_WEEKS: (CLIENT_WEEKS, "sum")})
        .reset_index()
    )
    annual[UNIT_COST_PER_WEEK] = _ratio(annual[COST].to_numpy(), annual[CLIENT_WEEKS].to_numpy())
    return _with_changes(annual, keys)


def april_price_steps(
    panel: pd.DataFrame, *, keys: tuple[str, ...] = (CLIENT_GROUP, SERVICE)
) -> pd.DataFrame:
    """The change in unit cost from March to April each year, beside the typical month-to-month change.

    Args:
        panel: the long monthly panel (ward_code, client_group, service, month, measure, value).
        keys: the columns kept besides the fiscal year.

    Returns:
        Columns `keys`, fiscal_year (the year April opens), march_unit_cost, april_unit_cost,
        april_step (fraction) and typical_monthly_change (median change between consecutive
        months other than March to April, over the whole panel).
    """
    monthly = monthly_cost_and_weeks(panel, keys=keys).sort_values([*keys, MONTH], ignore_index=True)
    groups = _group_labels(monthly, keys)
    previous = monthly[UNIT_COST_PER_WEEK].groupby(groups).shift(1)
    month_number = pd.Series(_month_numbers(monthly[MONTH]), index=monthly.index)
    consecutive = (month_number - month_number.groupby(groups).shift(1)) == 1
    change = (monthly[UNIT_COST_PER_WEEK] / previous - 1).where(consecutive)
    april = pd.DatetimeIndex(monthly[MONTH]).month == FISCAL_YEAR_START_MONTH
    is_april = pd.Series(april, index=monthly.index)
    typical = change[~is_april].groupby(groups[~is_april]).median()
    steps = monthly.assign(**{
        MARCH_UNIT_COST: previous,
        APRIL_STEP: change,
        TYPICAL_MONTHLY_CHANGE: typical.reindex(groups).to_numpy(),
    }).rename(columns={UNIT_COST_PER_WEEK: APRIL_UNIT_COST})
    columns = [*keys, FISCAL_YEAR, MARCH_UNIT_COST, APRIL_UNIT_COST, APRIL_STEP, TYPICAL_MONTHLY_CHANGE]
    return steps.loc[is_april & consecutive, columns].reset_index(drop=True)


def _with_changes(annual: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    ordered = annual.sort_values([*keys, FISCAL_YEAR], ignore_index=True)
    shifted = ordered[[COST, UNIT_COST_PER_WEEK, N_MONTHS]].groupby(_group_labels(ordered, keys)).shift(1)
    both_complete = (ordered[N_MONTHS] == MONTHS_IN_YEAR) & (shifted[N_MONTHS] == MONTHS_IN_YEAR)
    return ordered.assign(**{
        COST_CHANGE: (ordered[COST] / shifted[COST] - 1).where(both_complete),
        UNIT_COST_CHANGE: ordered[UNIT_COST_PER_WEEK] / shifted[UNIT_COST_PER_WEEK] - 1,
    })


def _group_labels(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.Series:
    """One integer label per combination of `keys` (a single group when there are none)."""
    if not keys:
        return pd.Series(0, index=frame.index)
    return pd.Series(frame.groupby(list(keys), observed=True, sort=False).ngroup(), index=frame.index)


def _month_numbers(months: pd.Series) -> np.ndarray:
    dates = pd.DatetimeIndex(months)
    return np.asarray(dates.year * MONTHS_IN_YEAR + dates.month)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)
