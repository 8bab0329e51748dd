"""Stock-flow: council caseload as the current clients' expected paths plus new demand, from the records.

The paths are computed from person-level records before training (features.caseload_paths), for
each backtest origin and the final one; this forecaster only looks up the path of each of the
level's series, so neither it nor anything it holds is person-level. Months the paths do not cover
(beyond the years the records can teach, or an origin computed for no one, as when the model is
refitted on a newer panel without records) come from the fallback model fitted on the series.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import clone

from demandcast.columns import AREA, CLIENT_GROUP, MEAN, MONTH, SERIES_ID, SERVICE
from demandcast.errors import InputError
from demandcast.features.caseload_paths import ORIGIN
from demandcast.models.base import (
    Forecaster,
    check_horizon,
    check_series_frame,
    forecast_frame,
    future_months,
    infer_freq,
)

PATH_COLUMNS = (ORIGIN, AREA, CLIENT_GROUP, SERVICE, MONTH, MEAN)


class StockFlowForecaster(Forecaster):
    """Looks up each series' caseload path for the fitted origin; the fallback fills what is missing.

    Args:
        paths: columns origin, area, client_group, service, month, mean (features.caseload_paths:
            a row per council node, `all` where summed), looked up by each series' keys.
        fallback: an unfitted forecaster for months without a path (ETS when None).
    """

    def __init__(self, paths: pd.DataFrame | None = None, fallback: Any = None):
        self.paths = paths
        self.fallback = fallback

    def fit(self, y: pd.DataFrame) -> Self:
        """Keep the paths of `y`'s series from its last month, and `y` for the fallback."""
        check_series_frame(y)
        if self.paths is not None and (missing := sorted(set(PATH_COLUMNS) - set(self.paths.columns))):
            raise InputError(f"stock-flow paths are missing columns {missing}")
        self.freq_ = infer_freq(y[MONTH])
        self.last_month_ = pd.Timestamp(y[MONTH].max())
        keys = y.groupby(SERIES_ID, sort=False)[[AREA, CLIENT_GROUP, SERVICE]].first()
        self.path_ = self._series_paths(keys)
        self.history_ = y
        return self

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean: the path where there is one, else the fallback."""
        h = check_horizon(h)
        if not hasattr(self, "history_"):
            raise InputError("StockFlowForecaster is not fitted; call fit first")
        months = future_months(self.last_month_, h, self.freq_)
        no_path = {str(uid): np.full(h, np.nan) for uid in self.history_[SERIES_ID].unique()}
        grid = forecast_frame(no_path, months).drop(columns=MEAN)
        merged = grid.merge(self.path_, on=[SERIES_ID, MONTH], how="left")
        if merged[MEAN].isna().any():
            fallback = self._fitted_fallback().predict(h).rename(columns={MEAN: "fallback"})
            merged = merged.merge(fallback, on=[SERIES_ID, MONTH], how="left")
            merged[MEAN] = merged[MEAN].fillna(merged["fallback"])
        return merged[[SERIES_ID, MONTH, MEAN]]

    def _fitted_fallback(self) -> Any:
        """The fallback fitted on the history, on first need (most origins have their paths)."""
        if not hasattr(self, "fallback_"):
            self.fallback_ = clone(self.fallback if self.fallback is not None else _default_fallback())
            self.fallback_.fit(self.history_)
        return self.fallback_

    def _series_paths(self, keys: pd.DataFrame) -> pd.DataFrame:
        """Columns unique_id, month, mean: the path of each series' node from the fitted origin."""
        if self.paths is None:
            return pd.DataFrame({SERIES_ID: pd.array([], dtype="str"), MONTH: pd.to_datetime([]), MEAN: []})
        at_origin = self.paths[self.paths[ORIGIN] == self.last_month_]
        nodes = keys.rename_axis(SERIES_ID).reset_index()
        found = nodes.merge(at_origin, on=[AREA, CLIENT_GROUP, SERVICE], how="inner")
        return found[[SERIES_ID, MONTH, MEAN]].reset_index(drop=True)


def _default_fallback() -> Any:
    from demandcast.models.statistical import ETSForecaster

    return ETSForecaster()
