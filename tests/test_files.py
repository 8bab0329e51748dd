"""Atomic writes: the target appears whole, nothing temporary is left, a failed write keeps the old file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from demandcast.files import write_atomically, write_table

FRAME = pd.DataFrame({"ward_code": ["E05011118", "E05011119"], "value": [1.5, 0.0]})


@pytest.mark.parametrize("name", ["table.parquet", "table.csv"])
def test_write_table_round_trips_by_suffix_and_leaves_nothing_else(tmp_path: Path, name: str) -> None:
    path = write_table(FRAME, tmp_path / "out" / name)
    read = pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)
    pd.testing.assert_frame_equal(read, FRAME, check_dtype=False)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [name]


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "forecasts.csv"
    target.write_text("previous\n")

    def half_write(temporary: Path) -> None:
        temporary.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, half_write)
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["forecasts.csv"]
