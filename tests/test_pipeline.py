"""The training pipeline: inputs -> engine -> checks -> atomically written outputs, no MLflow."""

import json

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import (
    ACTUAL,
    AREA,
    AREA_LEVEL,
    CLIENT_GROUP,
    CUTOFF,
    HORIZON_STEP,
    MEASURE,
    MONTH,
    SERVICE,
)
from demandcast.models.synthetic import synthetic_areas, synthetic_panel
from demandcast.models.training import TrainConfig
from demandcast.pipeline import (
    bottom_backtest_with_intervals,
    config_params,
    data_from_panel,
    evaluation_window,
    json_ready,
    train_to_folder,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipeline")
    synthetic_panel(n_areas=3, n_months=32, seed=4).drop(columns=[CLIENT_GROUP]).to_parquet(
        folder / "panel.parquet", index=False
    )
    synthetic_areas(3).to_csv(folder / "areas.csv", index=False)
    data = data_from_panel(folder / "panel.parquet", folder / "areas.csv", horizon=3)
    config = TrainConfig(horizon=3, allowed_models=("seasonal_naive",))
    return train_to_folder(data, config, folder / "out"), folder / "out"


def test_every_output_is_written_and_no_temporary_file_is_left(outcome):
    result, out = outcome
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert (
        written
        == set(result.files)
        == {
            "forecasts.parquet",
            "backtest.parquet",
            "metrics.json",
            "decisions.json",
            "checks/fairness.json",
            "checks/privacy.json",
            "model_card.md",
        }
    )
    pd.testing.assert_frame_equal(pd.read_parquet(out / "forecasts.parquet"), result.result.forecasts)


def test_panel_input_has_no_fairness_gates_and_says_why(outcome):
    result, out = outcome
    assert result.gates is None and result.failures == []
    assert json.loads((out / "checks" / "fairness.json").read_text())["status"].startswith("not available")
    privacy = json.loads((out / "checks" / "privacy.json").read_text())
    assert privacy["inputs"].startswith("not available")
    assert sum(privacy["published_forecasts"]["cells_by_status"].values()) == len(result.result.forecasts)


def test_metrics_json_is_strict_json_by_measure_level_and_model(outcome):
    _, out = outcome
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["caseload"]["ward/service"]["reconciled"]) >= {"mase", "wape", "bias", "coverage_80"}


def test_bottom_backtest_intervals_are_calibrated_on_the_other_origins_only():
    rows = pd.DataFrame(
        {
            AREA_LEVEL: "ward",
            AREA: "a",
            CLIENT_GROUP: "all",
            SERVICE: "s",
            MEASURE: "caseload",
            CUTOFF: pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            HORIZON_STEP: 1,
            MONTH: pd.to_datetime(["2024-02-01", "2024-03-01", "2024-04-01"]),
            ACTUAL: [10.0, 10.0, 10.0],
            "reconciled": [10.0, 12.0, 30.0],
        }
    )
    with_intervals = bottom_backtest_with_intervals(rows, (80,))
    last = with_intervals.iloc[-1]
    assert not last["lo_80"] <= last[ACTUAL] <= last["hi_80"]  # its own error of 20 is not in its calibration


def test_evaluation_window_spans_the_scored_backtest_months(outcome):
    result, _ = outcome
    window = evaluation_window(result.result.backtest)
    months = result.result.backtest[MONTH]
    assert window == f"{months.min():%Y-%m}..{months.max():%Y-%m}"


def test_json_ready_turns_missing_and_numpy_values_into_json():
    assert json_ready({"a": np.float64("nan"), "b": (np.int64(2), float("inf"))}) == {
        "a": None,
        "b": [2, None],
    }


def test_config_params_hold_settings_not_data():
    params = config_params(TrainConfig(covariates=pd.DataFrame({"area": ["x"]}), neighbours={"x": []}))
    assert "covariates" not in params and "neighbours" not in params
    assert params["levels"] == [80, 95]


def test_proxy_audit_of_the_model_inputs_names_deprivation_as_the_imd_proxy():
    from demandcast.columns import VALUE
    from demandcast.data.wards import load_wards
    from demandcast.pipeline import proxy_checks

    wards = load_wards()
    months = pd.date_range("2024-01-01", periods=3, freq="MS")
    hpanel = pd.DataFrame(
        [
            {AREA: w.ward_code, CLIENT_GROUP: "older_people", SERVICE: "home_care", MONTH: m,
             MEASURE: "caseload", VALUE: 0.004 * w.pop_65_plus}
            for w in wards.itertuples()
            for m in months
        ]
    )
    audit = proxy_checks(hpanel, wards, seed=0)
    assert set(audit["target"]) == {"minority_ethnic_share", "imd_score"}
    assert "mean_caseload" in set(audit["feature"]) and "minority_ethnic_share" not in set(audit["feature"])
    imd = audit[audit["target"] == "imd_score"].sort_values("rank")
    assert imd["feature"].iloc[0] == "imd_decile"
    assert proxy_checks(hpanel, None) is None
