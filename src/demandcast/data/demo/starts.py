"""Draw start dates and wards for a stream of packages: a Poisson process over days and wards."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.data.demo.seasonality import start_intensity

DAYS_PER_YEAR = 365.25


def draw_starts(
    days: pd.DatetimeIndex,
    yearly_rate: float,
    client_group: str,
    ward_weights: np.ndarray,
    rng: np.random.Generator,
    care_home: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Start days (as datetime64[D]) and ward positions for one stream of packages.

    The count is Poisson with mean `yearly_rate` times the summed daily intensity over `days`;
    the day and the ward of each start are drawn independently (a separable intensity).
    """
    intensity = start_intensity(days, client_group, care_home)
    count = rng.poisson(yearly_rate / DAYS_PER_YEAR * intensity.sum())
    day_position = rng.choice(len(days), size=count, p=intensity / intensity.sum())
    ward_position = rng.choice(len(ward_weights), size=count, p=ward_weights)
    return days.to_numpy().astype("datetime64[D]")[day_position], ward_position
