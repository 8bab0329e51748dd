"""The reconciliation method of one measure, chosen on the backtest.

Every method reconciles the chosen base forecasts origin by origin; each is scored per level over
all origins and on each origin alone, and scoring.method_decision keeps one (no worse than the base
at every level if any is; else the best geometric-mean ratio within a cap, near ties within one
standard error going to the smaller worst-level loss).
"""

from __future__ import annotations

import pandas as pd

from demandcast.columns import ACTUAL, CUTOFF, MEAN, MONTH, SERIES_ID
from demandcast.models.hierarchy import Hierarchy, summing_matrix, tags
from demandcast.models.reconcile import reconcile, scales_by_cutoff
from demandcast.models.scoring import method_decision, scaled_scores, scales_up_to, with_scales
from demandcast.models.selection import CHOSEN, RECONCILED, reconciled_column


def choose_reconciliation(
    backtest: pd.DataFrame,
    by_level: dict[str, pd.DataFrame],
    hierarchy: Hierarchy,
    residuals: pd.DataFrame,
    *,
    methods: tuple[str, ...],
    freq: str,
    max_loss: float,
    kept: str | None = None,
    kept_because: str = "the configuration",
    by_scale: bool = False,
) -> tuple[pd.DataFrame, str, dict, dict[str, pd.DataFrame]]:
    """Reconcile the backtest with every method and keep one: the backtest's choice, or `kept`.

    Args:
        backtest: columns level, unique_id, cutoff, month, actual, `chosen` (the base forecasts).
        by_level: level -> the level's series (unique_id, month, value), for the MASE scales.
        residuals: columns unique_id, month, actual, mean: the base forecasts' backtest residuals.
        kept: a method of `methods` to keep whatever the backtest says (the choice is still recorded).
        kept_because: what keeps it, for the decision's reason.
        by_scale: the top-down forms share the bottom's gaps by the squared scales of the bottom
            series up to each origin (the scales its MASE divides by; reconcile's `scales`), else by
            forecast.

    Raises:
        ValueError: `kept` is not one of `methods`.

    Returns:
        (the backtest with a `reconciled_<method>` column per method and `reconciled` for the kept
        one, the kept method, the decision record, level -> scores of base and every method).
    """
    if kept is not None and kept not in methods:
        raise ValueError(f"kept reconciliation method {kept!r}: not among the methods {list(methods)}")
    bottom = hierarchy.bottom_level
    bottom_scales = scales_up_to(by_level[bottom], backtest[CUTOFF].unique(), freq)  # MASE's and shares'
    shares = scales_by_cutoff(bottom_scales) if by_scale else {}
    backtest = _reconciled_backtest(backtest, hierarchy, methods, residuals, shares)
    columns = [CHOSEN, *map(reconciled_column, methods)]
    known = {bottom: bottom_scales}
    scaled = {
        lvl: with_scales(b[[SERIES_ID, CUTOFF, ACTUAL, *columns]], by_level[lvl], freq, known.get(lvl))
        for lvl, b in backtest.groupby("level", sort=False)
    }
    method_scores = {lvl: scaled_scores(frame, columns) for lvl, frame in scaled.items()}
    appearing = backtest[[CUTOFF, "level"]].drop_duplicates()  # each origin's levels, as they appear
    origin_scores = {
        cutoff: {lvl: _on_origin(scaled[lvl], cutoff, columns) for lvl in levels["level"]}
        for cutoff, levels in appearing.groupby(CUTOFF, sort=True)
    }
    method, decision = method_decision(method_scores, methods, max_loss, origin_scores)
    if kept is not None:
        reason = f"{kept}: kept by {kept_because} (the backtest's choice: {decision['reason']})"
        method, decision = kept, {**decision, "method": kept, "reason": reason}
    backtest[RECONCILED] = backtest[reconciled_column(method)]
    return backtest, method, decision, method_scores


def _on_origin(scaled: pd.DataFrame, cutoff, columns: list[str]) -> pd.DataFrame:
    """scaled_scores of one origin's rows: the seasonal-naive scales are computed once for all origins."""
    return scaled_scores(scaled[scaled[CUTOFF] == cutoff], columns)


def _reconciled_backtest(backtest, hierarchy, methods, residuals, scales) -> pd.DataFrame:
    """The backtest with one reconciled column per method, reconciled origin by origin.

    MinT's covariance for an origin comes from the residuals of the months outside its window:
    with the window's own residuals MinT would be scored on errors it was fitted to, and the
    method choice would favour it (on the demo's holdout that choice cost caseload 8 points of
    MASE improvement at the ward level: benchmarks/holdout.md). `scales`: cutoff -> the bottom's
    scales up to it (empty: the top-down forms share by forecast).
    """
    s_df, node_tags = summing_matrix(hierarchy), tags(hierarchy)
    frames = []
    for cutoff, window in backtest.groupby(CUTOFF, sort=True):
        base = window[[SERIES_ID, MONTH]].assign(**{MEAN: window[CHOSEN].to_numpy()})
        outside = _residuals_outside(residuals, window[MONTH])
        out = reconcile(base, s_df, node_tags, methods, outside, scales.get(pd.Timestamp(cutoff)))
        columns = {reconciled_column(m): out[m][MEAN].to_numpy() for m in methods}
        frames.append(window.assign(**columns))
    return pd.concat(frames, ignore_index=True)


def _residuals_outside(residuals: pd.DataFrame, months: pd.Series, at_least: int = 12) -> pd.DataFrame:
    """The residuals of the months outside a window, when they span at least `at_least` periods.

    Fewer periods leave MinT's shrunk covariance singular on short panels; then every period's
    residuals are used (the demo's origins each have 12 months outside their window).
    """
    outside = residuals[~residuals[MONTH].isin(months.unique())]
    return outside if outside[MONTH].nunique() >= max(at_least, months.nunique()) else residuals
