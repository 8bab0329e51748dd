"""The default demo city is a clean extract: every row passes validation and no identifier is refused."""

from __future__ import annotations

import pandas as pd

from demandcast.catalogue import load_catalogue
from demandcast.checks.identifiers import scan_identifiers
from demandcast.columns import BIRTH_YEAR
from demandcast.data.records import frame_as_strings
from demandcast.data.validation import validate_records
from demandcast.data.wards import load_wards


def test_every_demo_row_is_accepted(demo_records: pd.DataFrame) -> None:
    result = validate_records(
        frame_as_strings(demo_records),
        wards=load_wards()["ward_code"].tolist(),
        catalogue=load_catalogue(),
        as_of="2026-03-31",
    )
    assert len(result.quarantine) == 0, result.summary.to_string()
    assert len(result.accepted) == len(demo_records)


def test_nobody_in_the_demo_was_born_before_1906(demo_records: pd.DataFrame) -> None:
    assert demo_records[BIRTH_YEAR].min() >= 1906


def test_the_demo_holds_no_direct_identifiers(demo_records: pd.DataFrame) -> None:
    assert scan_identifiers(demo_records).empty
