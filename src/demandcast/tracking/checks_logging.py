"""Fairness checks in an MLflow run: per-group tables, gate outcomes, metrics and a chart."""

from __future__ import annotations

import math

import mlflow
import pandas as pd

from demandcast.checks.fairness import FairnessReport
from demandcast.checks.fairness_chart import fairness_figure
from demandcast.checks.gates import GateResult

FAIRNESS_TABLE = "checks/fairness_groups.json"
GATES_TABLE = "checks/fairness_gates.json"
FAIRNESS_PLOT = "plots/fairness_by_group.png"
LOGGED_METRICS = ("wape", "bias", "coverage_80", "coverage_95")


def log_fairness(report: FairnessReport | None, gates: GateResult | None) -> None:
    """Log the report and gates into the active run; nothing when the checks did not apply."""
    if report is None:
        return
    mlflow.log_table(_json_ready(report.table), FAIRNESS_TABLE)
    mlflow.log_metrics(fairness_metrics(report))
    mlflow.log_figure(fairness_figure(report), FAIRNESS_PLOT)
    if gates is not None:
        mlflow.log_table(_json_ready(gates.table), GATES_TABLE)
        mlflow.log_metric("fairness.gates_passed", float(gates.passed))


def fairness_metrics(report: FairnessReport) -> dict[str, float]:
    """Flat metrics `fairness.<grouping>.<measure>.q<group>.<metric>`, finite numbers only."""
    metrics = {}
    for row in report.table.to_dict("records"):
        for name in LOGGED_METRICS:
            value = row.get(name)
            if value is not None and not pd.isna(value) and math.isfinite(float(value)):
                key = f"fairness.{row['grouping']}.{row['measure']}.q{row['group']}.{name}"
                metrics[key] = float(value)
    return metrics


def _json_ready(table: pd.DataFrame) -> pd.DataFrame:
    return table.astype("object").where(table.notna(), None)
