"""Caseload, starts and cost per (cell, month), computed on plain arrays without Python loops.

A cell is one ward x (client_group, service) pair, numbered 0..n_cells-1; months are numbered
0..n_months-1 from the first month of the panel window. Every function returns a flat float64 array
of length n_cells * n_months, indexed by `cell * n_months + month`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RecordSpans:
    """Records as arrays, clipped to the panel window.

    Attributes:
        cell: cell number of each record.
        person: integer code of each record's person_id.
        start_day, end_day: first and last active day (days since 1970-01-01, end inclusive);
            open records end on the last day of the window.
        start_month, end_month: window month numbers of those days (may fall outside 0..n_months-1).
        weekly_cost: cost per week.
    """

    cell: np.ndarray
    person: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray
    start_month: np.ndarray
    end_month: np.ndarray
    weekly_cost: np.ndarray


@dataclass(frozen=True)
class ActiveMonths:
    """One row per (record, window month) in which the record is active on at least one day."""

    record: np.ndarray
    month: np.ndarray


def active_months(spans: RecordSpans, n_months: int) -> ActiveMonths:
    """Expand each record into the window months it touches (numpy repeat, no loop over records)."""
    first = np.maximum(spans.start_month, 0)
    last = np.minimum(spans.end_month, n_months - 1)
    lengths = np.maximum(last - first + 1, 0)
    record = np.repeat(np.arange(len(lengths)), lengths)
    offsets = np.cumsum(lengths) - lengths
    step_within_record = np.arange(len(record)) - np.repeat(offsets, lengths)
    return ActiveMonths(record=record, month=first[record] + step_within_record)


def caseload(spans: RecordSpans, active: ActiveMonths, n_cells: int, n_months: int) -> np.ndarray:
    """Distinct persons with a record active in each (cell, month)."""
    cell_month = spans.cell[active.record] * n_months + active.month
    n_persons = int(spans.person.max()) + 1 if len(spans.person) else 1
    person_cell_month = np.unique(cell_month * n_persons + spans.person[active.record])
    return _totals(person_cell_month // n_persons, n_cells * n_months)


def starts(spans: RecordSpans, n_cells: int, n_months: int) -> np.ndarray:
    """Records whose start day falls in each (cell, month)."""
    in_window = (spans.start_month >= 0) & (spans.start_month < n_months)
    cell_month = spans.cell[in_window] * n_months + spans.start_month[in_window]
    return _totals(cell_month, n_cells * n_months)


def cost(
    spans: RecordSpans,
    active: ActiveMonths,
    month_days: tuple[np.ndarray, np.ndarray],
    n_cells: int,
) -> np.ndarray:
    """Weekly cost x active days inside each (cell, month) / 7.

    Args:
        month_days: first and last day number of each window month.
    """
    first_days, last_days = month_days
    n_months = len(first_days)
    from_day = np.maximum(spans.start_day[active.record], first_days[active.month])
    to_day = np.minimum(spans.end_day[active.record], last_days[active.month])
    days_inside = (to_day - from_day + 1).astype(np.float64)
    cell_month = spans.cell[active.record] * n_months + active.month
    weights = spans.weekly_cost[active.record] * days_inside / 7.0
    return _totals(cell_month, n_cells * n_months, weights=weights)


def _totals(index: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64)
