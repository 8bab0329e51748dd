"""The registry: every version becomes `challenger`; `champion` moves only to a better version that passes."""

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient

from demandcast.tracking.registry import (
    CHALLENGER,
    CHAMPION,
    CHECKS_TAG,
    PROMOTED_TAG,
    REASON_TAG,
    register_and_promote,
)
from demandcast.tracking.store import use_store

WINDOW = "2024-04..2025-03"


class _Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:  # noqa: ARG002
        return model_input


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    uri = use_store(f"sqlite:///{tmp_path_factory.mktemp('registry') / 'mlflow.db'}")
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(name="model", python_model=_Echo(), pip_requirements=["pandas"])
    return MlflowClient(uri), info.model_uri, run.info.run_id


def _register(logged, name, score, failures=()):
    client, model_uri, run_id = logged
    return register_and_promote(
        model_uri, name, score=score, window=WINDOW, failures=failures, run_id=run_id, client=client
    )


def _alias(client, name, alias):
    return str(client.get_model_version_by_alias(name, alias).version)


def test_a_worse_challenger_does_not_replace_the_champion(logged):
    client = logged[0]
    first = _register(logged, "worse", 0.8)
    second = _register(logged, "worse", 0.9)
    assert (_alias(client, "worse", CHAMPION), _alias(client, "worse", CHALLENGER)) == (
        first.version,
        second.version,
    )
    tags = client.get_model_version("worse", second.version).tags
    assert tags[PROMOTED_TAG] == "false"
    assert tags[REASON_TAG] == "not promoted: bottom_mase_reconciled 0.9000 >= 0.8000 (champion v1)"


def test_a_better_challenger_becomes_champion(logged):
    client = logged[0]
    _register(logged, "better", 0.8)
    second = _register(logged, "better", 0.7)
    assert _alias(client, "better", CHAMPION) == second.version
    assert client.get_model_version("better", second.version).tags[PROMOTED_TAG] == "true"


def test_a_challenger_failing_a_fairness_gate_is_registered_but_not_promoted(logged):
    client = logged[0]
    first = _register(logged, "unfair", 0.8)
    failure = "under_forecast_most_deprived [imd_quintile, caseload, group 1]: signed bias -12.0%"
    second = _register(logged, "unfair", 0.5, failures=[failure])
    assert _alias(client, "unfair", CHAMPION) == first.version
    assert _alias(client, "unfair", CHALLENGER) == second.version
    tags = client.get_model_version("unfair", second.version).tags
    assert tags[CHECKS_TAG] == failure
    assert failure in tags[REASON_TAG]


def test_the_champion_serves_through_its_alias(logged):
    _register(logged, "served", 0.8)
    loaded = mlflow.pyfunc.load_model("models:/served@champion")
    assert loaded.predict(pd.DataFrame({"horizon": [2]}))["horizon"].tolist() == [2]
