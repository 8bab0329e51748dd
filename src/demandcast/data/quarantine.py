"""The quarantine: rows that cannot be used, each with every reason, and the count per reason."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from demandcast.columns import PACKAGE_ID
from demandcast.data.record_schema import ROW_NUMBER

REASONS = "reasons"
REASON = "reason"
COUNT = "count"
REASON_SEPARATOR = "; "


def quarantine_frame(raw: pd.DataFrame, problems: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The rows of `raw` with at least one problem: row_number, package_id, reasons, then the originals.

    Args:
        raw: the records as received (strings); row ``i`` (0-based position) is data row ``i + 1``.
        problems: reason -> boolean mask over the rows of `raw`, in the order reasons are listed.

    Returns:
        Columns ``row_number``, ``package_id`` (when `raw` has it), ``reasons`` ('; '-joined), then
        every other column of `raw` with its original string value.
    """
    names = np.array(list(problems), dtype=object)
    flags = np.column_stack(list(problems.values())) if problems else np.zeros((len(raw), 0), dtype=bool)
    bad = flags.any(axis=1)
    rows = raw.loc[bad]
    reasons = [REASON_SEPARATOR.join(names[row]) for row in flags[bad]]
    keys = {ROW_NUMBER: np.flatnonzero(bad) + 1}
    if PACKAGE_ID in raw.columns:
        keys[PACKAGE_ID] = rows[PACKAGE_ID].to_numpy()
    keys[REASONS] = np.array(reasons, dtype=object)
    originals = {name: rows[name].to_numpy() for name in raw.columns if name not in keys}
    frame = pd.DataFrame({**keys, **originals})
    return frame.astype({name: str for name in frame.columns if name != ROW_NUMBER})


def reason_counts(problems: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """How many rows each reason applies to (columns ``reason``, ``count``), most frequent first."""
    counts = pd.DataFrame(
        {REASON: list(problems), COUNT: [int(mask.sum()) for mask in problems.values()]}
    ).astype({REASON: str, COUNT: "int64"})
    return counts.sort_values([COUNT, REASON], ascending=[False, True], kind="stable").reset_index(drop=True)


