"""Prophet per series: piecewise-linear trend plus yearly Fourier seasonality.

A fit costs roughly 0.1-0.5 s, so this serves aggregated levels rather than every ward series.
Forecasts are point forecasts only (uncertainty_samples=0: no sampling, so fits and predictions
are deterministic; intervals come from conformal calibration). Constant or short series fall
back to seasonal naive, recorded in `fallbacks_`. cmdstanpy's per-fit log lines are silenced,
in this process and in executor workers.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from demandcast.errors import InputError
from demandcast.models.base import LocalForecaster, future_months, seasonal_period
from demandcast.models.baselines import BaselineFallback, last_season

_QUIET_LOGGERS = ("cmdstanpy", "prophet.plot")


def _silence_prophet_loggers() -> None:
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).disabled = True


# Also at import: unpickling a fitted model imports prophet, whose plot module logs an error without plotly.
_silence_prophet_loggers()


class ProphetForecaster(LocalForecaster):
    """Prophet with yearly seasonality, fitted per series.

    Args:
        yearly_seasonality: Fourier order of the yearly seasonality, capped at half the periods in a
            year (6 monthly, 2 quarterly), the most a regular series can tell apart. 6 beat 5 on the
            council series of both demo cities before their held-out year but lost in it wherever
            Prophet was chosen, so 5 stays (benchmarks/holdout.md, decision 19).
        changepoint_prior_scale: flexibility of the trend.
        seasonality_mode: "additive" or "multiplicative".
        min_periods: series shorter than this fall back to seasonal naive.
        executor: where per-series fits run (None: in this process).
    """

    def __init__(
        self,
        yearly_seasonality: int = 5,
        changepoint_prior_scale: float = 0.05,
        seasonality_mode: str = "additive",
        min_periods: int = 24,
        executor=None,
    ):
        self.yearly_seasonality = yearly_seasonality
        self.changepoint_prior_scale = changepoint_prior_scale
        self.seasonality_mode = seasonality_mode
        self.min_periods = min_periods
        self.executor = executor

    def _validate_params(self) -> None:
        if self.seasonality_mode not in ("additive", "multiplicative"):
            raise InputError(
                f"seasonality_mode must be additive or multiplicative, got {self.seasonality_mode!r}"
            )
        if self.yearly_seasonality < 1 or self.changepoint_prior_scale <= 0:
            raise InputError("yearly_seasonality must be >= 1 and changepoint_prior_scale > 0")

    def _fit_series(self, values: np.ndarray, freq: str) -> Any:
        if len(values) < self.min_periods or np.ptp(values) == 0:
            reason = (
                "constant"
                if len(values) >= self.min_periods
                else f"short: {len(values)} < {self.min_periods}"
            )
            return BaselineFallback(reason, last_season(values, seasonal_period(freq)))
        prophet = _new_prophet(
            yearly_seasonality=min(self.yearly_seasonality, seasonal_period(freq) // 2),
            weekly_seasonality=False,
            daily_seasonality=False,
            changepoint_prior_scale=self.changepoint_prior_scale,
            seasonality_mode=self.seasonality_mode,
            uncertainty_samples=0,
        )
        months = pd.date_range(end=self.last_month_, periods=len(values), freq=freq)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # raised by prophet's own pandas calls
            return prophet.fit(pd.DataFrame({"ds": months, "y": values}))

    def _predict_series(self, state: Any, h: int, freq: str) -> np.ndarray:
        if isinstance(state, BaselineFallback):
            return state.forecast(h)
        future = pd.DataFrame({"ds": future_months(state.history["ds"].max(), h, freq)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # raised by prophet's own pandas calls
            return state.predict(future)["yhat"].to_numpy()

    def _fallback_reason(self, state: Any) -> str | None:
        return state.reason if isinstance(state, BaselineFallback) else None


def _new_prophet(**params: Any) -> Any:
    _silence_prophet_loggers()
    from prophet import Prophet  # imported here: slow to import, and only this model needs it

    return Prophet(**params)
