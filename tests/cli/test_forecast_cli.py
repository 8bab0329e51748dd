"""`demandcast forecast` serves the registry's champion (or any version), full precision or published."""

import pandas as pd
import pytest
from typer.testing import CliRunner

import demandcast.cli.forecast  # noqa: F401  (registers the command)
import demandcast.cli.train  # noqa: F401
from demandcast.cli.app import EXIT_OK, EXIT_UNUSABLE_INPUT, app
from demandcast.columns import FORECAST_COLUMNS
from demandcast.models.synthetic import synthetic_areas, synthetic_panel

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecast")
    synthetic_panel(n_areas=3, n_months=32, seed=2).drop(columns=["client_group"]).to_parquet(
        folder / "panel.parquet", index=False
    )
    synthetic_areas(3).to_csv(folder / "areas.csv", index=False)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    arguments = ["train", "--panel", str(folder / "panel.parquet"), "--areas", str(folder / "areas.csv")]
    arguments += ["--horizon", "3", "--models", "seasonal_naive", "--jobs", "1", "--out", str(folder / "out")]
    result = CliRunner().invoke(app, [*arguments, "--tracking-uri", uri])
    assert result.exit_code == EXIT_OK, result.output
    return folder, uri


def forecast(uri: str, *arguments: str):
    return CliRunner().invoke(app, ["forecast", "--tracking-uri", uri, *arguments])


def test_forecast_from_the_champion_equals_the_training_forecasts(trained, tmp_path):
    folder, uri = trained
    result = forecast(uri, "--out", str(tmp_path / "f.parquet"))
    assert result.exit_code == EXIT_OK, result.output
    served = pd.read_parquet(tmp_path / "f.parquet")
    pd.testing.assert_frame_equal(served, pd.read_parquet(folder / "out" / "forecasts.parquet"))


def test_a_version_number_and_a_shorter_horizon_can_be_asked_for(trained, tmp_path):
    _, uri = trained
    result = forecast(uri, "--model", "1", "--horizon", "2", "--out", str(tmp_path / "f.csv"))
    assert result.exit_code == EXIT_OK, result.output
    served = pd.read_csv(tmp_path / "f.csv")
    assert list(served.columns) == list(FORECAST_COLUMNS)
    assert served["month"].nunique() == 2


def test_published_csv_applies_disclosure_control_to_sub_council_counts(trained, tmp_path):
    _, uri = trained
    result = forecast(uri, "--publish", "--out", str(tmp_path / "f.csv"))
    assert result.exit_code == EXIT_OK, result.output
    published = pd.read_csv(tmp_path / "f.csv")
    wards = published[published["area_level"] == "ward"]
    shown = wards["mean"].dropna()
    assert (shown % 5 == 0).all()
    assert set(wards["disclosure_status"]) - {"exempt"}
    assert (published.loc[published["area_level"] == "council", "disclosure_status"] == "exempt").all()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--model", "no_such_alias"], "no_such_alias"),
        (["--horizon", "40"], "between 1 and 36"),
    ],
)
def test_forecast_exits_2_on_an_unknown_model_or_horizon(trained, tmp_path, arguments, message):
    _, uri = trained
    result = forecast(uri, *arguments, "--out", str(tmp_path / "f.parquet"))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert message in " ".join(result.output.split())


def test_forecast_refuses_an_unknown_output_format(trained, tmp_path):
    _, uri = trained
    result = forecast(uri, "--out", str(tmp_path / "f.xlsx"))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "must end in .parquet or .csv" in result.output
