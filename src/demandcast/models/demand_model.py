"""The fitted inference path: base models per level -> reconciliation -> non-negativity -> intervals.

A DemandModel is what training hands back and what tracking logs: `forecast(h)` reproduces the
training run's forecasts exactly, and `forecast(h, panel=...)` refits the chosen models on a newer
panel (same choices, reconciliation method and interval calibration) before forecasting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from demandcast.columns import (
    AREA,
    AREA_LEVEL,
    CASELOAD,
    CLIENT_GROUP,
    COST,
    FORECAST_COLUMNS,
    HORIZON_STEP,
    INTERVAL_COLUMNS,
    MEAN,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
    VALUE,
)
from demandcast.models.hierarchy import NODE_KEYS, Hierarchy, level_series, summing_matrix, tags
from demandcast.models.noise_floor import with_noise_floor
from demandcast.models.reconcile import reconcile, whole_history_scales


def measure_series(panel: pd.DataFrame, hierarchy: Hierarchy, measure: str) -> dict[str, pd.DataFrame]:
    """Each level's series of one measure (level_series); cost series also carry their caseload.

    Args:
        panel: the hpanel (area, client_group, service, month, measure, value).

    Returns:
        level -> frame with columns unique_id, month, value, the keys and, for cost when the panel
        has caseload, a `caseload` column holding the same node's caseload.
    """
    by_level = level_series(panel[panel[MEASURE] == measure], hierarchy)
    if measure != COST or not (panel[MEASURE] == CASELOAD).any():
        return by_level
    cases = level_series(panel[panel[MEASURE] == CASELOAD], hierarchy)
    return {
        level: y.merge(
            cases[level][[SERIES_ID, MONTH, VALUE]].rename(columns={VALUE: CASELOAD}),
            on=[SERIES_ID, MONTH],
            how="left",
        ).fillna({CASELOAD: 0.0})
        for level, y in by_level.items()
    }


@dataclass
class MeasureModel:
    """Everything fitted for one measure.

    Attributes:
        chosen: level -> chosen model name.
        models: level -> the chosen forecaster, fitted on the whole history.
        method: the reconciliation method used.
        residuals: columns unique_id, month, actual, mean (for MinT's covariance).
        intervals: level -> fitted conformal intervals (apply(forecasts) adds the interval columns).
        noise_floor: unique_id, month, noise_sd: the intervals' floor where the records give it
            (models.noise_floor), or None.
        floor_is_whole: the floored series' forecasts are the stock-flow's own, so their intervals
            are mean +/- z x noise_sd alone up to the backtest's last step, and floored conformal
            intervals beyond it (models.noise_floor).
        share_scales: bottom node id -> its in-sample seasonal-naive MAE, by whose square the
            top-down forms share the bottom's gaps (reconcile's `scales`); None: by forecast.
    """

    chosen: dict[str, str]
    models: dict[str, Any]
    method: str
    residuals: pd.DataFrame
    intervals: dict[str, Any]
    noise_floor: pd.DataFrame | None = None
    floor_is_whole: bool = False
    share_scales: pd.Series | None = None


@dataclass
class DemandModel:
    """A picklable, fitted forecaster of every node of the hierarchy for every measure."""

    hierarchy: Hierarchy
    measures: dict[str, MeasureModel]
    horizon: int
    nodes: pd.DataFrame = field(repr=False)

    def forecast(self, h: int | None = None, panel: pd.DataFrame | None = None) -> pd.DataFrame:
        """Coherent forecasts of every node, `h` periods ahead (the training horizon when None).

        Args:
            h: periods ahead (1..36).
            panel: a newer hpanel (area, client_group, service, month, measure, value) to refit the
                chosen models on; None forecasts from the fitted models.

        Returns:
            Columns FORECAST_COLUMNS, sorted by measure, area_level, area, client_group, service, month.
        """
        h = self._horizon(h)
        model = self if panel is None else self.refit(panel)
        return model.from_base({measure: _base(fit, h) for measure, fit in model.measures.items()})

    def from_base(self, bases: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """What `forecast` makes of each measure's base forecasts: reconciled, with intervals.

        Args:
            bases: measure -> the chosen models' own forecasts of every node for the same months
                (columns unique_id, month, mean; `forecast` has every level's model predict them,
                training has them from the workers that fitted the models).

        Returns:
            Columns FORECAST_COLUMNS, sorted by measure, area_level, area, client_group, service, month.
        """
        frames = [self._measure_forecast(m, fit, bases[m]) for m, fit in self.measures.items()]
        out = pd.concat(frames, ignore_index=True)[list(FORECAST_COLUMNS)]
        return out.sort_values([MEASURE, AREA_LEVEL, AREA, CLIENT_GROUP, SERVICE, MONTH], ignore_index=True)

    def refit(self, panel: pd.DataFrame) -> DemandModel:
        """A copy whose chosen models are refitted on `panel` (an hpanel with the same nodes).

        The intervals' noise floor is not carried over: it was computed from the records for the
        months after the training origin, and a refit on a newer panel has no records. The bottom's
        share scales, if any, are computed again from `panel`.
        """
        measures = {}
        for measure, fit in self.measures.items():
            by_level = measure_series(panel, self.hierarchy, measure)
            models = {level: clone(fit.models[level]).fit(by_level[level]) for level in fit.models}
            scales = None
            if fit.share_scales is not None:
                scales = whole_history_scales(by_level[self.hierarchy.bottom_level])
            measures[measure] = MeasureModel(
                fit.chosen, models, fit.method, fit.residuals, fit.intervals, share_scales=scales
            )
        return DemandModel(self.hierarchy, measures, self.horizon, self.nodes)

    def base_forecast(self, h: int | None = None) -> pd.DataFrame:
        """The chosen models' own forecasts of every node, before reconciliation and intervals.

        They are not coherent (a parent is not the sum of its children); they are what the
        reconciliation starts from, for comparing base and reconciled accuracy level by level.

        Returns:
            Columns level, area_level, area, client_group, service, month, measure, mean.
        """
        h = self._horizon(h)
        frames = [
            _base(fit, h)
            .merge(self.nodes[["level", *NODE_KEYS, SERIES_ID]], on=SERIES_ID, how="left")
            .assign(**{MEASURE: measure})
            for measure, fit in self.measures.items()
        ]
        out = pd.concat(frames, ignore_index=True)
        columns = ["level", *NODE_KEYS, MONTH, MEASURE, MEAN]
        return out[columns].sort_values(["level", *NODE_KEYS, MEASURE, MONTH], ignore_index=True)

    def _horizon(self, h: int | None) -> int:
        """`h`, or the training horizon when None; refused outside 1..36 periods."""
        from demandcast.data.panel_input import check_horizon

        h = self.horizon if h is None else h
        check_horizon(h)
        return h

    def _measure_forecast(self, measure: str, fit: MeasureModel, base: pd.DataFrame) -> pd.DataFrame:
        coherent = reconcile(
            base,
            summing_matrix(self.hierarchy),
            tags(self.hierarchy),
            (fit.method,),
            fit.residuals,
            fit.share_scales,
        )[fit.method]
        months = np.sort(coherent[MONTH].unique())
        coherent[HORIZON_STEP] = np.searchsorted(months, coherent[MONTH].to_numpy()) + 1
        keyed = coherent.merge(self.nodes[["level", *NODE_KEYS, SERIES_ID]], on=SERIES_ID, how="left")
        frames = [fit.intervals[level].apply(group) for level, group in keyed.groupby("level", sort=False)]
        levels = tuple(next(iter(fit.intervals.values())).levels)
        # the stock-flow's own intervals where they were calibrated; floored conformal ones beyond
        whole_through = max(i.last_step for i in fit.intervals.values()) if fit.floor_is_whole else 0
        out = with_noise_floor(
            pd.concat(frames, ignore_index=True), fit.noise_floor, levels, whole_through=whole_through
        )
        out = out.assign(**{MEASURE: measure})
        out[list(INTERVAL_COLUMNS)] = out[list(INTERVAL_COLUMNS)].clip(lower=0.0)
        return out


def _base(fit: MeasureModel, h: int) -> pd.DataFrame:
    """Every level's chosen model forecasting `h` periods: columns unique_id, month, mean."""
    return base_of([fit.models[level].predict(h) for level in fit.models])


def base_of(level_forecasts: list[pd.DataFrame]) -> pd.DataFrame:
    """One measure's base forecasts from its levels' own (each with columns unique_id, month, mean)."""
    return pd.concat(level_forecasts, ignore_index=True)[[SERIES_ID, MONTH, MEAN]]
