"""Secondary (complementary) suppression: no hidden cell may be recovered from a published total.

A total over a group of cells gives away a hidden cell when it is the only hidden cell in the
group (total minus the visible cells). So every group with exactly one hidden cell gets a second
one hidden: the smallest visible non-zero cell (a zero only when nothing else is left), which
loses the least information. Hiding a cell can break another group, so the step repeats over all
families of totals until nothing changes; the hidden set only grows, so this ends.

Cells are a flat array; each family of totals is an array of group ids, one per cell (-1: the
cell is in no published total of that family).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ComplementarySuppression:
    """The cells hidden to protect others, and the totals that cannot be protected by hiding cells."""

    hidden: np.ndarray
    """Cells hidden as complements (booleans, one per cell)."""
    n_exposing_totals: int
    """Totals over a single cell that is hidden: the total itself must not be published."""
    n_passes: int


def complementary_suppression(
    values: np.ndarray, hidden: np.ndarray, families: Sequence[np.ndarray]
) -> ComplementarySuppression:
    """Cells to hide so that every published total covers zero or at least two hidden cells.

    Args:
        values: cell values (NaN for cells that are missing, which count as hidden).
        hidden: cells already hidden (primary suppression).
        families: per family of totals, a group id per cell (-1 for cells in no total).
    """
    now_hidden = hidden | np.isnan(values)
    n_passes = 0
    while True:
        n_passes += 1
        before = int(now_hidden.sum())
        for groups in families:
            now_hidden = _hide_complements(values, now_hidden, groups)
        if int(now_hidden.sum()) == before:
            break
    suppressed = now_hidden & ~np.isnan(values)
    exposing = sum(_n_exposing_totals(suppressed, groups) for groups in families)
    return ComplementarySuppression(now_hidden & ~hidden & ~np.isnan(values), exposing, n_passes)


def hidden_counts_per_total(hidden: np.ndarray, groups: np.ndarray) -> pd.DataFrame:
    """Per total (group id): `n_cells` it covers and `n_hidden` hidden among them."""
    n_cells, n_hidden = _cells_and_hidden(hidden, groups)
    present = np.flatnonzero(n_cells)
    return pd.DataFrame({"n_cells": n_cells[present], "n_hidden": n_hidden[present]},
                        index=pd.Index(present, name="group"))


def group_ids(table: pd.DataFrame, keys: Sequence[str], n_columns: int) -> np.ndarray:
    """Group ids for the cells of a wide table (row-major over `n_columns` value columns).

    Rows sharing `keys` form one total per value column (empty `keys`: the column total).
    """
    rows = table.groupby(list(keys), sort=False, dropna=False).ngroup().to_numpy() if keys else np.zeros(
        len(table), dtype=np.int64
    )
    return (rows[:, None] * n_columns + np.arange(n_columns)[None, :]).ravel()


def row_group_ids(n_rows: int, n_columns: int) -> np.ndarray:
    """Group ids for the cells of a wide table whose row totals (across value columns) are published."""
    return np.repeat(np.arange(n_rows), n_columns)


def _hide_complements(values: np.ndarray, hidden: np.ndarray, groups: np.ndarray) -> np.ndarray:
    inside = groups >= 0
    if not inside.any():
        return hidden
    n_cells, n_hidden = _cells_and_hidden(hidden, groups)
    lone = (n_hidden == 1) & (n_cells >= 2)
    candidates = np.flatnonzero(inside & ~hidden & lone[np.where(inside, groups, 0)])
    if len(candidates) == 0:
        return hidden
    order = np.lexsort((candidates, values[candidates], values[candidates] == 0, groups[candidates]))
    ordered = candidates[order]
    _, first = np.unique(groups[ordered], return_index=True)
    updated = hidden.copy()
    updated[ordered[first]] = True
    return updated


def _n_exposing_totals(hidden: np.ndarray, groups: np.ndarray) -> int:
    n_cells, n_hidden = _cells_and_hidden(hidden, groups)
    return int(((n_cells == 1) & (n_hidden == 1)).sum())


def _cells_and_hidden(hidden: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    inside = groups >= 0
    n_groups = int(groups.max()) + 1 if inside.any() else 0
    n_cells = np.bincount(groups[inside], minlength=n_groups)
    return n_cells, np.bincount(groups[inside & hidden], minlength=n_groups)
