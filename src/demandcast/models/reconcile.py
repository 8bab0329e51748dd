"""Coherent forecasts: base forecasts of every node reconciled with hierarchicalforecast.

MinT with a shrunk residual covariance (`mint_shrink`), WLS with structural weights (`wls_struct`)
or with each node's residual variance (`wls_var`), OLS, and bottom-up (the reference) run through
`HierarchicalReconciliation`. Non-negativity is restored
coherently: the reconciled bottom is clipped at zero and every node is summed again from it.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from hierarchicalforecast.core import HierarchicalReconciliation
from hierarchicalforecast.methods import BottomUp, MinTrace

from demandcast.columns import ACTUAL, MEAN, MONTH, SERIES_ID

BOTTOM_UP, MINT_SHRINK, WLS_STRUCT = "bottom_up", "mint_shrink", "wls_struct"
WLS_VAR, OLS = "wls_var", "ols"
METHODS: tuple[str, ...] = (BOTTOM_UP, MINT_SHRINK, WLS_STRUCT, WLS_VAR, OLS)
NEEDS_RESIDUALS = (MINT_SHRINK, WLS_VAR)


def _reconciler(method: str) -> BottomUp | MinTrace:
    if method == BOTTOM_UP:
        return BottomUp()
    if method in (MINT_SHRINK, WLS_STRUCT, WLS_VAR, OLS):
        return MinTrace(method=method)
    raise ValueError(f"reconciliation method {method!r}: expected one of {list(METHODS)}")


def reconcile(
    base: pd.DataFrame,
    s_df: pd.DataFrame,
    tags: dict[str, np.ndarray],
    methods: tuple[str, ...] = METHODS,
    residuals: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Each method's coherent, non-negative version of the base forecasts.

    Args:
        base: columns unique_id, month, mean; one row per node of `s_df` and month.
        s_df: the summing matrix (hierarchy.summing_matrix).
        tags: level name -> node ids (hierarchy.tags).
        methods: names from METHODS.
        residuals: columns unique_id, month, actual, mean: past forecasts beside what happened
            (the backtest), one row per node and month; needed by `mint_shrink` and `wls_var`.

    Returns:
        method -> frame with columns unique_id, month, mean, in the order of `base`.
    """
    reconcilers = [_reconciler(m) for m in methods]
    y_df = None
    needing = [m for m in methods if m in NEEDS_RESIDUALS]
    if needing:
        if residuals is None:
            raise ValueError(
                f"{', '.join(needing)} needs residuals: past forecasts beside actuals for every node"
            )
        y_df = residuals[[SERIES_ID, MONTH, ACTUAL, MEAN]]
    logging.getLogger("hierarchicalforecast").setLevel(logging.WARNING)
    engine = HierarchicalReconciliation(reconcilers=reconcilers)
    out = engine.reconcile(
        Y_hat_df=base[[SERIES_ID, MONTH, MEAN]],
        tags=tags,
        S_df=s_df,
        Y_df=y_df,
        id_col=SERIES_ID,
        time_col=MONTH,
        target_col=ACTUAL,
    )
    out = base[[SERIES_ID, MONTH]].merge(out, on=[SERIES_ID, MONTH], how="left")
    return {
        method: non_negative(out[[SERIES_ID, MONTH]].assign(**{MEAN: out[_result_column(out, method)]}), s_df)
        for method in methods
    }


def _result_column(out: pd.DataFrame, method: str) -> str:
    marker = "BottomUp" if method == BOTTOM_UP else f"method-{method}"
    return next(c for c in out.columns if c.startswith(f"{MEAN}/") and marker in c)


def non_negative(forecasts: pd.DataFrame, s_df: pd.DataFrame) -> pd.DataFrame:
    """Coherent forecasts with no negative mean: the bottom clipped at zero, every node summed from it.

    Args:
        forecasts: columns unique_id, month, mean; every node of `s_df` for every month.

    Returns:
        The same rows and columns, with every node's mean the sum of its clipped bottom nodes.
    """
    bottom_ids = [c for c in s_df.columns if c != SERIES_ID]
    wide = forecasts.pivot(index=MONTH, columns=SERIES_ID, values=MEAN)
    bottom = wide[bottom_ids].clip(lower=0.0).to_numpy()
    summed = bottom @ s_df[bottom_ids].to_numpy().T
    long = pd.DataFrame(summed, index=wide.index, columns=s_df[SERIES_ID].to_numpy())
    stacked = long.melt(ignore_index=False, var_name=SERIES_ID, value_name=MEAN).reset_index()
    return forecasts[[SERIES_ID, MONTH]].merge(stacked, on=[SERIES_ID, MONTH], how="left")
