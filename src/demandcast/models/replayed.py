"""A forecaster that hands back forecasts already made from the same history.

Training backtests the caseload with the global model, then backtests cost as caseload x unit cost,
whose caseload part is that same model fitted on the same caseload at the same origins (its
forecasts are identical to the last digit). Replaying the caseload backtest's forecasts there,
instead of fitting the model again, saves about a ninth of the backtest's work on the demo city
(benchmarks/holdout.md, decision 28).
"""

from __future__ import annotations

from typing import Self

import pandas as pd

from demandcast.columns import CUTOFF, MEAN, MONTH, SERIES_ID
from demandcast.errors import InputError
from demandcast.models.base import Forecaster, check_horizon, check_series_frame


class Replayed(Forecaster):
    """Fitting picks the forecasts made at the history's last month; predicting returns them.

    Args:
        forecasts: columns cutoff, unique_id, month, mean: what a model forecast from each cutoff
            (a rolling-origin backtest's column of that model).
    """

    def __init__(self, forecasts: pd.DataFrame | None = None):
        self.forecasts = forecasts

    def fit(self, y: pd.DataFrame) -> Self:
        """Keep the forecasts made at `y`'s last month, which must cover exactly `y`'s series.

        Raises:
            InputError: no forecasts were made at that month, or they cover other series.
        """
        check_series_frame(y)
        if self.forecasts is None:
            raise InputError("Replayed needs the forecasts to replay")
        cutoff = pd.Timestamp(y[MONTH].max())
        made = self.forecasts.loc[self.forecasts[CUTOFF] == cutoff, [SERIES_ID, MONTH, MEAN]]
        if made.empty:
            raise InputError(f"Replayed: no forecasts were made at {cutoff:%Y-%m}")
        made = made.assign(**{SERIES_ID: made[SERIES_ID].astype("str")})
        expected, found = set(y[SERIES_ID].astype("str")), set(made[SERIES_ID])
        if expected != found:
            differing = sorted(expected ^ found)[:5]
            raise InputError(f"Replayed: the forecasts made at {cutoff:%Y-%m} differ in series {differing}")
        self.made_ = made.sort_values([SERIES_ID, MONTH], kind="stable").reset_index(drop=True)
        return self

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean: the first `h` replayed periods of every series.

        Raises:
            InputError: before fit, or `h` goes beyond the periods that were forecast.
        """
        h = check_horizon(h)
        if not hasattr(self, "made_"):
            raise InputError("Replayed is not fitted; call fit first")
        step = self.made_.groupby(SERIES_ID, sort=False).cumcount().to_numpy() + 1
        if step.max() < h:
            raise InputError(f"Replayed: {h} periods asked, {step.max()} were forecast")
        return self.made_[step <= h].reset_index(drop=True)
