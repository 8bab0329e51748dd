"""Fairness gates: pass/fail checks on a `FairnessReport` that promotion reads.

A challenger that fails a gate may be registered but is never promoted; `GateResult.failures`
names each failing check so that the reason is recorded with the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from demandcast.checks.fairness import INSUFFICIENT, OK, FairnessReport
from demandcast.checks.ward_groups import GROUPINGS, IMD_QUINTILE, MOST_DEPRIVED
from demandcast.columns import MEASURE

PASS, FAIL, NOT_AVAILABLE = "pass", "fail", "not available"
WAPE_RATIO, UNDER_FORECAST, COVERAGE_80 = "wape_ratio", "under_forecast_most_deprived", "coverage_80"
GATE_COLUMNS: tuple[str, ...] = (
    "check",
    "grouping",
    MEASURE,
    "group",
    "value",
    "threshold",
    "status",
    "detail",
)
_TOO_SMALL = "too few wards or too little volume to judge"


@dataclass(frozen=True)
class GateConfig:
    """Gate thresholds; set one to None to switch that gate off.

    Attributes:
        max_wape_ratio: highest over lowest group WAPE, per grouping and measure.
        min_bias_most_deprived: lowest signed bias allowed in the most deprived IMD quintile,
            unless its bootstrap interval includes 0.
        coverage_80_range: bounds for the 80% interval coverage of every group.
        groupings: groupings the WAPE-ratio and coverage gates look at.
    """

    max_wape_ratio: float | None = 1.25
    min_bias_most_deprived: float | None = -0.05
    coverage_80_range: tuple[float, float] | None = (0.75, 0.85)
    groupings: tuple[str, ...] = GROUPINGS


@dataclass(frozen=True)
class GateResult:
    """Whether every gate passed, the failing checks in words, and one row per check (`GATE_COLUMNS`)."""

    passed: bool
    failures: list[str]
    table: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, missing values as None."""
        records = self.table.astype("object").where(self.table.notna(), None).to_dict("records")
        return {"passed": self.passed, "failures": list(self.failures), "checks": records}


def evaluate_gates(report: FairnessReport, config: GateConfig | None = None) -> GateResult:
    """Apply the fairness gates to `report`; groups with insufficient data are reported, not judged."""
    config = config or GateConfig()
    rows = [
        *_wape_ratio_rows(report.table, config),
        *_under_forecast_rows(report.table, config),
        *_coverage_rows(report.table, config),
    ]
    table = pd.DataFrame(rows, columns=list(GATE_COLUMNS))
    failing = table[table["status"].isin([FAIL, NOT_AVAILABLE])]
    failures = [_failure_text(row) for row in failing.itertuples(index=False)]
    return GateResult(passed=not failures, failures=failures, table=table)


def _failure_text(row: Any) -> str:
    return f"{row.check} [{row.grouping}, {row.measure}, group {row.group}]: {row.detail}"


def _groups(table: pd.DataFrame, groupings: tuple[str, ...]) -> Any:
    if table.empty:
        return iter(())
    return table[table["grouping"].isin(groupings)].groupby(["grouping", MEASURE], sort=True)


def _wape_ratio_rows(table: pd.DataFrame, config: GateConfig) -> list[dict[str, Any]]:
    if config.max_wape_ratio is None:
        return []
    rows = []
    for (grouping, measure), groups in _groups(table, config.groupings):
        judged = groups[(groups["status"] == OK) & groups["wape"].notna()]
        row = {"check": WAPE_RATIO, "grouping": grouping, MEASURE: measure, "group": "max/min"}
        row["threshold"] = f"<= {config.max_wape_ratio:.2f}"
        if len(judged) < 2:
            rows.append(
                {**row, "value": np.nan, "status": INSUFFICIENT, "detail": "under 2 groups to compare"}
            )
            continue
        high, low = judged.loc[judged["wape"].idxmax()], judged.loc[judged["wape"].idxmin()]
        ratio = high["wape"] / low["wape"] if low["wape"] > 0 else np.inf
        passed = ratio <= config.max_wape_ratio
        detail = (
            f"max/min group WAPE {ratio:.2f} {'<=' if passed else '>'} {config.max_wape_ratio:.2f} "
            f"(highest: group {high['group']} {high['wape']:.1%}, "
            f"lowest: group {low['group']} {low['wape']:.1%})"
        )
        rows.append({**row, "value": ratio, "status": PASS if passed else FAIL, "detail": detail})
    return rows


def _under_forecast_rows(table: pd.DataFrame, config: GateConfig) -> list[dict[str, Any]]:
    if config.min_bias_most_deprived is None or table.empty:
        return []
    floor = config.min_bias_most_deprived
    most_deprived = table[(table["grouping"] == IMD_QUINTILE) & (table["group"] == MOST_DEPRIVED)]
    rows = []
    for group in most_deprived.itertuples(index=False):
        row = {"check": UNDER_FORECAST, "grouping": IMD_QUINTILE, MEASURE: group.measure}
        row.update(group=group.group, value=group.bias, threshold=f">= {floor:+.1%} or interval includes 0")
        if group.status != OK or np.isnan(group.bias):
            rows.append({**row, "status": INSUFFICIENT, "detail": _TOO_SMALL})
            continue
        interval_has_zero = group.bias_lo <= 0 <= group.bias_hi
        passed = group.bias >= floor or interval_has_zero
        detail = (
            f"signed bias {group.bias:+.1%} (interval {group.bias_lo:+.1%} to {group.bias_hi:+.1%}); "
            f"needs >= {floor:+.1%} or an interval including 0"
        )
        rows.append({**row, "status": PASS if passed else FAIL, "detail": detail})
    return rows


def _coverage_rows(table: pd.DataFrame, config: GateConfig) -> list[dict[str, Any]]:
    if config.coverage_80_range is None:
        return []
    low, high = config.coverage_80_range
    rows = []
    for (grouping, measure), groups in _groups(table, config.groupings):
        for group in groups.itertuples(index=False):
            row = {"check": COVERAGE_80, "grouping": grouping, MEASURE: measure, "group": group.group}
            row.update(value=group.coverage_80, threshold=f"[{low:.0%}, {high:.0%}]")
            rows.append({**row, **_coverage_verdict(group, low, high)})
    return rows


def _coverage_verdict(group: Any, low: float, high: float) -> dict[str, str]:
    if group.status != OK:
        return {"status": INSUFFICIENT, "detail": _TOO_SMALL}
    if np.isnan(group.coverage_80):
        return {"status": NOT_AVAILABLE, "detail": "the backtest has no 80% interval for this model"}
    passed = low <= group.coverage_80 <= high
    verdict = "within" if passed else "outside"
    return {
        "status": PASS if passed else FAIL,
        "detail": f"80% interval coverage {group.coverage_80:.1%} {verdict} [{low:.0%}, {high:.0%}]",
    }
