"""What a training run publishes from its backtest: the metrics table and the keyed backtest frame."""

from __future__ import annotations

import pandas as pd

from demandcast.columns import (
    ACTUAL,
    AREA,
    CLIENT_GROUP,
    CUTOFF,
    HORIZON_STEP,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
)
from demandcast.models.hierarchy import NODE_KEYS
from demandcast.models.selection import CHOSEN, RECONCILED, reconciled_column


def metrics_table(scores, method_scores, coverage, chosen, method) -> dict:
    """level -> model -> {mase, wape, bias, [coverage_L, width_L]}: every model, chosen, reconciled."""
    table = {}
    for level, frame in scores.items():
        rows = {name: frame.loc[name].to_dict() for name in frame.index}
        reconciled = method_scores[level]
        rows[CHOSEN] = {**reconciled.loc[CHOSEN].to_dict(), "model": chosen[level]}
        for name in reconciled.index.drop(CHOSEN):
            rows[name] = reconciled.loc[name].to_dict()
        rows[RECONCILED] = {
            **reconciled.loc[reconciled_column(method)].to_dict(),
            **coverage[level],
            "method": method,
        }
        table[level] = rows
    return table


def public_backtest(backtest: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """The backtest as DIR/backtest.parquet publishes it: node keys first, then cutoff, step, month,
    actual and one column per model (internal series ids and level names dropped)."""
    keyed = backtest.drop(columns=[c for c in (AREA, CLIENT_GROUP, SERVICE, MEASURE) if c in backtest])
    keyed = keyed.merge(nodes[[SERIES_ID, *NODE_KEYS]], on=SERIES_ID, how="left")
    first = [*NODE_KEYS, CUTOFF, HORIZON_STEP, MONTH, ACTUAL]
    rest = [c for c in keyed.columns if c not in first and c not in (SERIES_ID, "level")]
    return keyed[first + rest]
