"""A tiny trained outcome shared by the tracking tests (three areas, baselines only, horizon 3)."""

import pytest

from demandcast.models.synthetic import synthetic_areas, synthetic_panel
from demandcast.models.training import TrainConfig
from demandcast.pipeline import data_from_panel, train_to_folder

BASELINES = ("seasonal_naive", "mean_of_last_year")


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel")
    panel = synthetic_panel(n_areas=3, n_months=32, seed=5).drop(columns=["client_group"])
    panel.to_parquet(folder / "panel.parquet", index=False)
    synthetic_areas(3).to_csv(folder / "areas.csv", index=False)
    return data_from_panel(folder / "panel.parquet", folder / "areas.csv", horizon=3)


@pytest.fixture(scope="session")
def tiny_config():
    return TrainConfig(horizon=3, allowed_models=BASELINES)


@pytest.fixture(scope="session")
def tiny_outcome(tiny_data, tiny_config, tmp_path_factory):
    return train_to_folder(tiny_data, tiny_config, tmp_path_factory.mktemp("out"))
