"""Caseload, starts and cost per (cell, month), computed on plain arrays without Python loops.

A cell is one ward x (client_group, service) pair, numbered 0..n_cells-1; months are numbered
0..n_months-1 from the first month of the panel window. Every function returns a flat float64 array
of length n_cells * n_months, indexed by `cell * n_months + month`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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


def caseload(spans: RecordSpans, n_cells: int, n_months: int) -> np.ndarray:
    """Distinct persons with a record active in each (cell, month).

    Each person's records in a cell are merged into disjoint runs of months first (sorting records,
    not record-months), so a person is counted once however many packages overlap.
    """
    first = np.maximum(spans.start_month, 0)
    last = np.minimum(spans.end_month, n_months - 1)
    n_persons = int(spans.person.max()) + 1 if len(spans.person) else 1
    person_in_cell = spans.cell * n_persons + spans.person
    order = np.lexsort((first, person_in_cell))
    person_in_cell, first, last = person_in_cell[order], first[order], last[order]
    from_month = np.maximum(first, _end_of_earlier_runs(person_in_cell, last, n_months) + 1)
    counted = from_month <= last
    cell = person_in_cell[counted] // n_persons
    return _run_counts(cell, from_month[counted], last[counted], n_cells, n_months)


def starts(spans: RecordSpans, n_cells: int, n_months: int, counted: np.ndarray | None = None) -> np.ndarray:
    """Records whose start day falls in each (cell, month); only the `counted` ones where given."""
    in_window = (spans.start_month >= 0) & (spans.start_month < n_months)
    if counted is not None:
        in_window &= counted
    cell_month = spans.cell[in_window] * n_months + spans.start_month[in_window]
    return _totals(cell_month, n_cells * n_months)


def cost(spans: RecordSpans, month_days: tuple[np.ndarray, np.ndarray], n_cells: int) -> np.ndarray:
    """Weekly cost x active days inside each (cell, month) / 7.

    The records are added in one order whatever the extract's: by cell, weekly cost, start and end
    (records equal in all four add equal amounts). Floating-point addition is not associative, and
    the same extract sorted another way would otherwise change the sums' last bits, which the cost
    models' fitted starting states turn into forecasts that differ by tenths of a percent
    (benchmarks/holdout.md, decision 60).

    Args:
        month_days: first and last day number of each window month.
    """
    first_days, last_days = month_days
    n_months = len(first_days)
    in_order = np.lexsort((spans.end_day, spans.start_day, spans.weekly_cost, spans.cell))
    spans = RecordSpans(**{field.name: getattr(spans, field.name)[in_order] for field in fields(spans)})
    active = active_months(spans, n_months)
    from_day = np.maximum(spans.start_day[active.record], first_days[active.month])
    to_day = np.minimum(spans.end_day[active.record], last_days[active.month])
    days_inside = (to_day - from_day + 1).astype(np.float64)
    cell_month = spans.cell[active.record] * n_months + active.month
    weights = spans.weekly_cost[active.record] * days_inside / 7.0
    return _totals(cell_month, n_cells * n_months, weights=weights)


def _end_of_earlier_runs(group: np.ndarray, last: np.ndarray, n_months: int) -> np.ndarray:
    """For records sorted by group then first month: the latest last month of earlier records in the
    same group, or -1 for a group's first record."""
    new_group = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, dtype=bool)
    # Lifting each group above the ones before lets one running maximum serve every group.
    lift = (np.cumsum(new_group) - 1) * (n_months + 1)
    running_last = np.maximum.accumulate(last + lift) - lift if len(group) else last
    earlier = np.r_[-1, running_last[:-1]] if len(group) else last
    return np.where(new_group, -1, earlier)


def _run_counts(
    cell: np.ndarray, from_month: np.ndarray, to_month: np.ndarray, n_cells: int, n_months: int
) -> np.ndarray:
    """How many runs [from_month, to_month] cover each (cell, month), from a difference array."""
    width = n_months + 1
    size = n_cells * width
    opened = np.bincount(cell * width + from_month, minlength=size)
    closed = np.bincount(cell * width + to_month + 1, minlength=size)
    covering = np.cumsum((opened - closed).reshape(n_cells, width), axis=1)[:, :n_months]
    return covering.reshape(-1).astype(np.float64)


def _totals(index: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64)
