"""Atomic writes for every file the service or a person reads: the old file or the new one, never half."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

PARQUET_SUFFIXES = (".parquet", ".pq")


def write_atomically(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call `write` on a fresh path in a temporary folder beside `path`, then rename it into place.

    The temporary file has the target's name (some writers, such as GeoJSON, choose their format
    from it and refuse to overwrite) and lives on the same file system, so the rename is atomic.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as folder:
        temporary = Path(folder) / target.name
        write(temporary)
        os.replace(temporary, target)
    return target


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write `frame` without its index, as Parquet or CSV by the path's suffix, atomically."""
    if Path(path).suffix.lower() in PARQUET_SUFFIXES:
        return write_atomically(path, lambda temporary: frame.to_parquet(temporary, index=False))
    return write_atomically(path, lambda temporary: frame.to_csv(temporary, index=False))
