"""The design frame of the global model: every feature of every (series, month) row, in one pure step.

Composes the single-topic feature modules: lags and rolling means of the series, the calendar,
area covariates, categorical service keys and spatial lags over neighbouring areas.
"""

from collections.abc import Mapping, Sequence

import pandas as pd

from demandcast.columns import AREA, CLIENT_GROUP, MEASURE, MONTH, SERVICE
from demandcast.features.calendar import CALENDAR_FEATURES, calendar_features
from demandcast.features.covariates import DEFAULT_COVARIATES, area_covariates
from demandcast.features.lags import lag_name, lagged_values, rolling_mean_name, rolling_means
from demandcast.features.spatial import spatial_lag_name, spatial_lags

CATEGORICAL_KEYS: tuple[str, ...] = (CLIENT_GROUP, SERVICE)
SPATIAL_CELL_KEYS: tuple[str, ...] = (CLIENT_GROUP, SERVICE, MEASURE)
"""The keys that, with the area, identify a series: spatial lags average neighbours within one cell."""
SPATIALLY_LAGGED_LAGS: tuple[int, ...] = (1, 12)


def design_frame(
    history: pd.DataFrame,
    *,
    start: pd.Timestamp,
    lags: Sequence[int],
    windows: Sequence[int],
    covariates: pd.DataFrame | None = None,
    neighbours: Mapping[str, Sequence[str]] | None = None,
    only_month: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The history plus every feature column named by :func:`feature_names`.

    Args:
        history: long frame sorted by (unique_id, month) with ``value``; optional keys ``area``,
            ``client_group``, ``service``, ``measure``. Rows to forecast carry NaN values.
        start: the month counted as 0 by ``months_since_start`` (the training start).
        lags: autoregressive lags in months.
        windows: rolling-mean windows in months.
        covariates: per-area covariates keyed by ``area`` (population by age group, imd_decile).
        neighbours: ``{area: [neighbouring areas]}`` for spatial lags.
        only_month: keep only this month's rows (what a recursive forecast step needs). The
            series' lags and rolling means still come from the whole history; the other
            features depend on the row's own month only, so they are built for these rows
            alone and equal those of the full frame.

    Returns:
        A copy of ``history`` with the feature columns added (``only_month``'s rows alone if given).
    """
    frame = rolling_means(lagged_values(history, lags), windows)
    if only_month is not None:
        frame = frame[frame[MONTH] == only_month]
    frame = calendar_features(frame, start=start)
    if covariates is not None and AREA in frame.columns:
        frame = area_covariates(frame, covariates, covariate_names(covariates))
    spatial = _spatial_sources(lags)
    if neighbours is not None and AREA in frame.columns and spatial:
        cells = spatial_cells(frame)
        frame = spatial_lags(frame, neighbours, spatial, cell_cols=cells)
    return frame


def feature_names(
    history: pd.DataFrame,
    *,
    lags: Sequence[int],
    windows: Sequence[int],
    covariates: pd.DataFrame | None = None,
    neighbours: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """The model's input columns, in order, for a history with these key columns."""
    names = [lag_name(lag) for lag in lags] + [rolling_mean_name(w) for w in windows]
    names += list(CALENDAR_FEATURES)
    if covariates is not None and AREA in history.columns:
        names += covariate_names(covariates)
    if neighbours is not None and AREA in history.columns:
        names += [spatial_lag_name(source) for source in _spatial_sources(lags)]
    return names + [key for key in CATEGORICAL_KEYS if key in history.columns]


def spatial_cells(frame: pd.DataFrame) -> list[str]:
    """The cell keys (SPATIAL_CELL_KEYS) the frame has."""
    return [key for key in SPATIAL_CELL_KEYS if key in frame.columns]


def covariate_names(covariates: pd.DataFrame) -> list[str]:
    """The default covariates present in the table (protected characteristics are never among them)."""
    return [name for name in DEFAULT_COVARIATES if name in covariates.columns]


def _spatial_sources(lags: Sequence[int]) -> list[str]:
    return [lag_name(lag) for lag in SPATIALLY_LAGGED_LAGS if lag in lags]
