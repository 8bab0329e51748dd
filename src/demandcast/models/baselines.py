"""Baselines every model must beat: seasonal naive and the mean of the last year."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demandcast.errors import InputError
from demandcast.models.base import LocalForecaster, seasonal_period


class SeasonalNaive(LocalForecaster):
    """Repeats the last full season: the forecast for a month is the value a year earlier.

    Series shorter than one season repeat their last value (naive).

    Args:
        season_length: periods per season; None takes it from the data (12 monthly, 4 quarterly).
        executor: where per-series fits run (None: in this process).
    """

    def __init__(self, season_length: int | None = None, executor=None):
        self.season_length = season_length
        self.executor = executor

    def _validate_params(self) -> None:
        _check_season_length(self.season_length)

    def _fit_series(self, values: np.ndarray, freq: str) -> np.ndarray:
        return last_season(values, self.season_length or seasonal_period(freq))

    def _predict_series(self, state: np.ndarray, h: int, freq: str) -> np.ndarray:  # noqa: ARG002
        return np.resize(state, h)


class MeanOfLastYear(LocalForecaster):
    """A flat forecast at the mean of the last season (the last 12 months for monthly data).

    Args:
        season_length: periods averaged; None takes it from the data (12 monthly, 4 quarterly).
        executor: where per-series fits run (None: in this process).
    """

    def __init__(self, season_length: int | None = None, executor=None):
        self.season_length = season_length
        self.executor = executor

    def _validate_params(self) -> None:
        _check_season_length(self.season_length)

    def _fit_series(self, values: np.ndarray, freq: str) -> float:
        return float(values[-(self.season_length or seasonal_period(freq)) :].mean())

    def _predict_series(self, state: float, h: int, freq: str) -> np.ndarray:  # noqa: ARG002
        return np.full(h, state)


@dataclass(frozen=True)
class BaselineFallback:
    """The fitted state of a model that fell back to seasonal naive on one series, and why."""

    reason: str
    season: np.ndarray

    def forecast(self, h: int) -> np.ndarray:
        """The next `h` values: the last season repeated."""
        return np.resize(self.season, h)


def last_season(values: np.ndarray, season_length: int) -> np.ndarray:
    """The last `season_length` values; a series shorter than that repeats its last value."""
    if len(values) < season_length:
        return np.full(season_length, float(values[-1]))
    return np.asarray(values[-season_length:], dtype=float).copy()


def _check_season_length(season_length: int | None) -> None:
    if season_length is not None and (not isinstance(season_length, int | np.integer) or season_length < 1):
        raise InputError(f"season_length must be a positive integer or None, got {season_length!r}")
