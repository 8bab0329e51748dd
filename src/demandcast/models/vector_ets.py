"""Exponential smoothing for thousands of series at once: a grid search run as array recursions.

Every series is smoothed with every combination of a small parameter grid in one pass over time
(arrays of shape [series, grid]), and each series keeps the combination with the lowest AICc
(or in-sample SSE). The grid spans four forms of additive-error ETS: level only, damped trend,
additive season, and both, so a series can fall back to a simpler form when that fits as well.
Initial states come from a classical decomposition of the first two seasons, never optimised,
which is what makes the search cheap: about a second for four thousand monthly series.

Series that are constant (including all zeros) forecast their value; series shorter than two
seasons plus a few periods fall back to seasonal naive; both are listed in `fallbacks_`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd

from demandcast.columns import MONTH
from demandcast.errors import InputError
from demandcast.models.base import (
    Forecaster,
    check_horizon,
    check_series_frame,
    forecast_frame,
    future_months,
    infer_freq,
    seasonal_period,
    series_values,
)
from demandcast.models.baselines import last_season

CRITERIA = ("aicc", "sse")
TRANSFORMS = (None, "log1p", "auto")
BACK_TRANSFORMS = ("median", "mean")
EXTRA_PERIODS = 3
"""Periods beyond two full seasons a series needs before it is smoothed rather than repeated."""
CHUNK_SERIES = 256
"""Series smoothed together: keeps the [series, grid, season] state in cache-sized pieces."""
INITIAL_SEASONS = 2
NON_SEASONAL, SEASONAL = "N", "A"


@dataclass(frozen=True)
class _Grid:
    """One column per candidate model: its smoothing parameters, form and parameter count."""

    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    phi: np.ndarray
    has_trend: np.ndarray
    has_season: np.ndarray
    n_params: np.ndarray


@dataclass(frozen=True)
class _Fit:
    """Per-series final states of the chosen model; `season[:, k]` is the index k + 1 periods ahead.

    `alpha`, `beta`, `gamma` are its smoothing parameters (0 where the form lacks the component) and
    `sigma2` its one-step in-sample error variance (SSE / periods; 0 for constants and fallbacks).
    """

    level: np.ndarray
    trend: np.ndarray
    phi: np.ndarray
    season: np.ndarray
    form: np.ndarray
    score: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    sigma2: np.ndarray


class VectorETSForecaster(Forecaster):
    """Additive-error ETS (damped additive trend, additive season) chosen per series from a grid.

    Args:
        alphas: level smoothing values tried (ten: the finer grid beat five values on the
            bottom-level backtest of both demo cities for every measure; benchmarks/vector_ets.md).
        betas: trend smoothing values tried (only those no larger than alpha).
        gammas: season smoothing values tried (only those no larger than 1 - alpha).
        phis: trend damping values tried; 1.0 adds an undamped trend (one parameter fewer), which
            lost on the demo holdout; 0.9 and 0.98 lost to 0.8 alone on the bottom-level backtest
            (benchmarks/vector_ets.md).
        criterion: "aicc" (choose form and parameters by AICc) or "sse" (full damped seasonal
            form only, lowest in-sample one-step squared error).
        seasonal: whether seasonal forms are candidates.
        transform: None; "log1p" to smooth log(1 + y) (a multiplicative season) and return
            exp(forecast) - 1; or "auto" to choose per series between the two by AICc on the
            original scale (the log fit's AICc plus its Jacobian term; series with negative
            values stay additive). "auto" won on the demo holdout (benchmarks/vector_ets.md).
        back_transform: how a log1p series' forecast returns to the original scale: "median",
            exp(w) - 1 of the forecast w on the log scale (the median of the forecast
            distribution, below its mean); or "mean", exp(w) (1 + v / 2) - 1, the bias-adjusted
            back-transformation of Hyndman & Athanasopoulos (Forecasting: Principles and Practice,
            3rd ed., section 5.6), v the forecast variance on the log scale `h` steps ahead
            (`forecast_variance`). Forecasts that are summed (reconciliation) need means; the
            adjustment suits small counts, and overshoots where the log-scale variance is large
            (intermittent costs: benchmarks/log_back_transform.md).
        min_periods: series shorter than this repeat their last season; None: two seasons + 3.
    """

    def __init__(
        self,
        alphas: Sequence[float] = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.55, 0.7, 0.85),
        betas: Sequence[float] = (0.005, 0.02, 0.08),
        gammas: Sequence[float] = (0.01, 0.05, 0.15, 0.3),
        phis: Sequence[float] = (0.8,),
        criterion: str = "aicc",
        seasonal: bool = True,
        transform: str | None = "auto",
        back_transform: str = "median",
        min_periods: int | None = None,
    ):
        self.alphas = alphas
        self.betas = betas
        self.gammas = gammas
        self.phis = phis
        self.criterion = criterion
        self.seasonal = seasonal
        self.transform = transform
        self.back_transform = back_transform
        self.min_periods = min_periods

    def fit(self, y: pd.DataFrame) -> Self:
        """Fit every series of `y` (columns unique_id, month, value; extra key columns ignored)."""
        check_series_frame(y)
        self._validate_params()
        self.freq_ = infer_freq(y[MONTH])
        self.last_month_ = pd.Timestamp(y[MONTH].max())
        m = seasonal_period(self.freq_)
        values = series_values(y)
        if self.transform == "log1p" and min(v.min() for v in values.values()) < 0:
            raise InputError("transform 'log1p' needs non-negative values")
        self.series_ids_ = list(values)
        fits, self.fallbacks_ = self._fit_all(list(values.values()), m, log=self.transform == "log1p")
        self.log_ = np.full(len(values), self.transform == "log1p")
        if self.transform == "auto":
            fits, self.log_ = self._with_log_where_better(fits, list(values.values()), m)
        self.level_, self.trend_, self.phi_ = fits.level, fits.trend, fits.phi
        self.season_ = fits.season
        self.alpha_, self.beta_, self.gamma_, self.sigma2_ = fits.alpha, fits.beta, fits.gamma, fits.sigma2
        self.form_ = np.where(self.log_, fits.form + " on log1p", fits.form)
        return self

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean for the `h` periods after the last fitted month."""
        h = check_horizon(h)
        if not hasattr(self, "level_"):
            raise InputError(f"{type(self).__name__} is not fitted; call fit first")
        steps = np.arange(1, h + 1)
        damped_sum = np.cumsum(self.phi_[:, None] ** steps, axis=1)
        season = self.season_[:, (steps - 1) % self.season_.shape[1]]
        means = self.level_[:, None] + damped_sum * self.trend_[:, None] + season
        mean = getattr(self, "back_transform", "median") == "mean"  # models saved before it: medians
        shift = np.log1p(self.forecast_variance(h) / 2) if mean else 0.0
        means = np.where(self.log_[:, None], np.expm1(np.minimum(means + shift, 700.0)), means)
        rows = dict(zip(self.series_ids_, means, strict=True))
        return forecast_frame(rows, future_months(self.last_month_, h, self.freq_))

    def forecast_variance(self, h: int) -> np.ndarray:
        """Each series' forecast variance 1..h steps ahead ([series, h]), on its fitted scale.

        Additive-error ETS: sigma^2 (1 + sum over j < step of c_j^2), c_j = alpha + beta phi_j +
        gamma [j a multiple of the season], phi_j = phi + ... + phi^j (Hyndman, Koehler, Ord &
        Snyder 2008, class 1); sigma^2 is the in-sample one-step error variance (0 for constant
        series and seasonal-naive fallbacks).
        """
        h = check_horizon(h)
        if not hasattr(self, "sigma2_"):
            raise InputError(f"{type(self).__name__} is not fitted; call fit first")
        j = np.arange(1, h)
        damped_sum = np.cumsum(self.phi_[:, None] ** j, axis=1)
        in_season = (j % self.season_.shape[1] == 0).astype(float)
        c = self.alpha_[:, None] + self.beta_[:, None] * damped_sum + self.gamma_[:, None] * in_season
        spread = np.concatenate([np.ones((len(c), 1)), 1 + np.cumsum(c**2, axis=1)], axis=1)
        return self.sigma2_[:, None] * spread

    def _validate_params(self) -> None:
        if self.criterion not in CRITERIA:
            raise InputError(f"criterion must be one of {CRITERIA}, got {self.criterion!r}")
        if self.transform not in TRANSFORMS:
            raise InputError(f"transform must be one of {TRANSFORMS}, got {self.transform!r}")
        if self.back_transform not in BACK_TRANSFORMS:
            raise InputError(f"back_transform must be one of {BACK_TRANSFORMS}, got {self.back_transform!r}")
        for name in ("alphas", "betas", "gammas", "phis"):
            grid = np.asarray(getattr(self, name), dtype=float)
            if grid.ndim != 1 or grid.size == 0 or (grid <= 0).any() or (grid > 1).any():
                raise InputError(f"{name} must be a non-empty sequence of values in (0, 1]")
        if self.min_periods is not None and self.min_periods < 4:
            raise InputError(f"min_periods must be at least 4 or None, got {self.min_periods}")

    def _with_log_where_better(
        self, additive: _Fit, series: list[np.ndarray], m: int
    ) -> tuple[_Fit, np.ndarray]:
        """The additive fit with each series' log1p fit swapped in where its original-scale AICc is lower."""
        negative = np.array([v.min() < 0 for v in series])
        loggable = [np.zeros_like(v) if neg else v for v, neg in zip(series, negative, strict=True)]
        logged, _ = self._fit_all(loggable, m, log=True)
        jacobian = np.where(negative, np.inf, [2 * np.log1p(v).sum() for v in loggable])
        use_log = logged.score + jacobian < additive.score
        fields = _Fit.__dataclass_fields__
        chosen = {
            f: np.where(
                use_log.reshape(-1, *[1] * (getattr(additive, f).ndim - 1)),
                getattr(logged, f),
                getattr(additive, f),
            )
            for f in fields
        }
        return _Fit(**chosen), use_log

    def _fit_all(self, series: list[np.ndarray], m: int, log: bool) -> tuple[_Fit, dict[str, str]]:
        n = len(series)
        level, trend, phi, score = np.zeros(n), np.zeros(n), np.ones(n), np.full(n, np.inf)
        season, form = np.zeros((n, m)), np.full(n, "seasonal naive", dtype=object)
        alpha, beta, gamma, sigma2 = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        fallbacks: dict[str, str] = {}
        min_periods = self.min_periods or 2 * m + EXTRA_PERIODS
        lengths = np.array([len(v) for v in series])
        for length in np.unique(lengths):
            rows = np.flatnonzero(lengths == length)
            matrix = np.stack([series[i] for i in rows])
            matrix = np.log1p(matrix) if log else matrix
            if length < min_periods:
                season[rows] = [last_season(v, m) for v in matrix]
                fallbacks |= {self.series_ids_[i]: f"short: {length} < {min_periods} periods" for i in rows}
                continue
            constant = np.ptp(matrix, axis=1) == 0
            level[rows[constant]], form[rows[constant]] = matrix[constant, 0], "constant"
            fallbacks |= {self.series_ids_[i]: "constant" for i in rows[constant]}
            smoothed = self._fit_matrix(matrix[~constant], m)
            target = rows[~constant]
            level[target], trend[target], phi[target] = smoothed.level, smoothed.trend, smoothed.phi
            season[target], form[target], score[target] = smoothed.season, smoothed.form, smoothed.score
            alpha[target], beta[target], gamma[target] = smoothed.alpha, smoothed.beta, smoothed.gamma
            sigma2[target] = smoothed.sigma2
        return _Fit(level, trend, phi, season, form, score, alpha, beta, gamma, sigma2), fallbacks

    def _fit_matrix(self, y: np.ndarray, m: int) -> _Fit:
        grid = candidate_grid(
            self.alphas, self.betas, self.gammas, self.phis, m, self.seasonal, self.criterion
        )
        pieces = [_fit_chunk(y[i : i + CHUNK_SERIES], grid, m) for i in range(0, len(y), CHUNK_SERIES)]
        return _Fit(*(np.concatenate([getattr(p, f) for p in pieces]) for f in _Fit.__dataclass_fields__))


def candidate_grid(
    alphas: Sequence[float],
    betas: Sequence[float],
    gammas: Sequence[float],
    phis: Sequence[float],
    m: int,
    seasonal: bool = True,
    criterion: str = "aicc",
) -> _Grid:
    """Every admissible (alpha, beta, gamma, phi, trend?, season?) combination, simplest forms first.

    Admissible: beta <= alpha and gamma <= 1 - alpha (the usual ETS parameter region). With
    criterion "sse" only the full form (trend and, if `seasonal`, season) is a candidate.
    """
    forms = [(False, False), (True, False), (False, True), (True, True)]
    forms = [
        (t, s) for t, s in forms if (seasonal or not s) and (criterion == "aicc" or (t and s == seasonal))
    ]
    columns = []
    for has_trend, has_season in forms:
        for a in alphas:
            for b in betas if has_trend else [0.0]:
                for g in gammas if has_season else [0.0]:
                    for p in phis if has_trend else [1.0]:
                        if b <= a and g <= 1 - a:
                            k = 1 + has_trend * (2 + (p < 1)) + has_season * m + 1
                            columns.append((a, b, g, p, has_trend, has_season, k))
    return _Grid(*(np.array(c) for c in zip(*columns, strict=True)))


def initial_states(y: np.ndarray, m: int, n_seasons: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(level, trend, season[m, n]) before the first period, from the first `n_seasons` seasons of each row.

    The trend is the least-squares slope of the seasonal means, per period; the season is the mean
    deviation from that line at each position, centred to sum to zero.
    """
    blocks = y[:, : n_seasons * m].reshape(len(y), n_seasons, m)
    means = blocks.mean(axis=2)
    k = np.arange(n_seasons) - (n_seasons - 1) / 2
    trend = (means @ k) / (k @ k) / m
    t = np.arange(n_seasons * m) - (n_seasons * m - 1) / 2
    line = means.mean(axis=1)[:, None] + trend[:, None] * t
    deviation = (y[:, : n_seasons * m] - line).reshape(len(y), n_seasons, m).mean(axis=1)
    season = deviation - deviation.mean(axis=1, keepdims=True)
    return line[:, 0] - trend, trend, season.T


def _fit_chunk(y: np.ndarray, grid: _Grid, m: int) -> _Fit:
    level, trend, season = _starting_states(y, grid, m)
    alpha, beta, gamma, phi = grid.alpha, grid.beta, grid.gamma, grid.phi
    sse = np.zeros_like(level)
    n_periods = y.shape[1]
    for t in range(n_periods):
        position = t % m
        damped = phi * trend
        error = y[:, t, None] - (level + damped + season[position])
        sse += error**2
        level = level + damped + alpha * error
        trend = damped + beta * error
        season[position] += gamma * error
    criterion = _criterion(sse, grid.n_params, n_periods, y)
    best = np.argmin(criterion, axis=1)
    rows = np.arange(len(y))
    ahead = (n_periods + np.arange(m)) % m
    form = _form_names(grid)[best]
    return _Fit(
        level[rows, best],
        trend[rows, best],
        phi[best],
        season[ahead][:, rows, best].T,
        form,
        criterion[rows, best],
        alpha[best],
        beta[best],
        gamma[best],
        sse[rows, best] / n_periods,
    )


def _form_names(grid: _Grid) -> np.ndarray:
    """ETS(error, trend, season) names of the grid's columns: "A,Ad,A" is damped trend with season."""
    trend = np.where(~grid.has_trend, "N", np.where(grid.phi < 1, "Ad", "A"))
    season = np.where(grid.has_season, SEASONAL, NON_SEASONAL)
    return np.array([f"A,{t},{s}" for t, s in zip(trend, season, strict=True)], dtype=object)


def _starting_states(y: np.ndarray, grid: _Grid, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level and trend [n, grid] and season [m, n, grid]; forms without a trend or season start flat."""
    k = INITIAL_SEASONS  # three or four seasons did no better on simulated ETS series
    level, trend, season = initial_states(y, m, k)
    flat_level = y[:, : k * m].mean(axis=1)
    flat_season = y[:, : k * m].reshape(len(y), k, m).mean(axis=1).T - flat_level
    level0 = np.where(grid.has_trend, level[:, None], flat_level[:, None])
    trend0 = np.where(grid.has_trend, trend[:, None], 0.0)
    season0 = np.where(grid.has_trend, season[:, :, None], flat_season[:, :, None])
    return level0, trend0, np.where(grid.has_season, season0, 0.0)


def _criterion(sse: np.ndarray, n_params: np.ndarray, n_periods: int, y: np.ndarray) -> np.ndarray:
    """AICc of a Gaussian additive-error model from its SSE (floored so a perfect fit stays finite)."""
    floor = 1e-10 * (np.mean(y**2, axis=1, keepdims=True) + 1e-12) * n_periods
    k = n_params
    penalty = 2 * k + 2 * k * (k + 1) / np.maximum(n_periods - k - 1, 1)
    return n_periods * np.log(np.maximum(sse, floor)) + penalty
