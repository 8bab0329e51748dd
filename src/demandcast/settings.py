"""Runtime settings: paths, tracking URI, keys and thresholds, read once at the edges.

Library code never reads the environment; the CLI, the API and tracking build a `Settings`
and pass plain values down.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MLRUNS = Path("mlruns")
# A plain path or file: URI would select MLflow's deprecated file store.
DATABASE_OR_SERVER_SCHEMES = ("sqlite:", "postgresql", "mysql", "mssql", "http:", "https:", "databricks")


class Settings(BaseSettings):
    """Settings from `DEMANDCAST_*` environment variables, with safe defaults."""

    model_config = SettingsConfigDict(env_prefix="DEMANDCAST_", extra="ignore")

    tracking_uri: str = f"sqlite:///{DEFAULT_MLRUNS / 'mlflow.db'}"
    registered_model: str = "demandcast"
    models_dir: Path = Path("models")
    seed: int = 20260331

    @field_validator("tracking_uri")
    @classmethod
    def _refuse_file_store(cls, value: str) -> str:
        if not value.startswith(DATABASE_OR_SERVER_SCHEMES):
            raise ValueError(
                f"tracking_uri {value!r}: the MLflow file store is deprecated; "
                "use sqlite:///..., a database URI or a tracking server URL"
            )
        return value
