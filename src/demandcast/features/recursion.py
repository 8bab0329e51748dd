"""The next month's features of a recursive forecast, updated from the values forecast so far.

A recursive forecast featurises one month at a time for every series. Rebuilding the design frame
from the long history at every step (`design_frame`) was most of the global model's forecast time
(benchmarks/holdout.md, decision 34). Here the first step's frame comes from `design_frame` and each
later step changes only what moves with the month: the lags and rolling means (columns of a series x
month array of the values so far), the neighbours' means of the lags (a sparse neighbour matrix built
once) and the calendar. Area covariates and service keys do not change. The frames equal
`design_frame`'s on the same history (tests/features/test_recursion.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from demandcast.columns import AREA, MONTH, SERIES_ID, VALUE
from demandcast.features.calendar import CALENDAR_FEATURES, calendar_features
from demandcast.features.design import spatial_cells
from demandcast.features.lags import lag_name, rolling_mean_name
from demandcast.features.spatial import NEIGHBOUR, neighbour_edges, spatial_lag_name


class RecursiveFeatures:
    """The design rows of each next month, one row per series in the first step's row order.

    Args:
        first_step: `design_frame(history + the first month's rows, only_month=first month)`.
        history: the series' values before the first month (unique_id, month, value), each series
            at most `max(lags, windows)` months long and ending the month before.
        start: the month counted as 0 by the calendar's clock (the training start).
        lags, windows: as given to `design_frame`.
        neighbours: as given to `design_frame` (None: no spatial lags).
    """

    def __init__(
        self,
        first_step: pd.DataFrame,
        history: pd.DataFrame,
        *,
        start: pd.Timestamp,
        lags: Sequence[int],
        windows: Sequence[int],
        neighbours: Mapping[str, Sequence[str]] | None,
    ) -> None:
        self._frame = first_step.reset_index(drop=True)
        self._start = start
        self._lags = list(lags)
        self._windows = list(windows)
        wide = history.pivot(index=SERIES_ID, columns=MONTH, values=VALUE).sort_index(axis=1)
        self._values = wide.reindex(self._frame[SERIES_ID].to_numpy()).to_numpy(dtype=float)
        self._depth = max(*self._lags, *self._windows)
        spatial = [lag for lag in self._lags if spatial_lag_name(lag_name(lag)) in self._frame.columns]
        self._spatial = spatial if neighbours is not None else []
        self._adjacent: sparse.csr_matrix | None = None
        if neighbours is not None and spatial:
            self._adjacent = _neighbour_matrix(self._frame, neighbours)

    @property
    def first(self) -> pd.DataFrame:
        """The first step's design rows."""
        return self._frame

    def after(self, values: np.ndarray, month: pd.Timestamp) -> pd.DataFrame:
        """The design rows of `month`, given the values of the month before it (in row order)."""
        self._values = np.column_stack([self._values, values])[:, -self._depth :]
        known = self._values.shape[1]
        columns: dict[str, np.ndarray] = {}
        for lag in self._lags:
            columns[lag_name(lag)] = self._values[:, -lag] if lag <= known else np.full(len(values), np.nan)
        for window in self._windows:
            columns[rolling_mean_name(window)] = _mean_of_present(self._values[:, -window:])
        for lag in self._spatial:
            lagged = columns[lag_name(lag)]
            assert self._adjacent is not None  # built whenever there are spatial lags
            columns[spatial_lag_name(lag_name(lag))] = _neighbours_mean(self._adjacent, lagged)
        calendar = calendar_features(pd.DataFrame({MONTH: [month]}), start=self._start)
        columns |= {name: np.repeat(calendar[name].to_numpy(), len(values)) for name in CALENDAR_FEATURES}
        months = pd.Series(month, index=self._frame.index).astype(self._frame[MONTH].dtype)
        return self._frame.assign(**{MONTH: months, VALUE: np.nan}, **columns)


def _mean_of_present(block: np.ndarray) -> np.ndarray:
    """Row means over the values present (NaN where none is), as a rolling mean with min_periods 1."""
    present = ~np.isnan(block)
    count = present.sum(axis=1)
    total = np.where(present, block, 0.0).sum(axis=1)
    return np.divide(total, count, out=np.full(len(block), np.nan), where=count > 0)


def _neighbours_mean(adjacent: sparse.csr_matrix, values: np.ndarray) -> np.ndarray:
    """Each row's mean of `values` over its neighbours' rows that have one (NaN where none has)."""
    present = ~np.isnan(values)
    total = adjacent @ np.where(present, values, 0.0)
    count = adjacent @ present.astype(float)
    return np.divide(total, count, out=np.full(len(values), np.nan), where=count > 0)


def _neighbour_matrix(frame: pd.DataFrame, neighbours: Mapping[str, Sequence[str]]) -> sparse.csr_matrix:
    """rows x rows, 1 where the column's row is a neighbouring area's in the same cell (as spatial_lags)."""
    cells = spatial_cells(frame)
    rows = frame[[AREA, *cells]].astype("str").assign(_row=np.arange(len(frame)))
    pairs = rows.merge(neighbour_edges(neighbours), on=AREA).merge(
        rows.rename(columns={AREA: NEIGHBOUR, "_row": "_other"}), on=[NEIGHBOUR, *cells]
    )
    ones = np.ones(len(pairs))
    return sparse.csr_matrix((ones, (pairs["_row"], pairs["_other"])), shape=(len(frame), len(frame)))
