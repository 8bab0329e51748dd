"""Coherent forecasts: base forecasts of every node reconciled with hierarchicalforecast.

MinT with a shrunk residual covariance (`mint_shrink`), WLS with structural weights (`wls_struct`)
or with each node's residual variance (`wls_var`), OLS, and bottom-up (the reference) run through
`HierarchicalReconciliation`. `top_down` reconciles only the top area's block (e.g. council x
service -> client group -> all) with WLS-var and shares each top-area service total among the
bottom areas in proportion to their base forecasts (top-down by forecast proportions, Athanasopoulos,
Ahmed & Hyndman 2009): the few, smooth top series are not pulled towards the sum of a thousand noisy
ward forecasts, and each ward keeps its own shape. Non-negativity is restored
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
WLS_VAR, OLS, TOP_DOWN = "wls_var", "ols", "top_down"
METHODS: tuple[str, ...] = (BOTTOM_UP, MINT_SHRINK, WLS_STRUCT, WLS_VAR, OLS, TOP_DOWN)
NEEDS_RESIDUALS = (MINT_SHRINK, WLS_VAR, TOP_DOWN)


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
        tags: level name -> node ids (hierarchy.tags: "area_level/service_level" names, bottom
            first, the top area's levels last).
        methods: names from METHODS.
        residuals: columns unique_id, month, actual, mean: past forecasts beside what happened
            (the backtest), one row per node and month; needed by `mint_shrink` and `wls_var`.

    Returns:
        method -> frame with columns unique_id, month, mean, in the order of `base`.
    """
    y_df = None
    needing = [m for m in methods if m in NEEDS_RESIDUALS]
    if needing:
        if residuals is None:
            raise ValueError(
                f"{', '.join(needing)} needs residuals: past forecasts beside actuals for every node"
            )
        y_df = residuals[[SERIES_ID, MONTH, ACTUAL, MEAN]]
    projections = [m for m in methods if m != TOP_DOWN]
    out = _hierarchicalforecast(base, s_df, tags, projections, y_df) if projections else base
    results = {
        method: non_negative(out[[SERIES_ID, MONTH]].assign(**{MEAN: out[_result_column(out, method)]}), s_df)
        for method in projections
    }
    if TOP_DOWN in methods:
        results[TOP_DOWN] = top_down(base, s_df, tags, y_df)
    return {method: results[method] for method in methods}


def top_down(
    base: pd.DataFrame, s_df: pd.DataFrame, tags: dict[str, np.ndarray], residuals: pd.DataFrame
) -> pd.DataFrame:
    """The top area's block reconciled with WLS-var, shared out to the bottom by forecast proportions.

    Each bottom node's forecast is scaled so that the bottom nodes of one top-area service node sum
    to that node's reconciled forecast; where their base forecasts sum to zero (or less) the total
    is shared equally. Every other node is summed from the bottom.

    Args:
        base, s_df, tags: as for `reconcile`.
        residuals: columns unique_id, month, actual, mean; WLS-var's variances (the block's rows).

    Returns:
        Columns unique_id, month, mean, in the order of `base`; coherent and non-negative.
    """
    block_s, block_tags, parent_of_bottom = _top_block(s_df, tags)
    block_ids = block_s[SERIES_ID]
    block_base = base[base[SERIES_ID].isin(block_ids)]
    block_residuals = residuals[residuals[SERIES_ID].isin(block_ids)]
    if len(block_s) == block_s.shape[1] - 1:  # one level: nothing to reconcile above the block
        totals = block_base[[SERIES_ID, MONTH, MEAN]]
    else:
        fitted = _hierarchicalforecast(block_base, block_s, block_tags, [WLS_VAR], block_residuals)
        totals = fitted[[SERIES_ID, MONTH]].assign(**{MEAN: fitted[_result_column(fitted, WLS_VAR)]})
    totals = non_negative(totals, block_s).rename(columns={SERIES_ID: "parent", MEAN: "total"})
    bottom = base[base[SERIES_ID].isin(parent_of_bottom.index)][[SERIES_ID, MONTH, MEAN]]
    bottom = bottom.assign(
        parent=bottom[SERIES_ID].map(parent_of_bottom).to_numpy(), share=bottom[MEAN].clip(lower=0.0)
    )
    bottom = bottom.merge(totals, on=["parent", MONTH], how="left", validate="many_to_one")
    groups = bottom.groupby(["parent", MONTH])["share"]
    summed, count = groups.transform("sum"), groups.transform("size")
    shares = np.where(summed > 0, bottom["share"] / summed.where(summed > 0, 1.0), 1.0 / count)
    shared = base[[SERIES_ID, MONTH]].merge(
        bottom[[SERIES_ID, MONTH]].assign(**{MEAN: shares * bottom["total"].to_numpy()}),
        on=[SERIES_ID, MONTH],
        how="left",
    )
    return non_negative(shared.fillna({MEAN: 0.0}), s_df)


def _top_block(s_df: pd.DataFrame, tags: dict[str, np.ndarray]):
    """The top area's levels as a hierarchy of their own, and each bottom node's top-area parent.

    Returns:
        (summing matrix of the block, top first with its bottom the top-area service level; the
        block's tags; Series bottom id -> id of its top-area service-level node).
    """
    top_area = list(tags)[-1].split("/")[0]
    levels = [level for level in tags if level.split("/")[0] == top_area]
    matrix = s_df.set_index(SERIES_ID)
    block_bottom = matrix.loc[tags[levels[0]]].to_numpy()
    rows = np.concatenate([tags[level] for level in levels[::-1]])
    overlap = matrix.loc[rows].to_numpy() @ block_bottom.T
    block = (overlap == block_bottom.sum(axis=1)).astype(float)
    block_s = pd.DataFrame(block, columns=list(tags[levels[0]]))
    block_s.insert(0, SERIES_ID, rows)
    parent = pd.Series(np.asarray(tags[levels[0]])[block_bottom.argmax(axis=0)], index=matrix.columns)
    return block_s, {level: tags[level] for level in levels[::-1]}, parent


def _hierarchicalforecast(base, s_df, tags, methods, y_df) -> pd.DataFrame:
    """hierarchicalforecast's reconciliation of `base`: one column per method, in the order of `base`."""
    logging.getLogger("hierarchicalforecast").setLevel(logging.WARNING)
    engine = HierarchicalReconciliation(reconcilers=[_reconciler(m) for m in methods])
    out = engine.reconcile(
        Y_hat_df=base[[SERIES_ID, MONTH, MEAN]],
        tags=tags,
        S_df=s_df,
        Y_df=y_df,
        id_col=SERIES_ID,
        time_col=MONTH,
        target_col=ACTUAL,
    )
    return base[[SERIES_ID, MONTH]].merge(out, on=[SERIES_ID, MONTH], how="left")


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
