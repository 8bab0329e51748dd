"""Cost forecast as caseload x unit cost: a caseload forecaster times each series' projected unit cost.

Cost is caseload times what a case costs. Caseload is smooth and seasonal, which a global model
learns well across wards; the unit cost drifts upwards with each April's prices as new packages
replace old ones, a trend that trees cannot extrapolate. Modelling them apart lets each part be
forecast by what suits it: the caseload by the caseload model, the unit cost by each series' recent
level carried forward at its service's year-on-year growth (measured in benchmarks/holdout.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import pandas as pd
from sklearn.base import clone

from demandcast.columns import CASELOAD, CLIENT_GROUP, MEAN, MEASURE, MONTH, SERIES_ID, SERVICE, VALUE
from demandcast.errors import InputError
from demandcast.models.base import Forecaster, check_horizon, check_series_frame, infer_freq, seasonal_period


class CaseloadTimesUnitCost(Forecaster):
    """Forecasts cost as a caseload forecast times a projected unit cost, per series.

    Args:
        caseload_model: an unfitted forecaster of caseload (cloned before fitting).
        recent: periods whose total cost over total caseload is the current unit cost.
        max_growth: the yearly unit-cost growth is clipped to +/- this fraction.
        growth_by: key columns of `y` whose series share one growth rate (those present are used;
            none present: each series has its own). A ward's yearly unit-cost ratio is noisy; the
            service's across all wards is not (benchmarks/holdout.md).
    """

    def __init__(
        self,
        caseload_model: Forecaster | None = None,
        recent: int = 3,
        max_growth: float = 0.3,
        growth_by: Sequence[str] = (CLIENT_GROUP, SERVICE),
    ):
        self.caseload_model = caseload_model
        self.recent = recent
        self.max_growth = max_growth
        self.growth_by = growth_by

    def fit(self, y: pd.DataFrame) -> Self:
        """Fit on `y`: columns unique_id, month, value (cost) and `caseload` (the same node's caseload)."""
        check_series_frame(y)
        if self.caseload_model is None or CASELOAD not in y.columns:
            raise InputError(f"CaseloadTimesUnitCost needs a caseload_model and a {CASELOAD!r} column in y")
        if self.recent < 1 or self.max_growth < 0:
            raise InputError(f"recent must be >= 1 and max_growth >= 0, got {self.recent}, {self.max_growth}")
        self.freq_ = infer_freq(y[MONTH])
        caseload = y.drop(columns=[VALUE]).rename(columns={CASELOAD: VALUE})
        if MEASURE in caseload.columns:
            caseload = caseload.assign(**{MEASURE: CASELOAD})
        self.caseload_model_ = clone(self.caseload_model).fit(caseload)
        self.unit_cost_, self.growth_ = self._unit_cost(y)
        keys = [key for key in self.growth_by if key in y.columns]
        if keys:
            self.growth_ = self._pooled_growth(y, keys)
        return self

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean: forecast caseload x unit cost grown to each month."""
        h = check_horizon(h)
        if not hasattr(self, "caseload_model_"):
            raise InputError("CaseloadTimesUnitCost is not fitted; call fit first")
        caseload = self.caseload_model_.predict(h)
        step = caseload.groupby(SERIES_ID, sort=False).cumcount().to_numpy() + 1
        ids = caseload[SERIES_ID].astype("str")
        unit = ids.map(self.unit_cost_).to_numpy(dtype=float)
        growth = ids.map(self.growth_).to_numpy(dtype=float)
        # the current unit cost is centred mid-way through the `recent` periods
        years_ahead = (step + (self.recent - 1) / 2) / seasonal_period(self.freq_)
        means = caseload[MEAN].to_numpy() * unit * growth**years_ahead
        return caseload[[SERIES_ID, MONTH]].assign(**{MEAN: np.clip(means, 0.0, None)})

    def _unit_cost(self, y: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """Each series' current unit cost and its yearly growth factor."""
        cost = y.pivot(index=MONTH, columns=SERIES_ID, values=VALUE)
        cases = y.pivot(index=MONTH, columns=SERIES_ID, values=CASELOAD)
        year = seasonal_period(self.freq_)
        now = _ratio(cost.iloc[-self.recent :], cases.iloc[-self.recent :])
        before = _ratio(cost.iloc[-self.recent - year : -year], cases.iloc[-self.recent - year : -year])
        overall = _ratio(cost, cases).fillna(0.0)
        growth = (now / before).clip(1 - self.max_growth, 1 + self.max_growth).fillna(1.0)
        unit = now.fillna(overall)
        unit.index, growth.index = unit.index.astype("str"), growth.index.astype("str")
        return unit, growth

    def _pooled_growth(self, y: pd.DataFrame, keys: list[str]) -> pd.Series:
        """Each series' growth: that of the sum of all series sharing its `keys`."""
        pool = y[keys[0]].astype("str").str.cat([y[key].astype("str") for key in keys[1:]], sep="|")
        summed = y.groupby([pool, y[MONTH]])[[VALUE, CASELOAD]].sum()
        summed = summed.rename_axis([SERIES_ID, MONTH]).reset_index()
        _, growth = self._unit_cost(summed)
        series_pool = pd.Series(pool.to_numpy(), index=y[SERIES_ID].astype("str")).groupby(level=0).first()
        return series_pool.map(growth).fillna(1.0)


def _ratio(cost: pd.DataFrame, cases: pd.DataFrame) -> pd.Series:
    """Total cost over total caseload per series (NaN where there was no caseload)."""
    total = cases.sum()
    return cost.sum() / total.where(total > 0)
