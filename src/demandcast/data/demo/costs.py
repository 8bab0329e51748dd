"""What packages cost: unit cost, unit type and units per week, priced at the package's start.

Prices step each April (fiscal year of the start date) and trend upwards; within a service the
weekly cost is lognormal, so the dearest packages (children's homes, 24-hour supported living)
carry a large share of spend. Levels follow DOMAIN.md: council home-care rates reaching £24.10 an
hour in 2025-26, care homes for older people £640-900 a week, learning-disability residential
£1,000-2,000, children's homes around £3,600 a week in 2020 rising fastest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandcast.columns import CHILDREN, OLDER_PEOPLE, WORKING_AGE

HOURLY_RATE_BY_FISCAL_YEAR = {
    2019: 16.3,
    2020: 17.0,
    2021: 17.6,
    2022: 18.9,
    2023: 20.6,
    2024: 22.2,
    2025: 24.1,
}
HOURLY_RATE_GROWTH = 0.04  # outside the table
REABLEMENT_PREMIUM = 1.15


@dataclass(frozen=True)
class Price:
    """Median unit cost in fiscal year 2020-21, yearly growth, lognormal spread and the unit."""

    unit_cost_2020: float
    growth: float
    spread: float
    unit_type: str = "week"


PRICES: dict[tuple[str, str], Price] = {
    (OLDER_PEOPLE, "residential"): Price(640, 0.07, 0.15),
    (OLDER_PEOPLE, "nursing"): Price(760, 0.065, 0.18),
    (OLDER_PEOPLE, "supported_living"): Price(650, 0.05, 0.40),
    (OLDER_PEOPLE, "direct_payment"): Price(230, 0.04, 0.55),
    (OLDER_PEOPLE, "day_care"): Price(55, 0.04, 0.15, "session"),
    (WORKING_AGE, "residential"): Price(1_350, 0.05, 0.35),
    (WORKING_AGE, "nursing"): Price(1_100, 0.05, 0.30),
    (WORKING_AGE, "supported_living"): Price(1_000, 0.05, 0.45),
    (WORKING_AGE, "direct_payment"): Price(280, 0.04, 0.60),
    (WORKING_AGE, "day_care"): Price(55, 0.04, 0.15, "session"),
    (CHILDREN, "foster_inhouse"): Price(420, 0.03, 0.20),
    (CHILDREN, "foster_agency"): Price(820, 0.04, 0.15),
    (CHILDREN, "kinship"): Price(230, 0.03, 0.30),
    (CHILDREN, "childrens_home"): Price(3_600, 0.10, 0.35),
    (CHILDREN, "semi_independent"): Price(1_100, 0.08, 0.35),
    (CHILDREN, "placed_with_parents"): Price(90, 0.03, 0.50),
}
# hours a week: (median, lognormal spread, minimum, maximum)
HOURS_PER_WEEK = {
    (OLDER_PEOPLE, "home_care"): (10.0, 0.5, 2.0, 56.0),
    (WORKING_AGE, "home_care"): (12.0, 0.6, 2.0, 84.0),
    (OLDER_PEOPLE, "reablement"): (8.0, 0.4, 2.0, 25.0),
    (WORKING_AGE, "reablement"): (8.0, 0.4, 2.0, 25.0),
}
SESSIONS_PER_WEEK = {OLDER_PEOPLE: (1, 3), WORKING_AGE: (2, 5)}


def package_costs(
    client_group: str, service: str, start: pd.DatetimeIndex, rng: np.random.Generator
) -> pd.DataFrame:
    """Columns unit_cost, unit_type, units_per_week and weekly_cost for packages starting on `start`."""
    n = len(start)
    fiscal_year = start.year.to_numpy() - (start.month.to_numpy() < 4)
    if (client_group, service) in HOURS_PER_WEEK:
        median, spread, low, high = HOURS_PER_WEEK[(client_group, service)]
        units = np.clip(np.round(median * np.exp(rng.normal(0, spread, n)) * 2) / 2, low, high)
        premium = REABLEMENT_PREMIUM if service == "reablement" else 1.0
        unit_cost = hourly_rate(fiscal_year) * premium
        unit_type = "hour"
    else:
        price = PRICES[(client_group, service)]
        level = price.unit_cost_2020 * (1 + price.growth) ** (fiscal_year - 2020)
        unit_cost = level * np.exp(rng.normal(0, price.spread, n))
        unit_type = price.unit_type
        units = _sessions(client_group, n, rng) if unit_type == "session" else np.ones(n)
    unit_cost = np.round(unit_cost, 2)
    return pd.DataFrame(
        {
            "unit_cost": unit_cost,
            "unit_type": pd.array([unit_type] * n, dtype="str"),
            "units_per_week": units.astype(float),
            "weekly_cost": np.round(unit_cost * units, 2),
        }
    )


def hourly_rate(fiscal_year: np.ndarray) -> np.ndarray:
    """The council's home-care rate per hour for each fiscal year (April price steps)."""
    first, last = min(HOURLY_RATE_BY_FISCAL_YEAR), max(HOURLY_RATE_BY_FISCAL_YEAR)
    table = np.array([HOURLY_RATE_BY_FISCAL_YEAR[y] for y in range(first, last + 1)])
    clipped = np.clip(fiscal_year, first, last)
    return table[clipped - first] * (1 + HOURLY_RATE_GROWTH) ** (fiscal_year - clipped)


def _sessions(client_group: str, n: int, rng: np.random.Generator) -> np.ndarray:
    low, high = SESSIONS_PER_WEEK[client_group]
    return rng.integers(low, high + 1, n).astype(float)
