"""Backtest scores per level (MASE, WAPE, bias) and the reconciliation decision they support."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.columns import ACTUAL, CUTOFF, MONTH, SERIES_ID
from demandcast.models.base import seasonal_period
from demandcast.models.metrics import SCALE, seasonal_naive_scales
from demandcast.models.selection import CHOSEN, reconciled_column, relative_skill


def level_scores(
    backtest: pd.DataFrame, history: pd.DataFrame, columns: list[str], freq: str
) -> pd.DataFrame:
    """MASE, WAPE and bias of each forecast column over one level's backtest.

    MASE is the mean over series and origins of MAE / in-sample seasonal-naive MAE up to the origin
    (series with a zero scale are left out); WAPE = sum|error| / sum|actual|; bias =
    sum(forecast - actual) / sum(actual).

    Args:
        backtest: columns unique_id, cutoff, month, actual and the forecast `columns`.
        history: the level's series (unique_id, month, value).

    Returns:
        One row per column (index) with columns mase, wape, bias.
    """
    return scaled_scores(with_scales(backtest, history, freq), columns)


def with_scales(
    backtest: pd.DataFrame, history: pd.DataFrame, freq: str, scales: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The backtest (a fresh index) with column `scale`: each series' seasonal-naive MAE up to its origin.

    Args:
        backtest: columns unique_id, cutoff and any others.
        history: the level's series (unique_id, month, value).
        scales: the level's `scales_up_to` the backtest's cutoffs, where already computed.
    """
    if scales is None:
        scales = scales_up_to(history, backtest[CUTOFF].unique(), freq)
    return backtest.merge(scales, on=[SERIES_ID, CUTOFF], how="left")


def scales_up_to(history: pd.DataFrame, cutoffs, freq: str) -> pd.DataFrame:
    """Columns unique_id, cutoff, scale: each series' in-sample seasonal-naive MAE up to each cutoff.

    Args:
        history: a level's series (unique_id, month, value), in any order.
        cutoffs: the last months of history to use.
    """
    ordered = history.sort_values([SERIES_ID, MONTH], kind="stable")
    return seasonal_naive_scales(ordered, list(cutoffs), seasonal_period(freq))


def scaled_scores(scaled: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`level_scores` of a backtest that already has its `scale` column (from `with_scales`)."""
    keys = [scaled[SERIES_ID], scaled[CUTOFF]]
    errors = scaled[list(dict.fromkeys(columns))].sub(scaled[ACTUAL], axis=0)
    mae = errors.abs().groupby(keys).mean()
    scale = scaled.groupby(keys)[SCALE].first()
    total, actual_sum = scaled[ACTUAL].abs().sum(), scaled[ACTUAL].sum()
    rows = {}
    for column in columns:
        error = errors[column]
        ratio = (mae[column] / scale).dropna()  # zero scales are already NaN
        rows[column] = {
            "mase": float(ratio.mean()) if len(ratio) else float("nan"),
            "wape": float(error.abs().sum() / total) if total > 0 else float("nan"),
            "bias": float(error.sum() / actual_sum) if actual_sum != 0 else float("nan"),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def method_decision(
    scores: dict[str, pd.DataFrame],
    methods: tuple[str, ...],
    max_loss: float = 0.5,
    origin_scores: dict[object, dict[str, pd.DataFrame]] | None = None,
) -> tuple[str, dict]:
    """The reconciliation method to keep, and why.

    Each method is judged by its backtest MASE ratio to the base (chosen) forecasts at every level,
    and ranked by the geometric mean of those ratios (every level counts alike; a gain at one level
    offsets a proportional loss at another). A method no worse than the base at every level (the
    issue's requirement) is preferred; when none is, the best geometric mean among the methods
    that lose at most `max_loss` at any level is kept, and failing that the smallest worst loss.
    With `origin_scores`, the one-standard-error rule settles near ties: a method whose geometric
    mean is within one standard error (of its per-origin log difference to the best) of the best
    is its equal, and among equals the smaller worst-level loss wins, the requirement's own
    criterion.

    Args:
        scores: level -> level_scores frame holding rows `chosen` and `reconciled_<method>`.
        max_loss: the hard cap on any level's loss against the base when no method is no-worse.
        origin_scores: backtest origin -> the same mapping scored on that origin alone.
    """
    ratios = {method: _ratios(scores, method) for method in methods}
    worst = {m: max(ratios[m].values()) for m in methods}
    no_worse = [m for m in methods if worst[m] <= 1.0 + 1e-9]
    capped = [m for m in methods if worst[m] <= 1.0 + max_loss + 1e-9]
    geometric = {m: _geometric_mean(ratios[m].values()) for m in methods}
    per_origin = {
        m: np.log(
            [_geometric_mean(_ratios(by_level, m).values()) for by_level in (origin_scores or {}).values()]
        )
        for m in methods
    }

    def best(pool: list[str]) -> tuple[str, list[str]]:
        top = min(pool, key=geometric.__getitem__)
        equals = [
            m
            for m in pool
            if np.log(geometric[m] / geometric[top])
            <= _standard_error(per_origin[m] - per_origin[top]) + 1e-12
        ]
        return min(equals, key=lambda m: (worst[m], geometric[m])), equals

    equals: list[str] = []
    if no_worse:
        method, equals = best(no_worse)
        reason = f"{method}: no worse than the base forecasts at every level, best geometric mean ratio"
    elif capped:
        method, equals = best(capped)
        reason = (
            f"{method}: no method was no-worse at every level; best geometric mean MASE ratio among "
            f"those losing at most {max_loss:.0%} at any level"
        )
    else:
        method = min(methods, key=lambda m: worst[m])
        reason = f"{method}: every method lost more than {max_loss:.0%} somewhere; smallest worst-level ratio"
    if len(equals) > 1:
        reason += (
            f" (within one standard error of the best: {', '.join(sorted(equals))}; the smallest worst loss)"
        )
    return method, {
        "method": method,
        "reason": reason,
        "mase_ratio_to_base": ratios,
        "geometric_mean": geometric,
        "equals": equals,
    }


def _ratios(scores: dict[str, pd.DataFrame], method: str) -> dict[str, float]:
    """level -> the method's MASE over the base's."""
    return {
        level: relative_skill(frame.loc[reconciled_column(method), "mase"], frame.loc[CHOSEN, "mase"])
        for level, frame in scores.items()
    }


def _standard_error(differences: np.ndarray) -> float:
    """Standard error of the mean of per-origin differences; 0 with fewer than two origins."""
    finite = differences[np.isfinite(differences)]
    return float(finite.std(ddof=1) / np.sqrt(len(finite))) if len(finite) > 1 else 0.0


def _geometric_mean(ratios) -> float:
    values = np.asarray(list(ratios), dtype=float)
    return float(np.exp(np.log(np.clip(values, 1e-12, None)).mean()))
