"""Seasonal drift: the last year repeated, grown by the series' recent yearly growth.

The seasonal random walk with drift on the log scale: each future period is the same period a year
earlier times the series' growth per year, estimated as the geometric mean of its last
`growth_seasons` yearly ratios. Council costs rise every April with the unit costs, and a damped
trend flattens within a year; on 16 cities' council cost per day, fitted 24 months before the end,
this form fell 1.9% short in months 13-24 at the total against ETS's 2.0% and was more accurate in
both years (benchmarks/holdout.md, decision 50).
"""

from __future__ import annotations

import numpy as np

from demandcast.errors import InputError
from demandcast.models.base import LocalForecaster, seasonal_period
from demandcast.models.baselines import last_season


class SeasonalDrift(LocalForecaster):
    """The last season, grown each season ahead by the series' mean yearly growth.

    The growth is (sum of the last season / sum of the season `growth_seasons` earlier) to the
    power 1 / `growth_seasons`: the geometric mean of the yearly ratios in between. A series with
    fewer full seasons uses as many as it has; one with under two, or a non-positive earlier sum,
    does not grow (seasonal naive).

    Args:
        growth_seasons: how many yearly ratios the growth averages.
        season_length: periods per season; None takes it from the data (12 monthly, 4 quarterly).
        executor: where per-series fits run (None: in this process).
    """

    def __init__(self, growth_seasons: int = 2, season_length: int | None = None, executor=None):
        self.growth_seasons = growth_seasons
        self.season_length = season_length
        self.executor = executor

    def _validate_params(self) -> None:
        for name in ("growth_seasons", "season_length"):
            value = getattr(self, name)
            if value is None and name == "season_length":
                continue
            if not isinstance(value, int | np.integer) or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value!r}")

    def _fit_series(self, values: np.ndarray, freq: str) -> tuple[np.ndarray, float]:
        length = self.season_length or seasonal_period(freq)
        return last_season(values, length), yearly_growth(values, length, self.growth_seasons)

    def _predict_series(self, state: tuple[np.ndarray, float], h: int, freq: str) -> np.ndarray:  # noqa: ARG002
        season, growth = state
        seasons_ahead = np.arange(h) // len(season) + 1
        return np.resize(season, h) * growth**seasons_ahead


def yearly_growth(values: np.ndarray, season_length: int, growth_seasons: int) -> float:
    """Geometric mean growth per season over the last `growth_seasons` seasons (1.0 if unknown)."""
    seasons = min(growth_seasons, len(values) // season_length - 1)
    if seasons < 1:
        return 1.0
    last = float(np.sum(values[-season_length:]))
    start = len(values) - (seasons + 1) * season_length
    earlier = float(np.sum(values[start : start + season_length]))
    if earlier <= 0 or last < 0:
        return 1.0
    return (last / earlier) ** (1.0 / seasons)
