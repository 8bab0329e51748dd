"""Beyond its first year, a forecast is the one a year earlier grown by the series' yearly drift.

The backtest chooses each level's model on its first year of forecasts; what the model does beyond
it was never measured. A damped trend flattens within a year, while a council's cost keeps rising
with every April's prices: the council cost fell 2.2% short in months 13-24 of 16 cities'
24-month holdouts (benchmarks/long_horizon.md). Here the chosen model keeps its first year, and
each later period is its forecast for the period a year earlier times the series' growth per year:
the geometric mean of its last two yearly ratios (the drift of a seasonal random walk on the log
scale). On the council cost per day of 16 cities, ETS so grown forecast months 13-24 with MAPE
2.29% instead of 3.03% at the total and 3.12% instead of 4.48% by client group
(benchmarks/cost_trend_damping.md; benchmarks/holdout.md, decision 52).
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd
from sklearn.base import clone

from demandcast.columns import MEAN, MONTH, SERIES_ID
from demandcast.errors import InputError
from demandcast.models.base import (
    Forecaster,
    check_horizon,
    forecast_frame,
    future_months,
    infer_freq,
    seasonal_period,
    series_values,
)


class GrownBeyondYear(Forecaster):
    """`model`'s forecasts for one season; each later period, the one a season earlier grown.

    Args:
        model: the forecaster whose first season of forecasts is kept.
        growth_seasons: how many yearly ratios the growth averages (`yearly_growth`).
    """

    def __init__(self, model: Forecaster | None = None, growth_seasons: int = 2):
        self.model = model
        self.growth_seasons = growth_seasons

    def fit(self, y: pd.DataFrame) -> Self:
        """Fit the model on `y` and learn each series' growth per season."""
        if self.model is None:
            raise InputError("GrownBeyondYear needs a model")
        if not isinstance(self.growth_seasons, int | np.integer) or self.growth_seasons < 1:
            raise InputError(f"growth_seasons must be a positive integer, got {self.growth_seasons!r}")
        self.freq_ = infer_freq(y[MONTH])
        self.last_month_ = pd.Timestamp(y[MONTH].max())
        season = seasonal_period(self.freq_)
        self.growth_ = {
            uid: yearly_growth(values, season, self.growth_seasons)
            for uid, values in series_values(y).items()
        }
        self.model_ = clone(self.model).fit(y)
        return self

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean: the first season as forecast, later periods grown a season on."""
        h = check_horizon(h)
        if not hasattr(self, "model_"):
            raise InputError("GrownBeyondYear is not fitted; call fit first")
        season = seasonal_period(self.freq_)
        first = self.model_.predict(min(h, season))
        if h <= season:
            return first
        ordered = first.sort_values([SERIES_ID, MONTH], kind="stable")
        seasons_on = np.arange(h) // season
        means = {}
        for uid, year in ordered.groupby(SERIES_ID, sort=False)[MEAN]:
            means[str(uid)] = np.resize(year.to_numpy(dtype=float), h) * self.growth_[str(uid)] ** seasons_on
        return forecast_frame(means, future_months(self.last_month_, h, self.freq_))


def yearly_growth(values: np.ndarray, season_length: int, growth_seasons: int) -> float:
    """Geometric mean growth per season over the last `growth_seasons` seasons (1.0 if unknown).

    (sum of the last season / sum of the season `growth_seasons` earlier) ^ (1 / growth_seasons). A
    series with fewer full seasons uses as many as it has; one with under two, or a non-positive
    earlier sum, does not grow.
    """
    seasons = min(growth_seasons, len(values) // season_length - 1)
    if seasons < 1:
        return 1.0
    last = float(np.sum(values[-season_length:]))
    start = len(values) - (seasons + 1) * season_length
    earlier = float(np.sum(values[start : start + season_length]))
    if earlier <= 0 or last < 0:
        return 1.0
    return (last / earlier) ** (1.0 / seasons)
