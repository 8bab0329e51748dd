"""One MLflow run per training: params, the data fingerprint, metrics per level, artifacts, the model.

Everything logged is an aggregate (panel-level metrics, backtests, forecasts, checks, plots): the
records never reach MLflow. The model is the whole inference path (see `tracking.pyfunc`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd

from demandcast.columns import (
    ACTUAL,
    ALL,
    AREA_LEVEL,
    CLIENT_GROUP,
    COUNCIL_LEVEL,
    CUTOFF,
    MEASURE,
    MONTH,
    SERVICE,
)
from demandcast.pipeline import Outcome, config_params, data_summary, evaluation_window
from demandcast.tracking.checks_logging import log_fairness
from demandcast.tracking.promotion import PROMOTION_METRIC, RECONCILED, promotion_score
from demandcast.tracking.pyfunc import log_demand_model
from demandcast.tracking.registry import Registration, register_and_promote
from demandcast.tracking.store import experiment_id, use_store

EXPERIMENT = "demandcast"
FINGERPRINT_TAG = "panel_fingerprint"
LOGGED_MODELS = (RECONCILED, "chosen", "seasonal_naive")
PLOT_FILE = "plots/council_backtest.png"


@dataclass(frozen=True)
class TrackedRun:
    """The run and the registry's verdict."""

    run_id: str
    model_uri: str
    registration: Registration
    score: float


def track_training(
    outcome: Outcome,
    data: Any,
    config: Any,
    *,
    uri: str | None = None,
    registered_model: str = "demandcast",
    extra_params: Mapping[str, Any] | None = None,
) -> TrackedRun:
    """Log `outcome` as one run, register its model and apply the promotion rule.

    Args:
        outcome: what `pipeline.train_to_folder` returned (its files are logged as artifacts).
        data: the `pipeline.TrainingData` (for its counts and hierarchy only).
        config: the `TrainConfig` used.
        uri: the tracking URI (default: Settings, SQLite under mlruns/).
        registered_model: the registry name.
        extra_params: further run parameters (e.g. input file names), no data.
    """
    uri = use_store(uri)
    result = outcome.result
    score = promotion_score(result.metrics, data.hierarchy.bottom_level)
    window = evaluation_window(result.backtest)
    with mlflow.start_run(experiment_id=experiment_id(EXPERIMENT, uri)) as run:
        mlflow.log_params({**_flat(config_params(config)), **_flat(extra_params or {})})
        mlflow.set_tags({FINGERPRINT_TAG: result.panel_fingerprint, "evaluation_window": window})
        mlflow.log_dict(data_summary(data), "data_summary.json")
        mlflow.log_metrics({**level_metrics(result.metrics), PROMOTION_METRIC: score})
        mlflow.log_metrics({f"seconds.{k}": v for k, v in outcome.stage_seconds.items()})
        _log_files(outcome.files)
        _log_plot(result.backtest)
        log_fairness(outcome.fairness, outcome.gates)
        info = log_demand_model(result.model)
        registration = register_and_promote(
            info.model_uri,
            registered_model,
            score=score,
            window=window,
            failures=outcome.failures,
            run_id=run.info.run_id,
        )
        mlflow.set_tags(
            {"registered_version": registration.version, "promoted": str(registration.decision.promote)}
        )
    return TrackedRun(run.info.run_id, info.model_uri, registration, score)


def level_metrics(metrics: Mapping[str, Any], models: tuple[str, ...] = LOGGED_MODELS) -> dict[str, float]:
    """Flat MLflow metrics `<measure>.<level>.<model>.<metric>` for the given models (numbers only)."""
    flat = {}
    for measure, levels in metrics.items():
        for level, by_model in levels.items():
            for model in models:
                for name, value in by_model.get(model, {}).items():
                    if isinstance(value, int | float) and value == value:
                        flat[f"{measure}.{level}.{model}.{name}"] = float(value)
    return flat


def council_backtest_figure(backtest: pd.DataFrame) -> Any:
    """Actual vs reconciled backtest of the council totals: a panel per measure, a line per origin."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = backtest[
        (backtest[AREA_LEVEL] == COUNCIL_LEVEL) & (backtest[CLIENT_GROUP] == ALL) & (backtest[SERVICE] == ALL)
    ]
    measures = sorted(top[MEASURE].unique())
    figure, axes = plt.subplots(
        len(measures) or 1, 1, figsize=(8, 2.6 * max(len(measures), 1)), squeeze=False
    )
    for axis, measure in zip(axes[:, 0], measures, strict=False):
        rows = top[top[MEASURE] == measure]
        actual = rows.groupby(MONTH)[ACTUAL].first()
        axis.plot(actual.index, actual.to_numpy(), color="black", label=ACTUAL)
        for cutoff, window in rows.groupby(CUTOFF):
            axis.plot(window[MONTH], window[RECONCILED], marker=".", label=f"from {cutoff:%Y-%m}")
        axis.set_title(f"council total: {measure}")
        axis.legend(fontsize="small")
    figure.tight_layout()
    return figure


def _log_plot(backtest: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    figure = council_backtest_figure(backtest)
    mlflow.log_figure(figure, PLOT_FILE)
    plt.close(figure)


def _log_files(files: Mapping[str, Path]) -> None:
    for name, path in files.items():
        folder = str(Path(name).parent)
        mlflow.log_artifact(str(path), artifact_path=None if folder == "." else folder)


def _flat(values: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(value)[:500] for key, value in values.items()}
