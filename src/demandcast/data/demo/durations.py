"""How long packages last, in days, per client group and service.

Shapes follow DOMAIN.md: home care lognormal with a median of 9-12 months; residential care a
median of 18-24 months; nursing care Weibull with a shape below 1 (high early mortality) and a
median of 9-12 months; learning-disability supported living for years; reablement up to 6 weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demandcast.columns import OLDER_PEOPLE, WORKING_AGE

MAX_DAYS = 25 * 365  # the generator's burn-in covers the longest package
REABLEMENT_DAYS = (7, 28, 42)  # triangular: minimum, mode, maximum


@dataclass(frozen=True)
class Duration:
    """A duration law: lognormal (median, sigma) or Weibull (median, shape) in days."""

    law: str
    median_days: float
    spread: float

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` whole-day durations, at least 1 day and at most MAX_DAYS."""
        if self.law == "weibull":
            scale = self.median_days / np.log(2) ** (1 / self.spread)
            days = scale * rng.weibull(self.spread, n)
        else:
            days = self.median_days * np.exp(rng.normal(0.0, self.spread, n))
        return np.clip(np.rint(days), 1, MAX_DAYS).astype("int64")


ADULT_DURATIONS: dict[tuple[str, str], Duration] = {
    (OLDER_PEOPLE, "home_care"): Duration("lognormal", 300, 1.0),
    (OLDER_PEOPLE, "residential"): Duration("lognormal", 640, 0.9),
    (OLDER_PEOPLE, "nursing"): Duration("weibull", 300, 0.75),
    (OLDER_PEOPLE, "supported_living"): Duration("lognormal", 1_100, 0.8),
    (OLDER_PEOPLE, "direct_payment"): Duration("lognormal", 550, 0.9),
    (OLDER_PEOPLE, "day_care"): Duration("lognormal", 450, 0.8),
    (WORKING_AGE, "home_care"): Duration("lognormal", 365, 1.1),
    (WORKING_AGE, "residential"): Duration("lognormal", 1_800, 0.8),
    (WORKING_AGE, "nursing"): Duration("lognormal", 700, 1.0),
    (WORKING_AGE, "supported_living"): Duration("lognormal", 2_200, 0.8),
    (WORKING_AGE, "direct_payment"): Duration("lognormal", 900, 0.9),
    (WORKING_AGE, "day_care"): Duration("lognormal", 730, 0.8),
}

# children: a period of care, by legal status at entry (s20 stays are often weeks; care orders years)
SHORT_STAY = Duration("lognormal", 45, 1.0)
LONG_STAY = Duration("weibull", 2_200, 1.1)
SHARE_SHORT_BY_STATUS = {"V2": 0.50, "L1": 0.50, "C1": 0.05}


def adult_package_days(client_group: str, service: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Durations of `n` adult packages of one service (reablement: 1 to 6 weeks)."""
    if service == "reablement":
        low, mode, high = REABLEMENT_DAYS
        return np.rint(rng.triangular(low, mode, high, n)).astype("int64")
    return ADULT_DURATIONS[(client_group, service)].sample(n, rng)


def mean_adult_package_days(client_group: str, service: str, draws: int = 100_000) -> float:
    """The expected duration in days, estimated on a fixed private stream so calibration is stable."""
    return float(adult_package_days(client_group, service, draws, np.random.default_rng(0)).mean())


def care_period_days(legal_status: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Durations of children's periods of care given the legal status at entry (V2, L1 or C1)."""
    short_share = np.array([SHARE_SHORT_BY_STATUS[s] for s in legal_status])
    is_short = rng.random(len(legal_status)) < short_share
    return np.where(is_short, SHORT_STAY.sample(len(is_short), rng), LONG_STAY.sample(len(is_short), rng))
