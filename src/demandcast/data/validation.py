"""Validate a records extract so that every row is accounted for: accepted, or quarantined with reasons.

Every command that reads records calls `load_records`. The invariant, always:
``result.n_input == len(result.accepted) + len(result.quarantine)``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from demandcast.catalogue import Catalogue
from demandcast.checks.identifiers import refuse_identifiers
from demandcast.columns import (
    BIRTH_YEAR,
    CLIENT_GROUP,
    END_DATE,
    OPTIONAL_RECORD_COLUMNS,
    PERSON_ID,
    REQUIRED_RECORD_COLUMNS,
    SERVICE,
    START_DATE,
    UNIT_COST,
    UNITS_PER_WEEK,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.parsing import cleaned
from demandcast.data.quarantine import quarantine_frame, reason_counts
from demandcast.data.record_checks import ParsedRecords, derived_weekly_cost, parse_records, row_problems
from demandcast.data.record_schema import ROW_NUMBER, accepted_records_schema
from demandcast.data.records import AS_OF_ATTR, read_records
from demandcast.errors import InputError
from demandcast.files import write_atomically


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of validating one extract.

    Attributes:
        accepted: typed records indexed by their 1-based input row number (``row_number``).
        quarantine: rejected rows: row_number, package_id (when present), reasons, original values.
        summary: columns ``reason`` and ``count``: how many rows each reason applies to.
        n_input: rows in the input.
        as_of: the extract date that starts were checked against.
    """

    accepted: pd.DataFrame
    quarantine: pd.DataFrame
    summary: pd.DataFrame
    n_input: int
    as_of: pd.Timestamp

    @property
    def all_accepted(self) -> bool:
        """Whether no row was quarantined."""
        return self.quarantine.empty


def load_records(
    path: str | Path,
    *,
    wards: Collection[str],
    catalogue: Catalogue,
    as_of: object = None,
    mapping: str | Path | None = None,
) -> ValidationResult:
    """Read and validate a records file; `as_of` falls back to the extract date stored in the file.

    Raises:
        InputError: when the file, the mapping or a required column is unusable, or when the file
            holds direct identifiers (names, NHS numbers, postcodes, dates of birth, emails, phones).
    """
    raw = read_records(path, mapping=mapping)
    refuse_identifiers(raw, source=str(path))
    if as_of is None:
        as_of = raw.attrs.get(AS_OF_ATTR)
    return validate_records(raw, wards=wards, catalogue=catalogue, as_of=as_of, source=str(path))


def validate_records(
    raw: pd.DataFrame,
    *,
    wards: Collection[str],
    catalogue: Catalogue,
    as_of: object = None,
    source: str = "records",
) -> ValidationResult:
    """Split string records into typed accepted rows and a quarantine listing every reason per row.

    Args:
        raw: records as strings (as `read_records` returns them), with the required columns
            person_id, ward_code, client_group, service, start_date, end_date and weekly_cost
            (weekly_cost may be absent when unit_cost and units_per_week are present). Row ``i``
            (0-based position) is input row ``i + 1``.
        wards: the ward codes a ward_code must be one of.
        catalogue: the services and the client groups each serves.
        as_of: the extract date; starts after it are quarantined. Default: the latest date in the file.
        source: how to name the input in error messages.

    Raises:
        InputError: naming every missing required column, or an unusable `as_of` or ward list.
    """
    _require_columns(raw, source)
    if len(wards) == 0:
        raise InputError(f"{source}: no ward codes to check ward_code against")
    raw = raw.reset_index(drop=True)
    parsed = parse_records(raw, as_of=_as_timestamp(as_of, source))
    problems = row_problems(raw, parsed, wards=wards, catalogue=catalogue)
    rejected = np.logical_or.reduce(list(problems.values())) if problems else np.zeros(len(raw), dtype=bool)
    accepted = _typed_records(raw, parsed).loc[~rejected]
    accepted_records_schema(wards, catalogue).validate(accepted, lazy=True)
    return ValidationResult(
        accepted=accepted,
        quarantine=quarantine_frame(raw, problems),
        summary=reason_counts(problems),
        n_input=len(raw),
        as_of=parsed.as_of,
    )


def write_quarantine(result: ValidationResult, path: str | Path) -> Path:
    """Write the result's quarantine to CSV atomically (header only when nothing was quarantined)."""
    return write_atomically(path, lambda temporary: result.quarantine.to_csv(temporary, index=False))


def _require_columns(raw: pd.DataFrame, source: str) -> None:
    present = set(raw.columns)
    derivable = {UNIT_COST, UNITS_PER_WEEK} <= present
    missing = [
        c for c in REQUIRED_RECORD_COLUMNS if c not in present and not (c == WEEKLY_COST and derivable)
    ]
    if missing:
        raise InputError(
            f"{source}: missing required columns: {', '.join(missing)} "
            f"(required: {', '.join(REQUIRED_RECORD_COLUMNS)}; a column-mapping file can rename yours)"
        )


def _as_timestamp(as_of: object, source: str) -> pd.Timestamp | None:
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return None
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError) as error:
        raise InputError(f"{source}: the extract date {as_of!r} is not a date") from error
    if pd.isna(stamp):
        raise InputError(f"{source}: the extract date {as_of!r} is not a date")
    return stamp


def _typed_records(raw: pd.DataFrame, parsed: ParsedRecords) -> pd.DataFrame:
    """All rows typed (unusable values as NaT/NaN), indexed by 1-based row number."""
    typed = {column: cleaned(raw[column]) for column in (PERSON_ID, WARD_CODE, CLIENT_GROUP, SERVICE)}
    typed |= {
        START_DATE: parsed.start.dates,
        END_DATE: parsed.end.dates,
        WEEKLY_COST: derived_weekly_cost(parsed),
    }
    numbers = {UNIT_COST: parsed.unit_cost, UNITS_PER_WEEK: parsed.units_per_week}
    for column in (c for c in OPTIONAL_RECORD_COLUMNS if c in raw.columns):
        if column == BIRTH_YEAR:
            years = parsed.birth_year.numbers
            typed[column] = years.where(years.abs() < 10_000).round().astype("Int64")
        elif column in numbers:
            typed[column] = numbers[column].numbers
        else:
            text = cleaned(raw[column])
            typed[column] = text.where(text != "")
    frame = pd.DataFrame(typed)
    frame.index = pd.RangeIndex(1, len(raw) + 1, name=ROW_NUMBER)
    return frame
