"""Coherent forecasts: base forecasts of every node reconciled with hierarchicalforecast.

MinT with a shrunk residual covariance (`mint_shrink`), WLS with structural weights (`wls_struct`)
or with each node's residual variance (`wls_var`), OLS, and bottom-up (the reference) are
hierarchicalforecast's reconcilers, called on arrays laid out as its `HierarchicalReconciliation`
lays out its frames: one row per node in the summing matrix's order, one column per month in time
order; the insample actuals and forecasts span every month of the residuals, NaN where a node has
none. (The frame API costs about 1.5 s a call on the demo's 2,070 nodes, even for bottom-up.)
`top_down` reconciles only the top area's block (e.g. council x service -> client group -> all)
with WLS-var, keeping the block's total at its base forecast, and shares each top-area service
total among the bottom areas in proportion to their base forecasts (top-down by forecast
proportions, Athanasopoulos, Ahmed & Hyndman 2009): the few, smooth top series are not pulled
towards the sum of a thousand noisy ward forecasts, and each ward keeps its own shape.
`top_down_by_level` is the same with the block reconciled one level at a time from its totals down,
so that the client groups are not drawn towards the sum of their services either; `middle_out` keeps
the block's second level (the client groups) instead, its total their sum (the middle-out approach of
Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 2nd ed., section 10.5), and
`middle_out_by_service` its bottom level (the council services), the client groups and total their
sums: where the services' own forecasts are the best (the council caseload's stock-flow model, whose
sum beat the total's own models on 14 cities: benchmarks/holdout.md, decision 35; training keeps it
whenever that model is chosen, decision 36);
`top_down_by_error` shares each top-area service total's gap by the bottom areas' backtest errors
instead of their forecasts (WLS with the parent immutable on the one-level tree, weighted by each
ward's root mean square error), so that the wards forecast worst absorb the correction.
Given the bottom nodes' scales (their in-sample seasonal-naive MAE, the MASE denominator), the other
top-down forms share that gap in proportion to the squared scales instead of the forecasts: WLS with
the parent immutable, each bottom node's error variance taken as its squared scale, the share that
minimises the bottom's expected squared scaled error (benchmarks/holdout.md, decision 49). Counts'
squared scales are roughly proportional to their level, so for them it is close to the forecast
shares; heavy-tailed costs are not, and a uniform scaling moved most wards away from their actuals.
No share takes a bottom node below zero: those it would are set to zero and the rest of the gap is
shared among the others (the exact solution with the nodes non-negative). Every method restores
non-negativity coherently at the end: the reconciled bottom is clipped at zero and every node summed
again from it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from hierarchicalforecast.methods import BottomUp, MinTrace

from demandcast.columns import ACTUAL, CUTOFF, MEAN, MONTH, SERIES_ID
from demandcast.models.base import infer_freq
from demandcast.models.metrics import SCALE
from demandcast.models.scoring import scales_up_to

BOTTOM_UP, MINT_SHRINK, WLS_STRUCT = "bottom_up", "mint_shrink", "wls_struct"
WLS_VAR, OLS, TOP_DOWN = "wls_var", "ols", "top_down"
TOP_DOWN_BY_LEVEL, MIDDLE_OUT = "top_down_by_level", "middle_out"
MIDDLE_OUT_BY_SERVICE = "middle_out_by_service"
TOP_DOWN_BY_ERROR = "top_down_by_error"
BY_FORECAST, BY_ERROR, BY_SCALE = "forecast", "error", "scale"
TOP_DOWN_FORMS: dict[str, tuple[int | None, str]] = {
    TOP_DOWN: (None, BY_FORECAST),
    TOP_DOWN_BY_LEVEL: (0, BY_FORECAST),
    MIDDLE_OUT: (1, BY_FORECAST),
    MIDDLE_OUT_BY_SERVICE: (-1, BY_FORECAST),
    TOP_DOWN_BY_ERROR: (None, BY_ERROR),
}
"""The methods that reconcile the top area's block and share it out to the bottom (`top_down`): the
block level each keeps at its base forecasts (None: the block reconciled at once around its totals;
-1: its bottom level, the top area's services) and how the bottom nodes share their top-area node
(`BY_FORECAST` or `BY_ERROR`; `BY_FORECAST` becomes `BY_SCALE` where `reconcile` is given scales)."""
METHODS: tuple[str, ...] = (
    BOTTOM_UP,
    MINT_SHRINK,
    WLS_STRUCT,
    WLS_VAR,
    OLS,
    TOP_DOWN,
    TOP_DOWN_BY_LEVEL,
    MIDDLE_OUT,
    MIDDLE_OUT_BY_SERVICE,
)
"""The methods the backtest chooses between by default. `top_down_by_error` is left out: offered to
that choice it changed nothing on 12 cities and lost on both product cities (benchmarks/holdout.md,
decision 33); `reconcile` still gives it when asked."""
ALL_METHODS: tuple[str, ...] = (*METHODS, TOP_DOWN_BY_ERROR)
NEEDS_RESIDUALS = (MINT_SHRINK, WLS_VAR, *TOP_DOWN_FORMS)


def _reconciler(method: str) -> BottomUp | MinTrace:
    if method == BOTTOM_UP:
        return BottomUp()
    if method in (MINT_SHRINK, WLS_STRUCT, WLS_VAR, OLS):
        return MinTrace(method=method)
    raise ValueError(f"reconciliation method {method!r}: expected one of {list(ALL_METHODS)}")


def reconcile(
    base: pd.DataFrame,
    s_df: pd.DataFrame,
    tags: dict[str, np.ndarray],
    methods: tuple[str, ...] = METHODS,
    residuals: pd.DataFrame | None = None,
    scales: pd.Series | None = None,
) -> dict[str, pd.DataFrame]:
    """Each method's coherent, non-negative version of the base forecasts.

    Args:
        base: columns unique_id, month, mean; one row per node of `s_df` and month.
        s_df: the summing matrix (hierarchy.summing_matrix).
        tags: level name -> node ids (hierarchy.tags: "area_level/service_level" names, bottom
            first, the top area's levels last).
        methods: names from ALL_METHODS.
        residuals: columns unique_id, month, actual, mean: past forecasts beside what happened
            (the backtest), one row per node and month; needed by `mint_shrink` and `wls_var`.
        scales: bottom node id -> its in-sample seasonal-naive MAE (NaN or missing: no share of a
            gap); given, the top-down forms but `top_down_by_error` share by squared scale
            (`BY_SCALE`), else by forecast.

    Returns:
        method -> frame with columns unique_id, month, mean, in the order of `base`.
    """
    needing = [m for m in methods if m in NEEDS_RESIDUALS]
    if needing and residuals is None:
        raise ValueError(
            f"{', '.join(needing)} needs residuals: past forecasts beside actuals for every node"
        )
    projections = [m for m in methods if m not in TOP_DOWN_FORMS]
    results = _projections(base, s_df, projections, residuals if needing else None) if projections else {}
    for method in (m for m in methods if m in TOP_DOWN_FORMS):
        kept_level, shares = TOP_DOWN_FORMS[method]
        if shares == BY_FORECAST and scales is not None:
            shares = BY_SCALE
        results[method] = top_down(
            base, s_df, tags, residuals, kept_level=kept_level, shares=shares, scales=scales
        )
    return {method: results[method] for method in methods}


def top_down(
    base: pd.DataFrame,
    s_df: pd.DataFrame,
    tags: dict[str, np.ndarray],
    residuals: pd.DataFrame,
    kept_level: int | None = None,
    shares: str = BY_FORECAST,
    scales: pd.Series | None = None,
) -> pd.DataFrame:
    """The top area's block reconciled around its total, shared out to the bottom.

    The block (e.g. council x service -> client group -> all) is reconciled with WLS-var keeping
    its totals (the top level's nodes) at their base forecasts (wls_var_keeping_top): a total is the
    series whose own model is chosen for it, and on both demo cities plain WLS-var moved it away from
    the actuals in most backtests and held-out years (benchmarks/holdout.md, decision 17).

    The bottom nodes of one top-area service node then take up the gap between that node's
    reconciled forecast and their own sum (base forecasts clipped at zero), each in proportion to
    its weight: with `BY_FORECAST` its forecast, so that each is scaled by the same factor (top-down
    by forecast proportions); with `BY_ERROR` the root mean square of its backtest residuals, so that
    the series forecast worst absorb most of the correction (benchmarks/holdout.md, decision 33); with
    `BY_SCALE` its squared scale (decision 49). No node is taken below zero (`_shared`). Where a
    family's weights sum to zero it shares by forecast, and equally where those sum to zero too.
    Every other node is summed from the bottom.

    Args:
        base, s_df, tags: as for `reconcile`.
        residuals: columns unique_id, month, actual, mean; WLS-var's variances (the block's rows) and,
            with `BY_ERROR`, the bottom nodes' weights.
        kept_level: None (`top_down`) reconciles the block at once around its totals; a level of
            the block counted from the top (0: the totals, `top_down_by_level`; 1: the level below
            them, `middle_out`; -1: the bottom, the top area's services, `middle_out_by_service`)
            keeps its base forecasts and the block is reconciled one level at a time from it
            (wls_var_level_by_level), so that no level is drawn towards the sums of the levels
            below it; the levels above it are its sums.
        shares: `BY_FORECAST`, `BY_ERROR` or `BY_SCALE`, the bottom nodes' weights.
        scales: bottom node id -> scale, for `BY_SCALE`.

    Returns:
        Columns unique_id, month, mean, in the order of `base`; coherent and non-negative.
    """
    if shares not in (BY_FORECAST, BY_ERROR, BY_SCALE):
        raise ValueError(f"shares {shares!r}: expected {BY_FORECAST!r}, {BY_ERROR!r} or {BY_SCALE!r}")
    if shares == BY_SCALE and scales is None:
        raise ValueError(f"shares {BY_SCALE!r} needs the bottom nodes' scales")
    block_s, parent_of_bottom = _top_block(s_df, tags)
    block_ids = block_s[SERIES_ID]
    block_base = base[base[SERIES_ID].isin(block_ids)]
    if len(block_s) == block_s.shape[1] - 1:  # one level: nothing to reconcile above the block
        totals = non_negative(block_base[[SERIES_ID, MONTH, MEAN]], block_s)
    else:
        block_residuals = residuals[residuals[SERIES_ID].isin(block_ids)]
        block_levels = [list(tags[level]) for level in _top_area_levels(tags)[::-1]]
        if kept_level is None:
            totals = wls_var_keeping_top(block_base, block_s, block_residuals, kept=block_levels[0])
        else:
            kept = kept_level % len(block_levels)
            totals = wls_var_level_by_level(block_base, block_s, block_residuals, block_levels, kept)
    totals = totals.rename(columns={SERIES_ID: "parent", MEAN: "total"})
    bottom = base[base[SERIES_ID].isin(parent_of_bottom.index)][[SERIES_ID, MONTH, MEAN]]
    start = bottom[MEAN].clip(lower=0.0)
    if shares == BY_FORECAST:
        weight = start
    elif shares == BY_ERROR:
        weight = bottom[SERIES_ID].map(_root_mean_square(residuals))
    else:
        weight = bottom[SERIES_ID].map(scales) ** 2
    bottom = bottom.assign(
        parent=bottom[SERIES_ID].map(parent_of_bottom).to_numpy(),
        start=start,
        weight=weight.fillna(0.0).to_numpy(),
    )
    bottom = bottom.merge(totals, on=["parent", MONTH], how="left", validate="many_to_one")
    family = bottom.groupby(["parent", MONTH], sort=False).ngroup().to_numpy()
    values = _shared(
        family, bottom["start"].to_numpy(), bottom["weight"].to_numpy(), bottom["total"].to_numpy()
    )
    shared = base[[SERIES_ID, MONTH]].merge(
        bottom[[SERIES_ID, MONTH]].assign(**{MEAN: values}), on=[SERIES_ID, MONTH], how="left"
    )
    return non_negative(shared.fillna({MEAN: 0.0}), s_df)


def share_scales(bottom: pd.DataFrame, cutoffs, freq: str) -> dict[pd.Timestamp, pd.Series]:
    """cutoff -> bottom node id -> its in-sample seasonal-naive MAE up to that cutoff (reconcile's `scales`).

    Args:
        bottom: the bottom level's series (unique_id, month, value).
        cutoffs: the last months of history to use.
    """
    return scales_by_cutoff(scales_up_to(bottom, cutoffs, freq))


def scales_by_cutoff(scales: pd.DataFrame) -> dict[pd.Timestamp, pd.Series]:
    """cutoff -> node id -> scale, from `scoring.scales_up_to`'s frame (reconcile's `scales` per origin)."""
    return {pd.Timestamp(c): g.set_index(SERIES_ID)[SCALE] for c, g in scales.groupby(CUTOFF, sort=True)}


def whole_history_scales(bottom: pd.DataFrame) -> pd.Series:
    """bottom node id -> its in-sample seasonal-naive MAE over all of `bottom` (unique_id, month, value)."""
    last = bottom[MONTH].max()
    return share_scales(bottom, [last], infer_freq(bottom[MONTH]))[pd.Timestamp(last)]


def _shared(family: np.ndarray, start: np.ndarray, weight: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Each child's start plus its share of its family's gap (total - the starts' sum), none below zero.

    A share is the child's weight over its family's (the forecasts' where the weights sum to zero,
    equal where those do too). A child the share would take below zero is set to zero and the rest of
    the gap is shared among the others, until none is: the solution of WLS with the parent immutable
    and the children non-negative (each round only lowers the others, so a child set to zero stays).

    Args:
        family: each child's family code (0 .. families - 1).
        start, weight: each child's non-negative start and weight.
        total: each child's family total (non-negative; the same on every child of a family).
    """
    families = int(family.max()) + 1 if len(family) else 0

    def family_sum(values: np.ndarray) -> np.ndarray:
        return np.bincount(family, weights=values, minlength=families)[family]

    zeroed = np.zeros(len(start), dtype=bool)
    while True:
        free = ~zeroed
        share, decided = np.zeros(len(start)), np.zeros(len(start), dtype=bool)
        for candidate in (weight, start, np.ones(len(start))):  # a family's first that sums above zero
            candidate = np.where(free, candidate, 0.0)
            sums = family_sum(candidate)
            share = np.where(~decided & (sums > 0), candidate / np.where(sums > 0, sums, 1.0), share)
            decided |= sums > 0
        gap = total - family_sum(np.where(free, start, 0.0))
        values = np.where(free, start + share * gap, 0.0)
        negative = free & (values < 0.0)
        if not negative.any():
            return values
        zeroed |= negative


def _root_mean_square(residuals: pd.DataFrame) -> pd.Series:
    """unique_id -> the root mean square of its residuals (actual - mean)."""
    squared = (residuals[ACTUAL] - residuals[MEAN]) ** 2
    return np.sqrt(squared.groupby(residuals[SERIES_ID]).mean())


def wls_var_keeping_top(
    base: pd.DataFrame, s_df: pd.DataFrame, residuals: pd.DataFrame, kept: list[str]
) -> pd.DataFrame:
    """WLS-var reconciliation that keeps the top nodes at their base forecasts.

    The coherent forecasts closest to the base in hierarchicalforecast's WLS-var metric W (the
    residual variances) among those whose `kept` nodes equal their base forecasts: reconciliation
    with immutable nodes (Zhang, Kang, Panagiotelis & Li 2023). With b the WLS bottom forecasts,
    M = (S' W^-1 S)^-1 and C the kept rows of S, the bottom becomes
    b + M C' (C M C')^-1 (kept base - C b). hierarchicalforecast has no immutable nodes, so only
    this correction is written here; P and W are the library's.

    Args:
        base: columns unique_id, month, mean; every node of `s_df` for every month.
        s_df: the summing matrix, top first.
        residuals: columns unique_id, month, actual, mean, for every node.
        kept: the node ids to keep (their rows must not overlap; none: plain WLS-var).

    Returns:
        Columns unique_id, month, mean, in the order of `base`; coherent and non-negative.

    Raises:
        ValueError: a kept id is not a node of `s_df` (as well as _arrays' refusals).
    """
    summing, grid, y_hat, insample = _arrays(base, s_df, residuals)
    fitted = MinTrace(method=WLS_VAR).fit(S=summing.matrix, y_hat=y_hat, **insample)
    bottom = fitted.P @ y_hat
    rows = summing.nodes.get_indexer(kept)
    if (rows < 0).any():
        unknown = [node for node, row in zip(kept, rows, strict=True) if row < 0]
        raise ValueError(f"kept node(s) {unknown[:5]}: not nodes of the summing matrix")
    if len(rows):
        kept_rows = summing.matrix[rows]
        spread = np.linalg.solve((summing.matrix.T / np.diag(fitted.W)) @ summing.matrix, kept_rows.T)
        gap = y_hat[rows] - kept_rows @ bottom
        bottom = bottom + spread @ np.linalg.solve(kept_rows @ spread, gap)
    return grid.long(base, summing.non_negative(summing.matrix @ bottom))


def wls_var_level_by_level(
    base: pd.DataFrame,
    s_df: pd.DataFrame,
    residuals: pd.DataFrame,
    levels: list[list[str]],
    kept_level: int = 0,
) -> pd.DataFrame:
    """WLS-var reconciliation one level at a time from a kept level down, each level's parents kept.

    The kept level keeps its base forecasts and the levels above it are their sums (for the top
    level, kept_level 0, there are none). Below it, the nodes that share a parent take up the gap
    between the parent's (already reconciled) forecast and their own sum in proportion to their
    residual variances: WLS-var with the parent immutable (wls_var_keeping_top) on the one-level tree
    of a parent and its children, whose solution is that closed form. Unlike reconciling the whole
    tree at once, a level is never drawn towards the sum of the levels below it: where the upper
    levels' own models forecast better than the sums of the lower ones, they keep that.
    The variances are hierarchicalforecast's WLS-var weights (the diagonal of its W).

    Args:
        base: columns unique_id, month, mean; every node of `s_df` for every month.
        s_df: the summing matrix, top first; each node below the top has one parent a level up.
        residuals: columns unique_id, month, actual, mean, for every node.
        levels: node ids per level, top first, the last the bottom of `s_df`.
        kept_level: the index in `levels` of the level kept at its base forecasts.

    Returns:
        Columns unique_id, month, mean, in the order of `base`; coherent and non-negative.
    """
    summing, grid, y_hat, insample = _arrays(base, s_df, residuals)
    variance = np.diag(MinTrace(method=WLS_VAR).fit(S=summing.matrix, y_hat=y_hat, **insample).W)
    values = y_hat.copy()
    kept = summing.nodes.get_indexer(levels[kept_level])
    for upper in levels[:kept_level]:
        up = summing.nodes.get_indexer(upper)
        values[up] = _parent_one_hot(summing.matrix[kept], summing.matrix[up]).T @ values[kept]
    for upper, lower in zip(levels[kept_level:], levels[kept_level + 1 :], strict=False):
        up, low = summing.nodes.get_indexer(upper), summing.nodes.get_indexer(lower)
        parent = _parent_one_hot(summing.matrix[low], summing.matrix[up])
        gap = values[up] - parent.T @ values[low]
        weight = variance[low]
        family_weight = parent @ (parent.T @ weight)
        family_size = parent @ parent.sum(axis=0)
        share = np.where(
            family_weight > 0, weight / np.where(family_weight > 0, family_weight, 1.0), 1.0 / family_size
        )
        values[low] = values[low] + share[:, None] * (parent @ gap)
    return grid.long(base, summing.non_negative(values))


def _parent_one_hot(children: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """children x parents, 1 where the parent's row of S covers the child's (each child has one)."""
    covered = (children @ parents.T) == children.sum(axis=1, keepdims=True)
    if not (covered.sum(axis=1) == 1).all():
        raise ValueError("level by level reconciliation needs exactly one parent per node a level up")
    return covered.astype(np.float64)


def _top_area_levels(tags: dict[str, np.ndarray]) -> list[str]:
    """The tag names of the top area's levels, bottom first (as `tags` lists them)."""
    top_area = list(tags)[-1].split("/")[0]
    return [level for level in tags if level.split("/")[0] == top_area]


def _top_block(s_df: pd.DataFrame, tags: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.Series]:
    """The top area's levels as a hierarchy of their own, and each bottom node's top-area parent.

    Returns:
        (summing matrix of the block, top first with its bottom the top-area service level;
        Series bottom id -> id of its top-area service-level node).
    """
    levels = _top_area_levels(tags)
    matrix = s_df.set_index(SERIES_ID)
    block_bottom = matrix.loc[tags[levels[0]]].to_numpy()
    rows = np.concatenate([tags[level] for level in levels[::-1]])
    overlap = matrix.loc[rows].to_numpy() @ block_bottom.T
    block = (overlap == block_bottom.sum(axis=1)).astype(float)
    block_s = pd.DataFrame(block, columns=list(tags[levels[0]]))
    block_s.insert(0, SERIES_ID, rows)
    parent = pd.Series(np.asarray(tags[levels[0]])[block_bottom.argmax(axis=0)], index=matrix.columns)
    return block_s, parent


def non_negative(forecasts: pd.DataFrame, s_df: pd.DataFrame) -> pd.DataFrame:
    """Coherent forecasts with no negative mean: the bottom clipped at zero, every node summed from it.

    Args:
        forecasts: columns unique_id, month, mean; every node of `s_df` for every month.

    Returns:
        The same rows and columns, with every node's mean the sum of its clipped bottom nodes.
    """
    summing = _Summing.of(s_df)
    grid = _Grid.of(forecasts, summing.nodes)
    return grid.long(forecasts, summing.non_negative(grid.array(forecasts[MEAN])))


def _projections(
    base: pd.DataFrame, s_df: pd.DataFrame, methods: list[str], residuals: pd.DataFrame | None
) -> dict[str, pd.DataFrame]:
    """method -> hierarchicalforecast's reconciliation of `base`, non-negative, in the order of `base`."""
    summing, grid, y_hat, insample = _arrays(base, s_df, residuals)
    return {
        method: grid.long(base, summing.non_negative(_reconciled(method, summing, y_hat, insample)))
        for method in methods
    }


def _arrays(
    base: pd.DataFrame, s_df: pd.DataFrame, residuals: pd.DataFrame | None
) -> tuple[_Summing, _Grid, np.ndarray, dict[str, np.ndarray]]:
    """S, where base's rows sit, y_hat (nodes x months) and the insample arrays, as a reconciler takes them.

    Raises:
        ValueError: S's bottom is not the identity, or a node lacks a base forecast for a month.
    """
    summing = _Summing.of(s_df)
    summing.check_bottom_identity()
    grid = _Grid.of(base, summing.nodes)
    if len(base) != grid.shape[0] * grid.shape[1] or base[MEAN].isna().any():
        raise ValueError("base forecasts: every node of the summing matrix needs a mean for every month")
    insample = {} if residuals is None else _insample(residuals, summing.nodes)
    return summing, grid, grid.array(base[MEAN]), insample


_STRUCTURAL = (WLS_STRUCT, OLS)
"""MinTrace methods whose projection P depends on the summing matrix alone."""
_structural_projections: dict[tuple[str, bytes], np.ndarray] = {}
"""(method, digest of S) -> P, kept across calls: training reconciles one hierarchy a dozen times."""


def _reconciled(
    method: str, summing: _Summing, y_hat: np.ndarray, insample: dict[str, np.ndarray]
) -> np.ndarray:
    """hierarchicalforecast's reconciled means of `y_hat` (nodes x months), the same shape.

    `wls_struct` and `ols` are fitted once per summing matrix; their forecasts are S @ (P @ y_hat),
    as the reconciler's own `predict` computes them.
    """
    if method not in _STRUCTURAL:
        return _reconciler(method).fit_predict(S=summing.matrix, y_hat=y_hat, **insample)["mean"]
    key = (method, summing.digest)
    if key not in _structural_projections:
        if len(_structural_projections) >= 2 * len(_STRUCTURAL):
            _structural_projections.clear()
        _structural_projections[key] = _reconciler(method).fit(S=summing.matrix, y_hat=y_hat).P
    return summing.matrix @ (_structural_projections[key] @ y_hat)


def _insample(residuals: pd.DataFrame, nodes: pd.Index) -> dict[str, np.ndarray]:
    """y_insample (actuals) and y_hat_insample (past forecasts): nodes x every residual month, NaN gaps."""
    missing = set(nodes) - set(residuals[SERIES_ID])
    if missing:
        raise ValueError(f"residuals: no row for node(s) {sorted(missing)[:5]}")
    grid = _Grid.of(residuals, nodes)
    return {"y_insample": grid.array(residuals[ACTUAL]), "y_hat_insample": grid.array(residuals[MEAN])}


@dataclass(frozen=True)
class _Summing:
    """The summing matrix as HierarchicalReconciliation hands it to a reconciler.

    Attributes:
        nodes: node ids, top first, bottom last (the rows).
        matrix: S, nodes x bottom nodes, float.
        bottom: the row of each bottom node (each column of S).
    """

    nodes: pd.Index
    matrix: np.ndarray
    bottom: np.ndarray

    @classmethod
    def of(cls, s_df: pd.DataFrame) -> _Summing:
        nodes = pd.Index(s_df[SERIES_ID])
        columns = s_df.drop(columns=SERIES_ID)
        matrix = columns.to_numpy().astype(np.float64, copy=False)
        return cls(nodes, matrix, nodes.get_indexer(columns.columns))

    def check_bottom_identity(self) -> None:
        n = self.matrix.shape[1]
        lowest = self.matrix[-n:]
        if np.count_nonzero(lowest) != n or not (np.diagonal(lowest) == 1).all():
            raise ValueError(f"The bottom {n}x{n} part of S must be an identity matrix.")

    @cached_property
    def digest(self) -> bytes:
        """A fingerprint of S's shape and content."""
        content = hashlib.blake2b(np.ascontiguousarray(self.matrix).data, digest_size=16)
        return repr(self.matrix.shape).encode() + content.digest()

    def non_negative(self, values: np.ndarray) -> np.ndarray:
        """Every node the sum of its bottom nodes' `values` (nodes x months) clipped at zero."""
        clipped = values[self.bottom].clip(min=0.0)
        return (clipped.T @ self.matrix.T).T


@dataclass(frozen=True)
class _Grid:
    """Where each row of a long frame (unique_id, month) sits in a nodes x months array.

    Attributes:
        rows, columns: each frame row's node (its row of S) and month (in time order).
        shape: (number of nodes, number of months).
    """

    rows: np.ndarray
    columns: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, frame: pd.DataFrame, nodes: pd.Index) -> _Grid:
        rows = nodes.get_indexer(frame[SERIES_ID])
        if (rows < 0).any():
            unknown = frame[SERIES_ID][rows < 0].iloc[0]
            raise ValueError(f"unique_id {unknown!r}: not a node of the summing matrix")
        months, columns = np.unique(frame[MONTH].to_numpy(), return_inverse=True)
        if len(np.unique(rows * len(months) + columns)) < len(frame):
            raise ValueError("more than one row for the same unique_id and month")
        return cls(rows, columns, (len(nodes), len(months)))

    def array(self, values: pd.Series) -> np.ndarray:
        """nodes x months, C-ordered float; NaN where the frame has no row."""
        out = np.full(self.shape, np.nan)
        out[self.rows, self.columns] = values.to_numpy(dtype=np.float64)
        return out

    def long(self, frame: pd.DataFrame, wide: np.ndarray) -> pd.DataFrame:
        """Columns unique_id, month of `frame` (a fresh index) and mean read from `wide` (nodes x months)."""
        keys = frame[[SERIES_ID, MONTH]].reset_index(drop=True)
        return keys.assign(**{MEAN: wide[self.rows, self.columns]})
