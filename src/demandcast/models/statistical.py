"""Local statistical forecasters from statsmodels: ETS (additive trend, damped or not, or none) and SARIMA.

Each series is fitted on a plain array (no date index, so statsmodels never guesses a
frequency); the seasonal period comes from the data's frequency. Series that are constant
(including all zeros), too short for the model, or whose fit fails fall back to seasonal naive,
and the reason is recorded in `fallbacks_`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning, EstimationWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX

from demandcast.errors import InputError
from demandcast.models.base import LocalForecaster, seasonal_period
from demandcast.models.baselines import BaselineFallback, last_season


@dataclass(frozen=True)
class EtsState:
    """The final components of a fitted Holt-Winters model (damping 1: undamped; no trend: trend 0)."""

    level: float
    trend: float
    damping: float
    season: np.ndarray
    form: str = "damped"
    """The trend form AICc kept: "damped", "undamped" or "none"."""

    def forecast(self, h: int) -> np.ndarray:
        """level + (phi + ... + phi^k) trend + the season k steps on, for k = 1..h."""
        k = np.arange(1, h + 1)
        season = self.season[(k - 1) % len(self.season)] if len(self.season) else 0.0
        return self.level + np.cumsum(self.damping**k) * self.trend + season


@dataclass(frozen=True)
class SarimaxState:
    """The data and estimated parameters of a SARIMAX fit; the forecast re-runs the Kalman filter."""

    values: np.ndarray
    params: np.ndarray


class ETSForecaster(LocalForecaster):
    """Exponential smoothing with an additive trend and additive yearly seasonality, per series.

    Args:
        seasonal: whether to model yearly seasonality (needs two full years; shorter series drop it).
        min_periods: series shorter than this fall back to seasonal naive.
        damped: True (a damped trend), False (undamped), or "auto": each series fits both and keeps
            the one with the lower AICc, as AutoETS chooses. A damped trend flattens within a year,
            where a council's cost keeps rising with each April's prices: on 16 cities it fell 2.3%
            short of the council cost total two years ahead and 4.4% of its client groups, the AICc's
            choice 2.0% and 2.8% (benchmarks/cost_trend_damping.md; benchmarks/holdout.md, decision 48).
        no_trend: also fit the series without a trend and keep that where its AICc is the lowest
            (AutoETS' third trend form). Training does not offer it: on 14 cities' district and
            council series it bettered the held-out caseload and starts by up to 9% and worsened
            the cost by 8-28% (AICc kept no trend for 40-93% of the cost series below the council
            total, whose prices rise every April), and offered for the counts alone it moved no
            reconciled caseload and worsened the council starts total on 12 fresh cities
            (benchmarks/ets_trend_forms.md; benchmarks/holdout.md, decision 50).
        initialization: "estimated" (the initial level, trend and season are fitted with the
            smoothing parameters, statsmodels' default) or "heuristic" (they come from a classical
            decomposition of the first years and only the smoothing parameters are fitted; needs two
            full years). Estimated, the forecast of a council cost series moves by 0.1-1% (median)
            and up to 8% when its inputs change in their last bits, and the damped/undamped choice
            flips; heuristic, by 1e-8. Training keeps "estimated": with "heuristic" for the cost,
            the engine's cost forecasts of 12 fresh cities were worse at every level
            (benchmarks/ets_initialisation.md; benchmarks/holdout.md, decision 59). The series
            is fitted on its own scale: divided by a power of two it moves by 1e-5 instead, but the
            optimiser then reaches fits that follow each April's price step, and no scaled variant
            (the trend's smoothing bounded, or the level's too) forecast the held-out council cost
            as well at every level (benchmarks/ets_scaling.md, decisions 61-62).
        executor: where per-series fits run (None: in this process).
    """

    def __init__(
        self,
        seasonal: bool = True,
        min_periods: int = 12,
        damped: bool | str = "auto",
        no_trend: bool = False,
        initialization: str = "estimated",
        executor=None,
    ):
        self.seasonal = seasonal
        self.min_periods = min_periods
        self.damped = damped
        self.no_trend = no_trend
        self.initialization = initialization
        self.executor = executor

    def _validate_params(self) -> None:
        if self.min_periods < 4:
            raise InputError(f"min_periods must be at least 4, got {self.min_periods}")
        if self.damped not in (True, False, "auto"):
            raise InputError(f"damped must be True, False or 'auto', got {self.damped!r}")
        if self.initialization not in ("estimated", "heuristic"):
            raise InputError(
                f"initialization must be 'estimated' or 'heuristic', got {self.initialization!r}"
            )

    def _fit_series(self, values: np.ndarray, freq: str) -> EtsState | BaselineFallback:
        m = seasonal_period(freq)
        reason = _fallback_reason(values, self.min_periods)
        if reason:
            return BaselineFallback(reason, last_season(values, m))
        seasonal = self.seasonal and len(values) >= 2 * m
        # the heuristic start decomposes the first two full years; shorter series estimate it
        initialization = self.initialization if seasonal else "estimated"
        forms: list[bool | None] = [True, False] if self.damped == "auto" else [bool(self.damped)]
        if self.no_trend:
            forms.append(None)
        fits = []
        for damped in forms:
            model = ExponentialSmoothing(
                values,
                trend=None if damped is None else "add",
                damped_trend=bool(damped),
                seasonal="add" if seasonal else None,
                seasonal_periods=m if seasonal else None,
                initialization_method=initialization,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                # no brute-force grid for the optimiser's start: it was the largest single item of a
                # training; without it ETS costs about 40% less, training 15% less, and on 12 held-out
                # cities the forecasts were as good (cost 3% better, starts 0.3% worse;
                # benchmarks/holdout.md, decision 37)
                fits.append(model.fit(use_brute=False))
        fitted = min(fits, key=lambda fit: fit.aicc if np.isfinite(fit.aicc) else np.inf)
        damping = fitted.params["damping_trend"] if fitted.model.damped_trend else 1.0
        season = fitted.season[-m:] if seasonal else np.array([])
        trend = fitted.trend[-1] if fitted.model.trend else 0.0
        form = "none" if not fitted.model.trend else "damped" if fitted.model.damped_trend else "undamped"
        state = EtsState(fitted.level[-1], trend, damping, season, form)
        return (
            state
            if np.isfinite(state.forecast(1)).all()
            else BaselineFallback("fit failed", last_season(values, m))
        )

    def _predict_series(self, state: EtsState | BaselineFallback, h: int, freq: str) -> np.ndarray:  # noqa: ARG002
        return state.forecast(h)

    def _fallback_reason(self, state: EtsState | BaselineFallback) -> str | None:
        return state.reason if isinstance(state, BaselineFallback) else None


class SARIMAXForecaster(LocalForecaster):
    """Seasonal ARIMA per series (default (1,0,0)(0,1,1) with a constant: a drifting seasonal random walk).

    Args:
        order: the (p, d, q) order.
        seasonal_order: the seasonal (P, D, Q); the period comes from the data.
        trend: statsmodels' trend argument ("c", "t", "ct" or "n").
        min_periods: series shorter than this fall back to seasonal naive (default: 2 years + 6).
        executor: where per-series fits run (None: in this process).
    """

    def __init__(
        self,
        order: tuple[int, int, int] = (1, 0, 0),
        seasonal_order: tuple[int, int, int] = (0, 1, 1),
        trend: str = "c",
        min_periods: int = 30,
        executor=None,
    ):
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.min_periods = min_periods
        self.executor = executor

    def _validate_params(self) -> None:
        if len(self.order) != 3 or len(self.seasonal_order) != 3:
            raise InputError(
                f"order and seasonal_order need 3 terms, got {self.order}, {self.seasonal_order}"
            )

    def _fit_series(self, values: np.ndarray, freq: str) -> SarimaxState | BaselineFallback:
        reason = _fallback_reason(values, self.min_periods)
        if reason:
            return BaselineFallback(reason, last_season(values, seasonal_period(freq)))
        with warnings.catch_warnings():
            for category in (ConvergenceWarning, EstimationWarning, UserWarning):
                warnings.simplefilter("ignore", category)
            try:
                params = self._model(values, freq).fit(disp=False).params
            except (np.linalg.LinAlgError, ValueError):
                params = np.array([np.nan])
        if not np.isfinite(params).all():
            return BaselineFallback("fit failed", last_season(values, seasonal_period(freq)))
        return SarimaxState(values.copy(), params)

    def _predict_series(self, state: SarimaxState | BaselineFallback, h: int, freq: str) -> np.ndarray:
        if isinstance(state, BaselineFallback):
            return state.forecast(h)
        return np.asarray(self._model(state.values, freq).filter(state.params).forecast(h))

    def _fallback_reason(self, state: SarimaxState | BaselineFallback) -> str | None:
        return state.reason if isinstance(state, BaselineFallback) else None

    def _model(self, values: np.ndarray, freq: str) -> SARIMAX:
        seasonal_order = (*self.seasonal_order, seasonal_period(freq))
        return SARIMAX(values, order=self.order, seasonal_order=seasonal_order, trend=self.trend)


def _fallback_reason(values: np.ndarray, min_periods: int) -> str | None:
    if len(values) < min_periods:
        return f"short: {len(values)} < {min_periods} periods"
    if np.ptp(values) == 0:
        return "constant"
    return None
