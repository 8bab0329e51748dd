"""`demandcast privacy-report` writes the curve as CSV and PNG and logs them to MLflow as one run."""

import mlflow
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import demandcast.cli.privacy_report as command
from demandcast.cli.app import app
from demandcast.columns import AREA, COST, IMD_RANK, MEASURE, VALUE, WARD_CODE
from demandcast.models.synthetic import synthetic_areas, synthetic_panel


@pytest.fixture()
def small_inputs(monkeypatch):
    """Five wards, two services, caseload and cost, in place of the demo city."""
    caseload = synthetic_panel(n_areas=5, n_months=30, seed=2)
    cost = caseload.assign(**{MEASURE: COST, VALUE: caseload[VALUE] * 400.0})
    panel = pd.concat([caseload, cost], ignore_index=True).rename(columns={AREA: WARD_CODE})
    wards = synthetic_areas(5).rename(columns={AREA: WARD_CODE}).assign(**{IMD_RANK: np.arange(1, 6)})
    monkeypatch.setattr(command, "_inputs", lambda records, wards_path, seed: (panel, wards, 20))  # noqa: ARG005
    monkeypatch.setattr(command, "FAST_MODELS", ("seasonal_naive",))


@pytest.mark.slow
def test_writes_the_table_and_chart_and_logs_one_run(small_inputs, tmp_path):  # noqa: ARG001
    uri = f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"
    arguments = ["privacy-report", "--out", str(tmp_path / "out"), "--tracking-uri", uri,
                 "--rules", "nhs", "--epsilons", "5", "--horizon", "2"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "privacy_report.csv")
    assert table["level"].unique().tolist() == ["none", "nhs", "dp_eps_5"]
    assert (tmp_path / "out" / "privacy_report.png").read_bytes()[:4] == b"\x89PNG"
    runs = mlflow.search_runs(experiment_names=[command.EXPERIMENT], output_format="list")
    assert len(runs) == 1
    artifacts = {a.path for a in mlflow.MlflowClient(uri).list_artifacts(runs[0].info.run_id)}
    assert {"privacy_report.csv", "privacy_report.png"} <= artifacts
    assert runs[0].data.params["contributions_per_person"] == "20"


def test_refuses_a_non_positive_epsilon_with_exit_2(small_inputs, tmp_path):  # noqa: ARG001
    result = CliRunner().invoke(app, ["privacy-report", "--out", str(tmp_path), "--epsilons", "1,0"])
    assert result.exit_code == 2
    assert "every epsilon must be positive" in result.output
