"""Champion/challenger promotion: the agreed metric and the rule, as pure functions.

The agreed metric is the mean over measures of the bottom (ward x service) level's MASE of the
reconciled forecasts, from the rolling-origin backtest: the forecasts that are published, at the
level budgets are built from, scale-free so caseload, starts and cost weigh alike. Lower is better.
A challenger becomes champion only when it passes every check (the fairness gates) and its score
is lower than the champion's; with no champion, passing the checks is enough.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PROMOTION_METRIC = "bottom_mase_reconciled"
PROMOTION_METRIC_TEXT = "mean over measures of the bottom-level MASE of the reconciled backtest"
RECONCILED = "reconciled"


@dataclass(frozen=True)
class Decision:
    """Whether the challenger becomes champion, and why in one sentence."""

    promote: bool
    reason: str


def promotion_score(metrics: Mapping[str, Any], bottom_level: str) -> float:
    """The agreed metric from a metrics table (measure -> level -> model -> {mase, ...}).

    Raises:
        KeyError: when a measure lacks the bottom level's reconciled MASE.
    """
    values = [float(metrics[measure][bottom_level][RECONCILED]["mase"]) for measure in sorted(metrics)]
    return sum(values) / len(values)


def decide(
    challenger: float,
    champion: float | None,
    *,
    failures: Sequence[str] = (),
    champion_version: str | None = None,
) -> Decision:
    """Promote only a challenger that passes every check and beats the champion's score.

    Args:
        challenger: the challenger's promotion score (lower is better).
        champion: the current champion's score, or None when there is no champion.
        failures: the failing checks, in words (empty when every check passed).
        champion_version: the champion's version, for the reason.
    """
    if failures:
        return Decision(False, f"not promoted: failed {len(failures)} check(s): " + "; ".join(failures))
    if not math.isfinite(challenger):
        return Decision(False, f"not promoted: {PROMOTION_METRIC} is {challenger}, not a number")
    if champion is None:
        return Decision(
            True, f"promoted: no champion yet; {PROMOTION_METRIC} {challenger:.4f}, checks passed"
        )
    against = f"champion v{champion_version}" if champion_version else "champion"
    if challenger < champion:
        return Decision(
            True, f"promoted: {PROMOTION_METRIC} {challenger:.4f} < {champion:.4f} ({against}); checks passed"
        )
    return Decision(False, f"not promoted: {PROMOTION_METRIC} {challenger:.4f} >= {champion:.4f} ({against})")
