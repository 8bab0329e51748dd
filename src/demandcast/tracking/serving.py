"""Forecasts served from the registry: a version or alias of the registered model, loaded as a pyfunc."""

from __future__ import annotations

import mlflow
import pandas as pd

from demandcast.data.panel_input import check_horizon
from demandcast.tracking.pyfunc import HORIZON
from demandcast.tracking.store import use_store


def registry_model_uri(name: str, model: str) -> str:
    """`models:/<name>/<version>` for a version number, `models:/<name>@<alias>` for an alias."""
    return f"models:/{name}/{model}" if model.isdigit() else f"models:/{name}@{model}"


def registry_forecasts(
    name: str, model: str = "champion", horizon: int | None = None, *, uri: str | None = None
) -> pd.DataFrame:
    """The forecasts of every node from a registered version or alias (FORECAST_COLUMNS).

    Args:
        name: the registered model.
        model: an alias ("champion", "challenger") or a version number.
        horizon: periods ahead (1..36); the trained horizon when None.
        uri: the tracking URI (default: Settings, SQLite under mlruns/).

    Raises:
        InputError: for a horizon outside 1..36.
        MlflowException: when the model, version or alias does not exist.
    """
    if horizon is not None:
        check_horizon(horizon)
    use_store(uri)
    loaded = mlflow.pyfunc.load_model(registry_model_uri(name, model))
    requested = pd.Series([] if horizon is None else [horizon], dtype="int64")
    return loaded.predict(pd.DataFrame({HORIZON: requested}))
