"""The model registry: every training registers a version as `challenger`; `champion` is earned.

Each version carries tags: the promotion metric and its score, the evaluation window, the checks'
verdict, whether it was promoted and why (see `demandcast.tracking.promotion` for the rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from demandcast.tracking.promotion import PROMOTION_METRIC, Decision, decide

CHAMPION, CHALLENGER = "champion", "challenger"
PROMOTED_TAG, REASON_TAG, CHECKS_TAG = "promoted", "promotion_reason", "checks_failed"
WINDOW_TAG, METRIC_TAG = "evaluation_window", "promotion_metric"


@dataclass(frozen=True)
class Registration:
    """The registered version and what happened to it."""

    name: str
    version: str
    decision: Decision


def register_and_promote(
    model_uri: str,
    name: str,
    *,
    score: float,
    window: str,
    failures: Sequence[str] = (),
    run_id: str | None = None,
    client: MlflowClient | None = None,
) -> Registration:
    """Register `model_uri` as a new version of `name`, alias it `challenger`, promote it if it earns it.

    Args:
        model_uri: the logged model (e.g. ModelInfo.model_uri).
        name: the registered model's name.
        score: the version's promotion score (lower is better).
        window: the backtest's evaluation window, e.g. "2024-04..2025-03", recorded for comparison.
        failures: the failing checks in words; any failure blocks promotion.
        run_id: the training run that logged the model.
    """
    client = client or MlflowClient()
    _ensure_registered(client, name)
    version = client.create_model_version(name, model_uri, run_id=run_id).version
    client.set_registered_model_alias(name, CHALLENGER, version)
    champion = champion_version(client, name)
    decision = decide(
        score,
        _champion_score(client, name, champion),
        failures=failures,
        champion_version=champion,
    )
    if champion is not None:
        decision = _with_window_note(decision, client, name, champion, window)
    tags = {
        METRIC_TAG: PROMOTION_METRIC,
        PROMOTION_METRIC: repr(float(score)),
        WINDOW_TAG: window,
        CHECKS_TAG: "; ".join(failures) or "none",
        PROMOTED_TAG: str(decision.promote).lower(),
        REASON_TAG: decision.reason,
    }
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)
    if decision.promote:
        client.set_registered_model_alias(name, CHAMPION, version)
    return Registration(name, str(version), decision)


def champion_version(client: MlflowClient, name: str) -> str | None:
    """The version aliased `champion`, or None."""
    try:
        return str(client.get_model_version_by_alias(name, CHAMPION).version)
    except MlflowException:
        return None


def _champion_score(client: MlflowClient, name: str, version: str | None) -> float | None:
    if version is None:
        return None
    return float(client.get_model_version(name, version).tags[PROMOTION_METRIC])


def _with_window_note(
    decision: Decision, client: MlflowClient, name: str, version: str, window: str
) -> Decision:
    """Say so in the reason when the champion was scored on a different backtest window."""
    theirs = client.get_model_version(name, version).tags.get(WINDOW_TAG)
    if theirs == window:
        return decision
    return Decision(decision.promote, f"{decision.reason} [windows differ: {window} vs champion {theirs}]")


def _ensure_registered(client: MlflowClient, name: str) -> None:
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name)
