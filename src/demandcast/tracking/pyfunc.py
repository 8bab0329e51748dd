"""The logged model: the whole inference path (series -> models -> reconciliation -> intervals) as a pyfunc.

`mlflow.pyfunc.load_model("models:/demandcast@champion").predict(pd.DataFrame({"horizon": [12]}))`
returns the same forecasts as the training run that logged it. The fitted DemandModel travels as a
pickle artifact; the pyfunc only unpickles it and calls `forecast`.
"""

from __future__ import annotations

import pickle
import tempfile
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel
from mlflow.types import ColSpec, Schema

from demandcast.models.demand_model import DemandModel

HORIZON = "horizon"
MODEL_ARTIFACT = "demand_model"
MODEL_NAME = "model"
_RUNTIME = (
    "mlflow",
    "pandas",
    "numpy",
    "scikit-learn",
    "statsmodels",
    "prophet",
    "hierarchicalforecast",
    "libpysal",
    "pyarrow",
)
SIGNATURE = ModelSignature(inputs=Schema([ColSpec("long", HORIZON, required=False)]))


class DemandcastPyfunc(PythonModel):
    """Forecasts every node of the hierarchy; input: one row with `horizon` (or none: the trained one)."""

    def load_context(self, context: Any) -> None:
        """Unpickle the fitted DemandModel logged beside the pyfunc."""
        with open(context.artifacts[MODEL_ARTIFACT], "rb") as handle:
            self.model_: DemandModel = pickle.load(handle)  # noqa: S301  (our own artifact)

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:  # noqa: ARG002
        """Columns FORECAST_COLUMNS for `horizon` periods (the first row's), or the training horizon."""
        return self.model_.forecast(requested_horizon(model_input))


def requested_horizon(model_input: pd.DataFrame | None) -> int | None:
    """The first row's `horizon`, or None when the input has no such value."""
    if model_input is None or HORIZON not in model_input or model_input.empty:
        return None
    value = model_input[HORIZON].iloc[0]
    return None if pd.isna(value) else int(value)


def pip_requirements() -> list[str]:
    """Pinned versions of what the inference path imports (given explicitly: inference is slow)."""
    pins = []
    for package in _RUNTIME:
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            continue
    return pins


def log_demand_model(model: DemandModel, name: str = MODEL_NAME) -> Any:
    """Log `model` as a pyfunc in the active run; returns MLflow's ModelInfo."""
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        # an input example would make MLflow run a whole forecast at log time; the signature is given
        warnings.filterwarnings("ignore", message=".*input example was not provided.*")
        path = Path(folder) / f"{MODEL_ARTIFACT}.pkl"
        path.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        return mlflow.pyfunc.log_model(
            name=name,
            python_model=DemandcastPyfunc(),
            artifacts={MODEL_ARTIFACT: str(path)},
            pip_requirements=pip_requirements(),
            signature=SIGNATURE,
        )
