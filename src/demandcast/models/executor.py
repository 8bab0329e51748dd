"""One interface for mapping a function over independent items (series, groups, windows).

Model code calls `executor.map(fn, items)` and never knows where the work runs, so a
distributed engine (Dask, Ray, Spark) can be plugged in later by writing one more class
with the same `map`. `fn` and the items must be picklable for anything but the serial one,
and `map` may be called from a thread other than the main one (training maps the final fits
from a background thread while it reconciles).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from demandcast.errors import InputError

QUIET_LOGGERS: tuple[str, ...] = ("cmdstanpy",)
"""Loggers disabled in every worker: cmdstanpy prints two INFO lines per Prophet fit."""


@runtime_checkable
class Executor(Protocol):
    """Anything that maps a function over items and returns the results in order."""

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """`[fn(item) for item in items]`, wherever it runs."""
        ...


@dataclass(frozen=True)
class SerialExecutor:
    """Runs everything in this process, in order."""

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """`[fn(item) for item in items]`."""
        return [fn(item) for item in items]


@dataclass(frozen=True)
class ProcessExecutor:
    """Runs chunks of items in `n_jobs` local worker processes (joblib's loky backend).

    Items are split into about `chunks_per_job * n_jobs` contiguous chunks so that thousands of
    small fits cost a few dozen round trips, not thousands, while up to that many heavy items
    (training's 27 level jobs) go one per chunk. Items are handed out largest first (by the data
    rows they carry, `largest_first`), so the longest jobs start early and the workers finish
    together rather than one waiting on a long job handed out last. Workers are reused across calls.

    Attributes:
        n_jobs: number of worker processes (>= 1).
        chunks_per_job: chunks handed to each worker, for load balancing (>= 1).
    """

    n_jobs: int = 2
    chunks_per_job: int = 16

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """`[fn(item) for item in items]`, computed in worker processes, in order."""
        if self.n_jobs < 1 or self.chunks_per_job < 1:
            raise InputError(f"n_jobs and chunks_per_job must be >= 1: {self.n_jobs}, {self.chunks_per_job}")
        items = list(items)
        if not items:
            return []
        order = largest_first(items)
        chunks = _chunks([items[i] for i in order], self.n_jobs * self.chunks_per_job)
        parallel = Parallel(n_jobs=self.n_jobs, backend="loky")
        results = parallel(delayed(_run_chunk)(fn, chunk) for chunk in chunks)
        in_dispatch_order = [result for chunk_results in results for result in chunk_results]
        in_item_order: list[Any] = [None] * len(items)
        for position, result in zip(order, in_dispatch_order, strict=True):
            in_item_order[position] = result
        return in_item_order


def largest_first(items: Sequence[Any]) -> list[int]:
    """Positions of `items` from the one carrying the most data rows to the least (ties keep their order).

    The rows an item carries (those of the frames and arrays in it, see `data_rows`) stand for the
    work it takes: a level's backtest grows with its series times months.
    """
    sizes = [data_rows(item) for item in items]
    return sorted(range(len(items)), key=lambda position: -sizes[position])


def data_rows(item: Any) -> int:
    """Rows of the frames and arrays in `item`, or in a tuple or list of them; 0 for anything else."""
    if isinstance(item, tuple | list):
        return sum(_rows(part) for part in item)
    return _rows(item)


def _rows(part: Any) -> int:
    return len(part) if isinstance(part, pd.DataFrame | pd.Series | np.ndarray) and np.ndim(part) else 0


def _run_chunk(fn: Callable[[Any], Any], chunk: list[Any]) -> list[Any]:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).disabled = True
    with threadpool_limits(limits=1):  # one process per core already; more BLAS threads only contend
        return [fn(item) for item in chunk]


def _chunks(items: list[Any], n_chunks: int) -> list[list[Any]]:
    size = -(-len(items) // n_chunks)
    return [items[start : start + size] for start in range(0, len(items), size)]
