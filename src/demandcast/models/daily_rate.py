"""A flow forecast per day of its period: the calendar adjustment of a measure summed over days.

A month's cost is its daily spend times its days, so February costs about a tenth less than March
with nothing else changed. A model fitted on the raw series must spend its season, or its level,
on that; fitted on the cost per day (scaled to an average period, so the units stay those of the
series) it sees the spend itself, and the forecast is multiplied back by each future period's days
(Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., section 3.1, calendar
adjustments). On the demo cities' ward cost series it lowered the vector ETS holdout MASE by
1.6-1.8% (benchmarks/holdout.md, decision 25).
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd
from sklearn.base import clone

from demandcast.columns import MEAN, MONTH, VALUE
from demandcast.errors import InputError
from demandcast.features.calendar import days_in_period
from demandcast.models.base import Forecaster, check_series_frame, infer_freq, seasonal_period

DAYS_IN_YEAR = 365.25


class DailyRate(Forecaster):
    """Fits `model` on value x (average days / days of the period) and scales its forecast back.

    Args:
        model: an unfitted forecaster (cloned before fitting).
    """

    def __init__(self, model: Forecaster | None = None):
        self.model = model

    def fit(self, y: pd.DataFrame) -> Self:
        """Fit on `y` (columns unique_id, month, value; other columns pass through unchanged)."""
        check_series_frame(y)
        if self.model is None:
            raise InputError("DailyRate needs a model to wrap")
        self.freq_ = infer_freq(y[MONTH])
        per_day = y[VALUE].to_numpy() / self._share_of_average(y[MONTH])
        self.model_ = clone(self.model).fit(y.assign(**{VALUE: per_day}))
        return self

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean: the wrapped model's forecast times each period's days."""
        if not hasattr(self, "model_"):
            raise InputError(f"{type(self).__name__} is not fitted; call fit first")
        forecast = self.model_.predict(h)
        return forecast.assign(**{MEAN: forecast[MEAN].to_numpy() * self._share_of_average(forecast[MONTH])})

    def _share_of_average(self, months: pd.Series) -> np.ndarray:
        """Each period's days over the average period's (365.25 / periods a year)."""
        average = DAYS_IN_YEAR / seasonal_period(self.freq_)
        return days_in_period(months, self.freq_) / average
