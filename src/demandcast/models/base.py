"""The estimator contract every forecaster follows, and the per-series base for local models.

A forecaster is a scikit-learn estimator: `__init__` stores hyperparameters only, `fit(y)`
validates them and returns `self`, fitted state ends in `_`, and `predict(h)` returns the `h`
periods after the last fitted one for every fitted series.

`y` is a long frame with columns unique_id, month and value, sorted by (unique_id, month),
regular with no gaps, every series ending at the same month. It may carry extra key columns
(area, client_group, service, measure): global models use them, local models ignore them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from threadpoolctl import threadpool_limits

from demandcast.columns import MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError

SUPPORTED_FREQS: dict[str, int] = {"MS": 12, "QS": 4}
"""Each supported frequency alias and its seasonal period (periods per year)."""


class Forecaster(BaseEstimator):
    """Base class: fit on a long frame of series, predict the next `h` periods of each."""

    def fit(self, y: pd.DataFrame) -> Self:
        """Fit on `y` (columns unique_id, month, value; extra key columns allowed)."""
        raise NotImplementedError

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean: the `h` periods after the last fitted month."""
        raise NotImplementedError


def infer_freq(months: pd.Series | pd.DatetimeIndex) -> str:
    """The frequency alias ("MS" or "QS") of a regular series of period starts.

    Raises:
        InputError: if fewer than two distinct months or the spacing is not monthly/quarterly.
    """
    distinct = pd.DatetimeIndex(pd.unique(pd.Series(months))).sort_values()
    if len(distinct) < 2:
        raise InputError(f"column {MONTH!r}: need at least 2 distinct months, found {len(distinct)}")
    steps = {_months_between(a, b) for a, b in zip(distinct[:-1], distinct[1:], strict=True)}
    if steps == {1} and (distinct.day == 1).all():
        return "MS"
    if steps == {3} and (distinct.day == 1).all():
        return "QS"
    raise InputError(
        f"column {MONTH!r}: gaps, or not regular monthly or quarterly starts (steps {sorted(steps)})"
    )


def seasonal_period(freq: str) -> int:
    """Periods per year of a supported frequency alias: 12 for "MS", 4 for "QS"."""
    if freq not in SUPPORTED_FREQS:
        raise InputError(f"frequency {freq!r} is not supported; use one of {sorted(SUPPORTED_FREQS)}")
    return SUPPORTED_FREQS[freq]


def future_months(last_month: pd.Timestamp, h: int, freq: str) -> pd.DatetimeIndex:
    """The `h` period starts after `last_month`."""
    return pd.date_range(last_month, periods=h + 1, freq=freq)[1:]


def check_horizon(h: int) -> int:
    """`h` itself if it is a positive integer, else an InputError."""
    if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1:
        raise InputError(f"horizon h must be a positive integer, got {h!r}")
    return int(h)


def check_series_frame(y: pd.DataFrame) -> pd.DataFrame:
    """`y` itself after checking the long-frame contract; raises InputError naming what failed.

    Checks: columns unique_id, month, value present; no missing values; sorted by
    (unique_id, month); each series regular with no gaps; every series ends at the same month.
    """
    missing = [c for c in (SERIES_ID, MONTH, VALUE) if c not in y.columns]
    if missing:
        raise InputError(f"series frame is missing columns {missing}")
    if y.empty:
        raise InputError("series frame is empty")
    if y[[SERIES_ID, MONTH, VALUE]].isna().any().any():
        raise InputError(f"series frame has missing values in {SERIES_ID}, {MONTH} or {VALUE}")
    keys = y[[SERIES_ID, MONTH]]
    if not keys.equals(keys.sort_values([SERIES_ID, MONTH])):
        raise InputError(f"series frame must be sorted by ({SERIES_ID}, {MONTH})")
    freq = infer_freq(y[MONTH])
    ends = y.groupby(SERIES_ID, sort=False)[MONTH].agg(["min", "max", "size"])
    if ends["max"].nunique() != 1:
        raise InputError(f"series end at different months: {sorted(ends['max'].unique())[:3]}")
    span = _month_number(ends["max"]) - _month_number(ends["min"])
    gappy = ends.index[ends["size"].to_numpy() != span // (12 // seasonal_period(freq)) + 1]
    if len(gappy):
        raise InputError(f"series have gaps or duplicate months: {list(gappy[:5])}")
    return y


def series_values(y: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each series' values as a float array, keyed by unique_id in order of appearance."""
    grouped = y.groupby(SERIES_ID, sort=False)[VALUE]
    return {str(uid): values.to_numpy(dtype=float) for uid, values in grouped}


def forecast_frame(means: dict[str, np.ndarray], months: pd.DatetimeIndex) -> pd.DataFrame:
    """Columns unique_id, month, mean from per-series forecast arrays over the same months."""
    h = len(months)
    ids = pd.array(np.repeat(list(means), h), dtype="str")
    values = np.concatenate([np.asarray(m, dtype=float) for m in means.values()]) if means else np.empty(0)
    return pd.DataFrame({SERIES_ID: ids, MONTH: np.tile(months, len(means)), MEAN: values})


class LocalForecaster(Forecaster):
    """One independent model per series, fitted through an executor.

    Subclasses implement `_fit_series(values, freq) -> state` and
    `_predict_series(state, h, freq) -> np.ndarray`; both must be picklable so that
    a process executor can run them. The executor is a hyperparameter (None: serial).
    A subclass that falls back to a simpler model on some series says why through
    `_fallback_reason(state)`; `fallbacks_` maps those series to the reason.
    """

    def fit(self, y: pd.DataFrame) -> Self:
        """Fit one model per series of `y` (columns unique_id, month, value)."""
        check_series_frame(y)
        self._validate_params()
        self.freq_ = infer_freq(y[MONTH])
        self.last_month_ = pd.Timestamp(y[MONTH].max())
        values = series_values(y)
        fitter = clone(self)  # ships parameters only to workers, never a previous fit's state
        fitter.freq_, fitter.last_month_ = self.freq_, self.last_month_
        # Multithreaded BLAS on tiny per-series problems is many times slower than one thread.
        with threadpool_limits(limits=1):
            states = _executor_or_serial(self.executor).map(fitter._fit_one, list(values.values()))
        self.states_ = dict(zip(values, states, strict=True))
        reasons = {uid: self._fallback_reason(state) for uid, state in self.states_.items()}
        self.fallbacks_ = {uid: reason for uid, reason in reasons.items() if reason is not None}
        return self

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean for the `h` periods after the last fitted month."""
        h = check_horizon(h)
        if not hasattr(self, "states_"):
            raise InputError(f"{type(self).__name__} is not fitted; call fit first")
        means = {uid: self._predict_series(state, h, self.freq_) for uid, state in self.states_.items()}
        return forecast_frame(means, future_months(self.last_month_, h, self.freq_))

    def _fit_one(self, values: np.ndarray) -> Any:
        return self._fit_series(values, self.freq_)

    def _validate_params(self) -> None:
        """Raise InputError for invalid hyperparameters (override where there are any)."""

    def _fallback_reason(self, state: Any) -> str | None:  # noqa: ARG002
        return None

    def _fit_series(self, values: np.ndarray, freq: str) -> Any:
        raise NotImplementedError

    def _predict_series(self, state: Any, h: int, freq: str) -> np.ndarray:
        raise NotImplementedError


class _Serial:
    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        return [fn(item) for item in items]


def _executor_or_serial(executor: Any) -> Any:
    return _Serial() if executor is None else executor


def _month_number(months: pd.Series) -> np.ndarray:
    return (months.dt.year * 12 + months.dt.month).to_numpy()


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)
