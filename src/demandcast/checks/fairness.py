"""Fairness of forecasts by ward group, computed on the rolling-origin backtest.

Per group (IMD quintile, minority-share quintile) and measure: MAE, WAPE, signed percentage bias
and 80%/95% interval coverage, with bootstrap intervals that resample wards within the group.
Every metric is a ratio of sums over cells, so the bootstrap works on per-ward sums.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame

from demandcast.checks.ward_groups import GROUPINGS
from demandcast.columns import ACTUAL, AREA, AREA_LEVEL, HI_80, HI_95, LO_80, LO_95, MEASURE, WARD_LEVEL
from demandcast.errors import InputError

METRICS: tuple[str, ...] = ("mae", "wape", "bias", "coverage_80", "coverage_95")
INSUFFICIENT = "insufficient data"
OK = "ok"
_FORECAST = "forecast"
_SUMS: tuple[str, ...] = ("n", "abs_error", "error", "actual", "in_80", "n_80", "in_95", "n_95")
_INTERVALS = {80: (LO_80, HI_80), 95: (LO_95, HI_95)}


@dataclass(frozen=True)
class FairnessReport:
    """Per-group forecast quality; `table` has one row per (grouping, group, measure).

    Columns of `table`: grouping, group, measure, status (`ok` or `insufficient data`),
    n_wards, n (cells), actual_total, and for each of `METRICS` the estimate and its bootstrap
    interval `<metric>_lo`, `<metric>_hi`. Coverage is missing when the backtest has no intervals.
    """

    table: pd.DataFrame
    model_column: str
    n_boot: int
    seed: int
    confidence: float
    ungrouped_areas: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: settings plus the table as records, missing values as None."""
        records = self.table.astype("object").where(self.table.notna(), None).to_dict("records")
        return {
            "model_column": self.model_column,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "confidence": self.confidence,
            "ungrouped_areas": list(self.ungrouped_areas),
            "groups": records,
        }


def fairness_report(
    backtest: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    model_column: str = "chosen",
    measures: Sequence[str] | None = None,
    groupings: Sequence[str] = GROUPINGS,
    n_boot: int = 200,
    seed: int = 0,
    confidence: float = 0.95,
    min_wards: int = 5,
    min_actual: float = 100.0,
) -> FairnessReport:
    """Forecast quality of `model_column` by ward group, with seeded bootstrap intervals.

    Args:
        backtest: rolling-origin backtest with `area_level`, `area`, `measure`, `actual` and
            `model_column`; `lo_80`, `hi_80`, `lo_95`, `hi_95` (of that model) when present.
            Only ward-level rows are used.
        groups: `area` plus one column per grouping (see `ward_groups`).
        measures: measures to judge; all measures in the backtest when None.
        groupings: group columns of `groups` to report on.
        n_boot: bootstrap replicates (wards resampled with replacement within each group).
        seed: makes the bootstrap reproducible.
        confidence: width of the bootstrap interval.
        min_wards: fewer wards than this in a group -> `insufficient data`.
        min_actual: a smaller total actual volume in a group -> `insufficient data`.
    """
    cells = _ward_cells(backtest, model_column, measures)
    grouped = cells.merge(groups[[AREA, *groupings]], on=AREA, how="left")
    ungrouped = tuple(sorted(set(cells[AREA]) - set(groups[AREA])))
    tables = [
        _grouping_table(grouped, grouping, measure, n_boot=n_boot, seed=seed, confidence=confidence)
        for grouping in groupings
        for measure in sorted(grouped[MEASURE].unique())
    ]
    table = pd.concat([t for t in tables if len(t)], ignore_index=True) if tables else pd.DataFrame()
    if len(table):
        enough = (table["n_wards"] >= min_wards) & (table["actual_total"] >= min_actual)
        table.insert(3, "status", np.where(enough, OK, INSUFFICIENT))
    return FairnessReport(table, model_column, n_boot, seed, confidence, ungrouped)


def metrics_from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """MAE, WAPE, bias and coverage from summed cell statistics (columns as `_SUMS`)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame(
            {
                "mae": sums["abs_error"] / sums["n"],
                "wape": _ratio(sums["abs_error"], sums["actual"]),
                "bias": _ratio(sums["error"], sums["actual"]),
                "coverage_80": _ratio(sums["in_80"], sums["n_80"]),
                "coverage_95": _ratio(sums["in_95"], sums["n_95"]),
            }
        )


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator).where(denominator > 0)


def _ward_cells(backtest: pd.DataFrame, model_column: str, measures: Sequence[str] | None) -> pd.DataFrame:
    missing = [c for c in (AREA_LEVEL, AREA, MEASURE, ACTUAL, model_column) if c not in backtest.columns]
    if missing:
        raise InputError(f"backtest: missing column(s) {missing} needed for the fairness report")
    rows = backtest[backtest[AREA_LEVEL] == WARD_LEVEL]
    if measures is not None:
        rows = rows[rows[MEASURE].isin(list(measures))]
    cells = pd.DataFrame({AREA: rows[AREA], MEASURE: rows[MEASURE], ACTUAL: rows[ACTUAL]})
    cells[_FORECAST] = rows[model_column].to_numpy()
    for lo, hi in _INTERVALS.values():
        cells[lo] = rows[lo].to_numpy() if lo in rows.columns else np.nan
        cells[hi] = rows[hi].to_numpy() if hi in rows.columns else np.nan
    return cells.dropna(subset=[ACTUAL, _FORECAST]).reset_index(drop=True)


def _grouping_table(
    grouped: pd.DataFrame, grouping: str, measure: str, *, n_boot: int, seed: int, confidence: float
) -> pd.DataFrame:
    cells = grouped[(grouped[MEASURE] == measure) & grouped[grouping].notna()]
    if cells.empty:
        return pd.DataFrame()
    sums = _ward_sums(cells, grouping)
    point = _metric_frame(sums, grouping)
    per_group = sums.groupby(grouping)
    table = pd.DataFrame(
        {
            "n_wards": per_group.size(),
            "n": per_group["n"].sum(),
            "actual_total": per_group["actual"].sum(),
        }
    )
    for metric in METRICS:
        table[metric] = point[metric]
    intervals = {
        group: _bootstrap(ward_sums, _rng(seed, grouping, measure, group), n_boot, confidence)
        for group, ward_sums in per_group
    }
    table = table.join(pd.DataFrame.from_dict(intervals, orient="index"))
    table = table[["n_wards", "n", "actual_total", *_with_intervals(METRICS)]]
    table = table.rename_axis("group").reset_index()
    table.insert(0, "grouping", grouping)
    table.insert(2, MEASURE, measure)
    return table


def _with_intervals(metrics: Sequence[str]) -> list[str]:
    return [name for metric in metrics for name in (metric, f"{metric}_lo", f"{metric}_hi")]


def _metric_frame(sums: pd.DataFrame, grouping: str) -> pd.DataFrame:
    """Point estimates per group through fairlearn's MetricFrame (the group is the sensitive feature).

    MetricFrame splits the per-ward sums by group; each metric adds them up, so the estimate is
    the same ratio of sums over cells that the bootstrap resamples.
    """
    other_sums = {name: sums[name].to_numpy(float) for name in _SUMS if name != "actual"}
    frame = MetricFrame(
        metrics={metric: _summed_metric(metric) for metric in METRICS},
        y_true=sums["actual"].to_numpy(float),
        y_pred=(sums["actual"] + sums["error"]).to_numpy(float),
        sensitive_features=sums[grouping].to_numpy(),
        sample_params=dict.fromkeys(METRICS, other_sums),
    )
    return frame.by_group


def _summed_metric(metric: str) -> Callable[..., float]:
    def summed(y_true: np.ndarray, y_pred: np.ndarray, **sums: np.ndarray) -> float:  # noqa: ARG001
        totals = pd.DataFrame({"actual": [y_true.sum()], **{k: [v.sum()] for k, v in sums.items()}})
        return float(metrics_from_sums(totals)[metric].iloc[0])

    summed.__name__ = metric
    return summed


def _ward_sums(cells: pd.DataFrame, grouping: str) -> pd.DataFrame:
    """One row per (group, ward): the sums every metric is a ratio of."""
    error = cells[_FORECAST] - cells[ACTUAL]
    stats = pd.DataFrame(
        {grouping: cells[grouping], AREA: cells[AREA], "n": 1.0, "abs_error": error.abs(), "error": error}
    )
    stats["actual"] = cells[ACTUAL]
    for level, (lo, hi) in _INTERVALS.items():
        known = cells[lo].notna() & cells[hi].notna()
        inside = (cells[ACTUAL] >= cells[lo]) & (cells[ACTUAL] <= cells[hi])
        stats[f"in_{level}"] = (known & inside).astype(float)
        stats[f"n_{level}"] = known.astype(float)
    return stats.groupby([grouping, AREA], as_index=False)[list(_SUMS)].sum()


def _bootstrap(
    ward_sums: pd.DataFrame, rng: np.random.Generator, n_boot: int, confidence: float
) -> dict[str, float]:
    """Percentile intervals of every metric, resampling the group's wards with replacement."""
    stats = ward_sums[list(_SUMS)].to_numpy(float)
    n_wards = len(stats)
    draws = rng.integers(0, n_wards, size=(n_boot, n_wards))
    weights = np.stack([np.bincount(row, minlength=n_wards) for row in draws])
    replicates = metrics_from_sums(pd.DataFrame(weights @ stats, columns=list(_SUMS)))
    tail = (1 - confidence) / 2
    interval: dict[str, float] = {}
    for metric in METRICS:
        values = replicates[metric].dropna()
        low, high = np.quantile(values, [tail, 1 - tail]) if len(values) else (np.nan, np.nan)
        interval[f"{metric}_lo"], interval[f"{metric}_hi"] = float(low), float(high)
    return interval


def _rng(seed: int, grouping: str, measure: str, group: object) -> np.random.Generator:
    """A generator per group, so one group's interval does not depend on which others are reported."""
    return np.random.default_rng([seed, zlib.crc32(f"{grouping}|{measure}|{group}".encode())])
