"""Runtime settings: a SQLite store under mlruns/ by default; the deprecated file store is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from demandcast.settings import Settings


def test_default_tracking_store_is_sqlite_under_mlruns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMANDCAST_TRACKING_URI", raising=False)
    assert Settings().tracking_uri == "sqlite:///mlruns/mlflow.db"


def test_environment_overrides_the_tracking_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMANDCAST_TRACKING_URI", "postgresql://mlflow@db/mlflow")
    assert Settings().tracking_uri == "postgresql://mlflow@db/mlflow"


@pytest.mark.parametrize("uri", ["file:./mlruns", "./mlruns", "/var/mlruns"])
def test_file_store_uris_are_refused(uri: str) -> None:
    with pytest.raises(ValidationError, match="file store is deprecated"):
        Settings(tracking_uri=uri)
