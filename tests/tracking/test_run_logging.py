"""One run per training holds params, the fingerprint, metrics per level, artifacts and a faithful model."""

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient

from demandcast.tracking.run_logging import FINGERPRINT_TAG, level_metrics, track_training
from demandcast.tracking.serving import registry_forecasts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tracked(tiny_outcome, tiny_data, tiny_config, tmp_path_factory):
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlruns') / 'mlflow.db'}"
    return uri, track_training(tiny_outcome, tiny_data, tiny_config, uri=uri)


def _artifacts(client, run_id, path=None):
    for item in client.list_artifacts(run_id, path):
        yield from _artifacts(client, run_id, item.path) if item.is_dir else [item.path]


def test_the_run_logs_config_fingerprint_metrics_and_artifacts(tracked, tiny_outcome):
    uri, run = tracked
    client = MlflowClient(uri)
    logged = client.get_run(run.run_id).data
    assert logged.params["horizon"] == "3"
    assert logged.tags[FINGERPRINT_TAG] == tiny_outcome.result.panel_fingerprint
    assert logged.metrics["bottom_mase_reconciled"] == pytest.approx(run.score)
    assert "caseload.council/all.reconciled.coverage_80" in logged.metrics
    assert {
        "forecasts.parquet",
        "backtest.parquet",
        "metrics.json",
        "checks/fairness.json",
        "checks/privacy.json",
        "model_card.md",
        "plots/council_backtest.png",
    } <= set(_artifacts(client, run.run_id))


def test_the_first_version_is_challenger_and_champion(tracked):
    uri, run = tracked
    client = MlflowClient(uri)
    assert run.registration.decision.promote
    assert (
        str(client.get_model_version_by_alias("demandcast", "champion").version) == run.registration.version
    )


def test_the_champion_pyfunc_reproduces_the_runs_forecasts(tracked, tiny_outcome):
    uri, _ = tracked
    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model("models:/demandcast@champion")
    served = model.predict(pd.DataFrame({"horizon": [3]}))
    pd.testing.assert_frame_equal(served, tiny_outcome.result.forecasts)


def test_serving_a_shorter_horizon_gives_that_many_months(tracked):
    uri, _ = tracked
    served = registry_forecasts("demandcast", "champion", 2, uri=uri)
    assert served["month"].nunique() == 2


def test_level_metrics_are_flat_numbers_without_missing_values():
    metrics = {"cost": {"ward/all": {"reconciled": {"mase": 0.5, "bias": float("nan"), "method": "ols"}}}}
    assert level_metrics(metrics) == {"cost.ward/all.reconciled.mase": 0.5}
