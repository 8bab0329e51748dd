"""`demandcast train` writes its outputs, logs one run with aggregates only, and exits 0, 1 or 2."""

import json
from dataclasses import replace
from statistics import NormalDist

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

import demandcast.cli.train  # noqa: F401  (registers the command)
from demandcast.catalogue import load_catalogue
from demandcast.checks.identifiers import find_person_ids
from demandcast.cli.app import EXIT_OK, EXIT_UNUSABLE_INPUT, app
from demandcast.data.wards import load_wards, write_wards
from demandcast.features.caseload_paths import caseload_paths
from demandcast.models.noise_floor import FLOOR_MAX_SERIES
from demandcast.models.synthetic import synthetic_areas, synthetic_panel
from demandcast.models.training import TrainConfig, train
from demandcast.pipeline import data_from_records

pytestmark = pytest.mark.slow
QUICK = ["--horizon", "3", "--models", "seasonal_naive,mean_of_last_year", "--jobs", "1"]
QUICK_WITH_RECORDS = [*QUICK[:3], "seasonal_naive,mean_of_last_year,stock_flow", *QUICK[4:]]
OUTPUTS = (
    "forecasts.parquet",
    "backtest.parquet",
    "metrics.json",
    "checks/fairness.json",
    "checks/privacy.json",
    "model_card.md",
)


def run(*arguments: str):
    return CliRunner().invoke(app, ["train", *arguments])


def small_records(ward_codes: list[str], n_people: int = 500, seed: int = 7) -> pd.DataFrame:
    """Seeded packages of `n_people` people over the given wards, 2020-06 to 2024-06."""
    rng = np.random.default_rng(seed)
    pairs = load_catalogue().pairs()
    pair = rng.integers(len(pairs), size=n_people)
    start = pd.Timestamp("2020-06-01") + pd.to_timedelta(rng.integers(0, 1460, n_people), unit="D")
    end = start + pd.to_timedelta(rng.exponential(400, n_people).astype(int), unit="D")
    still_open = (end > pd.Timestamp("2024-06-30")) | (rng.random(n_people) < 0.1)
    return pd.DataFrame(
        {
            "person_id": [f"PID{i:06d}" for i in range(n_people)],
            "ward_code": rng.choice(ward_codes, n_people),
            "client_group": [pairs[p][0] for p in pair],
            "service": [pairs[p][1] for p in pair],
            "start_date": start.strftime("%Y-%m-%d"),
            "end_date": np.where(still_open, "", end.strftime("%Y-%m-%d")),
            "weekly_cost": rng.gamma(2.0, 300.0, n_people).round(2).astype(str),
            "birth_year": rng.integers(1930, 2015, n_people).astype(str),
            "sex": rng.choice(["F", "M"], n_people),
            "ethnicity": rng.choice(["White", "Asian", "Black", "Mixed"], n_people),
        }
    )


@pytest.fixture(scope="module")
def records_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("records")
    wards = load_wards().head(6)
    write_wards(wards, folder / "wards.geojson")
    records = small_records(wards["ward_code"].tolist())
    records.to_csv(folder / "records.csv", index=False)
    uri = f"sqlite:///{folder / 'mlruns' / 'mlflow.db'}"
    arguments = ["--records", str(folder / "records.csv"), "--wards", str(folder / "wards.geojson")]
    arguments += ["--start", "2021-01", "--as-of", "2024-06-30", "--out", str(folder / "out")]
    result = run(*arguments, *QUICK_WITH_RECORDS, "--tracking-uri", uri)
    return result, folder, uri, records["person_id"].tolist()


def _artifact_paths(client, run_id, path=None):
    for item in client.list_artifacts(run_id, path):
        yield from _artifact_paths(client, run_id, item.path) if item.is_dir else [item.path]


def _leaked(local_path, person_ids) -> list[str]:
    if local_path.endswith(".parquet"):
        return find_person_ids(pd.read_parquet(local_path), person_ids)
    with open(local_path, "rb") as handle:
        return find_person_ids(handle.read().decode("latin-1"), person_ids)


def test_train_on_records_writes_every_output_and_exits_0(records_run):
    result, folder, _, _ = records_run
    assert result.exit_code == EXIT_OK, result.output
    assert all((folder / "out" / name).exists() for name in OUTPUTS)
    fairness = json.loads((folder / "out" / "checks" / "fairness.json").read_text())
    assert fairness["gates"]["checks"]
    privacy = json.loads((folder / "out" / "checks" / "privacy.json").read_text())
    assert privacy["reidentification"]["n_people"] == 500
    assert "Stage times" in result.output


def test_records_give_the_council_caseload_by_service_a_stock_flow_candidate(records_run):
    result, folder, _, _ = records_run
    assert result.exit_code == EXIT_OK, result.output
    metrics = json.loads((folder / "out" / "metrics.json").read_text())["caseload"]
    assert metrics["council/service"]["stock_flow"]["mase"] >= 0
    assert "stock_flow" not in metrics["council/client_group"]
    assert all("stock_flow" not in metrics[level] for level in metrics if not level.startswith("council/"))


def _records_data(folder):
    return data_from_records(
        folder / "records.csv", folder / "wards.geojson", start="2021-01", as_of="2024-06-30"
    )


def _council_caseload_beside_paths(forecasts: pd.DataFrame, data) -> pd.DataFrame:
    """The council caseload forecasts of the records run's last month beside its caseload paths."""
    councils = data.hierarchy.areas.set_index("area")["council"]
    paths = caseload_paths(
        data.records, councils, {pd.Timestamp("2024-06-01"): 3}, data.hpanel["month"].min()
    )
    council = forecasts[(forecasts["area_level"] == "council") & (forecasts["measure"] == "caseload")]
    keys = ["area", "client_group", "service", "month"]
    merged = council.merge(paths, on=keys, suffixes=("", "_path"))
    assert len(merged) == len(paths) > 0
    return merged


def test_the_stock_flow_council_services_are_kept_and_summed_with_the_records_intervals(records_run):
    result, folder, uri, _ = records_run
    assert result.exit_code == EXIT_OK, result.output
    mlflow.set_tracking_uri(uri)
    served = mlflow.pyfunc.load_model("models:/demandcast@champion").unwrap_python_model().model_
    caseload = served.measures["caseload"]
    assert caseload.chosen["council/service"] == "stock_flow"
    assert (caseload.method, caseload.floor_is_whole) == ("middle_out_by_service", True)
    decision = json.loads((folder / "out" / "decisions.json").read_text())["caseload"]["reconciliation"]
    assert decision["reason"].startswith("middle_out_by_service: kept by the stock-flow rule")
    forecasts = pd.read_parquet(folder / "out" / "forecasts.parquet")
    merged = _council_caseload_beside_paths(forecasts, _records_data(folder))
    # every council node's forecast is the stock-flow's own mean, the services' and their sums
    np.testing.assert_allclose(merged["mean"], merged["mean_path"], rtol=1e-9)
    # the levels of few series (models.noise_floor) get the records' predictive intervals alone
    summed = merged[merged["service"] == "all"]
    assert len(summed) > 0
    noise = np.sqrt(summed["variance"])
    for level in (80, 95):
        half = NormalDist().inv_cdf(0.5 + level / 200) * noise
        np.testing.assert_allclose(summed[f"hi_{level}"], summed["mean"] + half, rtol=1e-9)
        np.testing.assert_allclose(summed[f"lo_{level}"], (summed["mean"] - half).clip(lower=0), rtol=1e-9)


def test_a_kept_method_overrides_the_stock_flow_rule_and_the_floor_only_widens(records_run):
    _, folder, _, _ = records_run
    data = _records_data(folder)
    models = ("seasonal_naive", "mean_of_last_year", "stock_flow")
    config = TrainConfig(horizon=3, allowed_models=models, kept_methods={"caseload": "top_down"})

    result = train(data.hpanel, data.hierarchy, config, records=data.records)

    caseload = result.model.measures["caseload"]
    assert caseload.chosen["council/service"] == "stock_flow"
    assert (caseload.method, caseload.floor_is_whole) == ("top_down", False)
    reason = result.decisions["caseload"]["reconciliation"]["reason"]
    assert reason.startswith("top_down: kept by the configuration")
    summed = _council_caseload_beside_paths(result.forecasts, data).query("service == 'all'")
    assert len(summed) > 0
    noise = np.sqrt(summed["variance"])
    for level in (80, 95):
        half = NormalDist().inv_cdf(0.5 + level / 200) * noise
        assert (summed[f"hi_{level}"] - summed["mean"] >= half - 1e-9).all()
        assert (summed["mean"] - summed[f"lo_{level}"] >= np.minimum(half, summed["mean"]) - 1e-9).all()


def test_beyond_the_backtests_year_the_stock_flow_intervals_are_a_floor_under_the_conformal_ones(records_run):
    _, folder, _, _ = records_run
    data = _records_data(folder)
    # the stock-flow alone besides the baselines, so it serves the council services (models.selection)
    config = TrainConfig(horizon=14, n_windows=2, allowed_models=("stock_flow",))

    model = train(data.hpanel, data.hierarchy, config, records=data.records).model

    caseload = model.measures["caseload"]
    assert (caseload.method, caseload.floor_is_whole) == ("middle_out_by_service", True)
    last_step = max(intervals.last_step for intervals in caseload.intervals.values())
    assert last_step == 12  # the backtest looks a year ahead; months 13-14 are beyond it
    served = model.forecast()
    unfloored = replace(model, measures={**model.measures, "caseload": replace(caseload, noise_floor=None)})
    keys = ["area_level", "area", "client_group", "service", "month", "measure"]
    merged = served.merge(unfloored.forecast(), on=keys, suffixes=("", "_conformal"))
    paths = caseload_paths(
        data.records,
        data.hierarchy.areas.set_index("area")["council"],
        {pd.Timestamp("2024-06-01"): 14},
        data.hpanel["month"].min(),
    )
    on = ["area", "client_group", "service", "month"]
    summed = merged.merge(paths, on=on, suffixes=("", "_path")).query(
        "measure == 'caseload' and area_level == 'council' and service == 'all'"
    )
    steps = summed["month"].rank(method="dense").astype(int)
    assert sorted(steps.unique()) == list(range(1, 15))
    beyond = (steps > last_step).to_numpy()
    noise = np.sqrt(summed["variance"])
    for level in (80, 95):
        band = summed["mean"] + NormalDist().inv_cdf(0.5 + level / 200) * noise
        conformal = summed[f"hi_{level}_conformal"]
        # within the backtest's year the stock-flow's own band, narrower or wider than the conformal one
        np.testing.assert_allclose(summed[f"hi_{level}"][~beyond], band[~beyond], rtol=1e-9)
        # beyond it, the wider of the two
        np.testing.assert_allclose(
            summed[f"hi_{level}"][beyond], np.maximum(band, conformal)[beyond], rtol=1e-9
        )
        assert (conformal[beyond] > band[beyond]).any()  # so the two rules differ here


def test_the_served_model_floors_the_council_caseload_levels_of_few_series_only(records_run):
    result, _, uri, _ = records_run
    assert result.exit_code == EXIT_OK, result.output
    mlflow.set_tracking_uri(uri)
    served = mlflow.pyfunc.load_model("models:/demandcast@champion").unwrap_python_model().model_
    sizes = served.nodes.groupby("level")["unique_id"].size()
    assert sizes["council/service"] > FLOOR_MAX_SERIES  # the test city has every service
    floor = served.measures["caseload"].noise_floor
    floored = served.nodes.loc[served.nodes["unique_id"].isin(floor["unique_id"]), "level"]
    assert set(floored) == {"council/client_group", "council/all"}
    assert (floor["noise_sd"] > 0).all()
    assert all(served.measures[m].noise_floor is None for m in served.measures if m != "caseload")


def test_no_person_id_reaches_any_artifact_param_or_tag(records_run):
    result, _, uri, person_ids = records_run
    assert result.exit_code == EXIT_OK, result.output
    client = MlflowClient(uri)
    (run_info,) = client.search_runs(client.get_experiment_by_name("demandcast").experiment_id)
    paths = list(_artifact_paths(client, run_info.info.run_id))
    assert "forecasts.parquet" in paths
    for path in paths:
        local = client.download_artifacts(run_info.info.run_id, path)
        assert _leaked(local, person_ids) == [], path
    data = run_info.data
    text = " ".join(
        [*data.params.keys(), *map(str, data.params.values()), *data.tags.keys(), *data.tags.values()]
    )
    assert find_person_ids(text, person_ids) == []
    version = client.get_model_version("demandcast", "1")
    assert find_person_ids(" ".join(version.tags.values()), person_ids) == []


def test_train_on_a_panel_with_hierarchy_files_exits_0(tmp_path):
    synthetic_panel(n_areas=3, n_months=32, seed=1).drop(columns=["client_group"]).to_csv(
        tmp_path / "panel.csv", index=False
    )
    synthetic_areas(3).to_csv(tmp_path / "areas.csv", index=False)
    pd.DataFrame(
        {"service": ["home_care", "residential_care", "supported_living"], "group": ["op", "op", "wa"]}
    ).to_csv(tmp_path / "services.csv", index=False)
    arguments = ["--panel", str(tmp_path / "panel.csv"), "--areas", str(tmp_path / "areas.csv")]
    arguments += ["--services", str(tmp_path / "services.csv"), "--out", str(tmp_path / "out")]
    result = run(*arguments, *QUICK, "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert result.exit_code == EXIT_OK, result.output
    forecasts = pd.read_parquet(tmp_path / "out" / "forecasts.parquet")
    assert set(forecasts["client_group"]) == {"op", "wa", "all"}
    assert "promoted: no champion yet" in result.output.replace("\n", " ")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "either --records"),
        (["--records", "r.csv", "--panel", "p.csv"], "either --records"),
        (["--panel", "missing.csv"], "file not found"),
        (["--panel", "p.csv", "--start", "2021-01"], "apply to --records only"),
        (["--panel", "missing.csv", "--tracking-uri", "file:./mlruns"], "file store is deprecated"),
        (["--panel", "missing.csv", "--horizon", "40"], "between 1 and 36"),
    ],
)
def test_train_exits_2_on_unusable_arguments(tmp_path, arguments, message):
    store = [] if "--tracking-uri" in arguments else ["--tracking-uri", f"sqlite:///{tmp_path / 'm.db'}"]
    result = run(*arguments, "--out", str(tmp_path / "out"), *store)
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert message in " ".join(result.output.split())
