"""A global gradient-boosting forecaster: one model across all series of a measure (the M5 pattern).

Every (series, month) row becomes a training example whose features are that series' past
(lags, rolling means), its calendar, its area's covariates, its service keys as categories and
its neighbours' past (spatial lags). Counts use the Poisson loss; cost uses ``cost_loss``.
Forecasts are recursive by default: predict one month for every series at once, append it to
the history, featurise the next month (features.recursion updates only the features that move with
the month, equal to rebuilding the design frame). ``strategy="direct"`` instead trains one model whose rows
are (origin, horizon) pairs, with the horizon as a feature.
"""

from collections.abc import Mapping, Sequence
from typing import Self

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from demandcast.columns import COST, MEAN, MEASURE, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.features.calendar import calendar_features
from demandcast.features.design import CATEGORICAL_KEYS, design_frame, feature_names
from demandcast.features.lags import DEFAULT_LAGS, DEFAULT_WINDOWS
from demandcast.features.recursion import RecursiveFeatures
from demandcast.models.base import Forecaster, check_horizon, check_series_frame, future_months, infer_freq

STRATEGIES = ("recursive", "direct")
COST_LOSSES = ("poisson", "log_squared_error")
HORIZON = "horizon"
_ALL_MEASURES = "_all"


class GlobalGBMForecaster(Forecaster):
    """HistGradientBoostingRegressor over all series of each measure in ``y``.

    Args:
        covariates: per-area covariates keyed by ``area`` (population by age group, imd_decile);
            protected characteristics in the table are ignored.
        neighbours: ``{area: [neighbouring areas]}`` (queen contiguity) for spatial lags.
        lags: autoregressive lags in periods.
        windows: rolling-mean windows in periods.
        strategy: "recursive" (one-step model iterated) or "direct" (horizon as a feature).
        max_horizon: the longest horizon the direct strategy trains for.
        cost_loss: "poisson" or "log_squared_error" (squared error on log1p) for the cost measure.
        max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization: passed to
            HistGradientBoostingRegressor.
        random_state: seed for the booster and the direct strategy's row sample.
        n_threads: OpenMP threads for the booster; 1 by default because on a busy 2-core machine
            more threads made a fit ten times slower (benchmarks/global_gbm.md), and parallelism
            belongs to the executor.
    """

    def __init__(
        self,
        *,
        covariates: pd.DataFrame | None = None,
        neighbours: Mapping[str, Sequence[str]] | None = None,
        lags: Sequence[int] = DEFAULT_LAGS,
        windows: Sequence[int] = DEFAULT_WINDOWS,
        strategy: str = "recursive",
        max_horizon: int = 36,
        cost_loss: str = "poisson",
        max_iter: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        random_state: int = 0,
        n_threads: int | None = 1,
    ) -> None:
        self.covariates = covariates
        self.neighbours = neighbours
        self.lags = lags
        self.windows = windows
        self.strategy = strategy
        self.max_horizon = max_horizon
        self.cost_loss = cost_loss
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state
        self.n_threads = n_threads

    def fit(self, y: pd.DataFrame) -> Self:
        """Fit one booster per measure of ``y`` (columns unique_id, month, value; keys optional)."""
        check_series_frame(y)
        self._validate_params()
        self.freq_ = infer_freq(y[MONTH])
        self.start_ = pd.Timestamp(y[MONTH].min())
        self.last_month_ = pd.Timestamp(y[MONTH].max())
        self.lookback_ = max(max(self.lags), max(self.windows))
        self.categories_ = {key: sorted(y[key].astype("str").unique()) for key in _keys_in(y)}
        self.features_ = feature_names(y, **self._feature_options())
        history = self._categorised(y)
        designed = self._design(history)
        self.models_ = {
            measure: self._fit_measure(rows, measure) for measure, rows in _by_measure(designed).items()
        }
        self.history_ = _tail(history, self.lookback_)
        return self

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean: the ``h`` periods after the last fitted one, non-negative."""
        h = check_horizon(h)
        if not hasattr(self, "models_"):
            raise InputError("GlobalGBMForecaster is not fitted; call fit first")
        if self.strategy == "direct":
            if h > self.max_horizon:
                raise InputError(f"horizon {h} exceeds max_horizon {self.max_horizon} of the direct strategy")
            forecasts = self._predict_direct(h)
        else:
            forecasts = self._predict_recursive(h)
        return forecasts.sort_values([SERIES_ID, MONTH], kind="stable").reset_index(drop=True)

    # --- fitting ---------------------------------------------------------------------------

    def _fit_measure(self, designed: pd.DataFrame, measure: str) -> HistGradientBoostingRegressor:
        rows = designed[designed["lag_1"].notna()] if "lag_1" in designed else designed
        if self.strategy == "direct":
            rows = self._direct_examples(rows)
        target = rows[VALUE].to_numpy(dtype=float)
        if np.any(target < 0):
            raise InputError(f"measure {measure!r} has negative values; its loss needs non-negative ones")
        booster = self._booster(measure)
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            booster.fit(rows[self._inputs()], self._transform(target, measure))
        return booster

    def _direct_examples(self, rows: pd.DataFrame) -> pd.DataFrame:
        """(origin, horizon) examples: the origin row's past, the target month's calendar and value."""
        per_horizon = max(1, len(rows) // self.max_horizon * 2)
        rng = np.random.default_rng(self.random_state)
        examples = []
        for horizon in range(1, self.max_horizon + 1):
            target = rows.groupby(SERIES_ID, sort=False, observed=True)[[VALUE, MONTH]].shift(1 - horizon)
            shifted = rows.assign(**{VALUE: target[VALUE], MONTH: target[MONTH], HORIZON: horizon})
            shifted = shifted[shifted[VALUE].notna()]
            take = rng.choice(len(shifted), size=min(per_horizon, len(shifted)), replace=False)
            examples.append(shifted.iloc[np.sort(take)])
        stacked = pd.concat(examples, ignore_index=True)
        return calendar_features(stacked, start=self.start_)

    def _booster(self, measure: str) -> HistGradientBoostingRegressor:
        uses_log = measure == COST and self.cost_loss == "log_squared_error"
        return HistGradientBoostingRegressor(
            loss="squared_error" if uses_log else "poisson",
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features="from_dtype",
            early_stopping=False,
            random_state=self.random_state,
        )

    def _transform(self, target: np.ndarray, measure: str) -> np.ndarray:
        return np.log1p(target) if measure == COST and self.cost_loss == "log_squared_error" else target

    def _inverse(self, predicted: np.ndarray, measure: str) -> np.ndarray:
        if measure == COST and self.cost_loss == "log_squared_error":
            predicted = np.expm1(predicted)
        return np.clip(predicted, 0.0, None)

    # --- forecasting -----------------------------------------------------------------------

    def _predict_recursive(self, h: int) -> pd.DataFrame:
        months = future_months(self.last_month_, h, self.freq_)
        first = self._design(_append_month(self.history_, months[0]), only_month=months[0])
        features = RecursiveFeatures(
            first,
            self.history_,
            start=self.start_,
            lags=self.lags,
            windows=self.windows,
            neighbours=self.neighbours,
        )
        step, steps = features.first, list[pd.DataFrame]()
        for month in months:
            if steps:
                step = features.after(steps[-1][VALUE].to_numpy(), month)
            steps.append(step.assign(**{VALUE: self._predict_rows(step)}))
        return _as_forecast(pd.concat(steps, ignore_index=True))

    def _predict_direct(self, h: int) -> pd.DataFrame:
        first = future_months(self.last_month_, 1, self.freq_)[0]
        origin = self._design(_append_month(self.history_, first), only_month=first)
        months = future_months(self.last_month_, h, self.freq_)
        rows = pd.concat(
            [origin.assign(**{MONTH: month, HORIZON: step}) for step, month in enumerate(months, start=1)],
            ignore_index=True,
        )
        rows = calendar_features(rows, start=self.start_)
        return _as_forecast(rows.assign(**{VALUE: self._predict_rows(rows)}))

    def _predict_rows(self, rows: pd.DataFrame) -> np.ndarray:
        predicted = np.zeros(len(rows))
        for measure, index in _measure_positions(rows).items():
            booster = self.models_[measure]
            with threadpool_limits(limits=self.n_threads, user_api="openmp"):
                raw = booster.predict(rows.iloc[index][self._inputs()])
            predicted[index] = self._inverse(raw, measure)
        return predicted

    # --- shared ----------------------------------------------------------------------------

    def _design(self, history: pd.DataFrame, only_month: pd.Timestamp | None = None) -> pd.DataFrame:
        return design_frame(history, start=self.start_, only_month=only_month, **self._feature_options())

    def _feature_options(self) -> dict:
        return {
            "lags": self.lags,
            "windows": self.windows,
            "covariates": self.covariates,
            "neighbours": self.neighbours,
        }

    def _inputs(self) -> list[str]:
        return [*self.features_, HORIZON] if self.strategy == "direct" else list(self.features_)

    def _categorised(self, y: pd.DataFrame) -> pd.DataFrame:
        categorical = {
            key: pd.Categorical(y[key].astype("str"), categories=categories)
            for key, categories in self.categories_.items()
        }
        return y.assign(**categorical)

    def _validate_params(self) -> None:
        if self.strategy not in STRATEGIES:
            raise InputError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        if self.cost_loss not in COST_LOSSES:
            raise InputError(f"cost_loss must be one of {COST_LOSSES}, got {self.cost_loss!r}")
        if not self.lags or not self.windows or min(*self.lags, *self.windows) < 1:
            raise InputError(f"lags and windows must be positive, got {self.lags} and {self.windows}")
        if not 1 <= self.max_horizon <= 36:
            raise InputError(f"max_horizon must be between 1 and 36 months, got {self.max_horizon}")


def _keys_in(y: pd.DataFrame) -> list[str]:
    return [key for key in CATEGORICAL_KEYS if key in y.columns]


def _by_measure(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    if MEASURE not in frame.columns:
        return {_ALL_MEASURES: frame}
    return {str(measure): rows for measure, rows in frame.groupby(MEASURE, sort=True, observed=True)}


def _measure_positions(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    if MEASURE not in rows.columns:
        return {_ALL_MEASURES: np.arange(len(rows))}
    labels = rows[MEASURE].astype("str").to_numpy()
    return {str(measure): np.flatnonzero(labels == measure) for measure in np.unique(labels)}


def _tail(history: pd.DataFrame, periods: int) -> pd.DataFrame:
    """The last ``periods`` rows of every series (all series end at the same month)."""
    months = np.sort(history[MONTH].unique())[-periods:]
    return history[history[MONTH].isin(months)].reset_index(drop=True)


def _append_month(history: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
    """The history plus one row per series at ``month`` with an unknown (NaN) value."""
    last = history.drop_duplicates(SERIES_ID, keep="last")
    return _append_rows(history, last.assign(**{MONTH: month, VALUE: np.nan}))


def _append_rows(history: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    both = pd.concat([history, rows], ignore_index=True)
    return both.sort_values([SERIES_ID, MONTH], kind="stable").reset_index(drop=True)


def _as_forecast(rows: pd.DataFrame) -> pd.DataFrame:
    forecast = rows[[SERIES_ID, MONTH, VALUE]].rename(columns={VALUE: MEAN})
    return forecast.assign(**{SERIES_ID: forecast[SERIES_ID].astype("str")})
