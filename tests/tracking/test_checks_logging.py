"""The fairness checks reach the MLflow run as tables, per-group metrics and a chart."""

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient

from demandcast.checks.fairness import fairness_report
from demandcast.checks.fairness_chart import fairness_figure
from demandcast.checks.gates import evaluate_gates
from demandcast.checks.synthetic import calibrated_ward_backtest, synthetic_ward_groups
from demandcast.tracking.checks_logging import (
    FAIRNESS_PLOT,
    FAIRNESS_TABLE,
    GATES_TABLE,
    fairness_metrics,
    log_fairness,
)


@pytest.fixture(scope="module")
def report():
    groups = synthetic_ward_groups(seed=3)
    return fairness_report(calibrated_ward_backtest(groups, n_cells=60, seed=3), groups, n_boot=20, seed=0)


def test_metrics_name_grouping_measure_quintile_and_metric(report):
    metrics = fairness_metrics(report)
    row = report.table.iloc[0]
    key = f"fairness.{row['grouping']}.{row['measure']}.q{row['group']}.wape"
    assert metrics[key] == pytest.approx(row["wape"])
    assert all(np.isfinite(value) for value in metrics.values())
    assert len([k for k in metrics if k.endswith(".bias")]) == 10  # 2 groupings x 5 quintiles


def test_chart_has_a_panel_per_grouping_and_metric(report):
    figure = fairness_figure(report)
    assert len(figure.axes) == 4
    assert figure.axes[0].get_xlabel().startswith("IMD quintile")


def test_the_run_holds_tables_metrics_and_chart(report, tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.create_experiment("checks", artifact_location=str(tmp_path / "artifacts"))
    with mlflow.start_run(experiment_id=experiment) as run:
        log_fairness(report, evaluate_gates(report))
    client = MlflowClient(uri)
    run_id = run.info.run_id
    logged = {item.path for folder in ("checks", "plots") for item in client.list_artifacts(run_id, folder)}
    assert {FAIRNESS_TABLE, GATES_TABLE, FAIRNESS_PLOT} <= logged
    assert "fairness.gates_passed" in client.get_run(run.info.run_id).data.metrics


def test_nothing_is_logged_without_a_ward_table(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    log_fairness(None, None)
    assert mlflow.active_run() is None  # logging anything would have started a run implicitly
