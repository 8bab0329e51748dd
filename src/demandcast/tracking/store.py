"""Where runs and models are kept: a tracking URI, SQLite under `mlruns/` by default.

The MLflow file store is deprecated in MLflow 3 and refused by `demandcast.settings.Settings`;
any SQL or server URI works. A local SQLite URI gets its folder created.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import mlflow

from demandcast.settings import Settings

_SQLITE_PREFIX = "sqlite:///"


def resolved_uri(uri: str | None = None) -> str:
    """`uri`, or the configured default (sqlite:///mlruns/mlflow.db), checked by Settings.

    Raises:
        ValueError: for a file-store URI or an unknown scheme.
    """
    settings = Settings() if uri is None else Settings(tracking_uri=uri)
    return settings.tracking_uri


def use_store(uri: str | None = None) -> str:
    """Point MLflow's tracking and registry at `uri` (creating a local SQLite folder); return it."""
    uri = resolved_uri(uri)
    if uri.startswith(_SQLITE_PREFIX):
        Path(uri.removeprefix(_SQLITE_PREFIX)).parent.mkdir(parents=True, exist_ok=True)
    quiet_mlflow()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def quiet_mlflow() -> None:
    """Silence the SQLAlchemy `noload` deprecation that MLflow's SQL store triggers on every query."""
    warnings.filterwarnings("ignore", message=".*noload.*")


def experiment_id(name: str, uri: str) -> str:
    """The id of experiment `name`, created with its artifacts beside a local SQLite database.

    MLflow would otherwise put a SQLite store's artifacts under `./mlruns` of the working folder.
    """
    client = mlflow.MlflowClient(uri)
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    if uri.startswith(_SQLITE_PREFIX):
        location = (Path(uri.removeprefix(_SQLITE_PREFIX)).resolve().parent / "artifacts").as_uri()
    return client.create_experiment(name, artifact_location=location)
