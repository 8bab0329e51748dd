"""Inject the quirks of real council extracts into clean records, with a manifest of what went where.

Used by the tests (every injected defect must be caught with its reason, and nothing lost) and by
``demandcast generate --dirty``. Quirks come from real case-management and statutory extracts:
duplicated agreements, open or "NULL" end dates, UK-style dates, unparseable and impossible dates,
ends before starts, missing / non-numeric / negative / infinite costs, retired ward codes, service
codes the catalogue does not know or that belong to the other client group, missing person ids,
starts after the extract date, and overlapping agreements for one person (valid: they must be
accepted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandcast.catalogue import Catalogue, load_catalogue
from demandcast.columns import (
    CLIENT_GROUP,
    END_DATE,
    PACKAGE_ID,
    PERSON_ID,
    SERVICE,
    START_DATE,
    UNIT_COST,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data import record_checks as reasons
from demandcast.data.record_schema import ROW_NUMBER
from demandcast.data.records import AS_OF_ATTR, frame_as_strings

QUIRK = "quirk"
EXPECTED_REASON = "expected_reason"
"""Manifest column: the reason validation must give the row, or '' when the row must be accepted."""

DUPLICATE = "duplicate"
OVERLAPPING_AGREEMENT = "overlapping_agreement"


@dataclass(frozen=True)
class _Context:
    as_of: pd.Timestamp
    catalogue: Catalogue
    ward_codes: frozenset[str]
    rng: np.random.Generator


Mutation = Callable[[pd.DataFrame, _Context], pd.DataFrame]


def inject_quirks(
    records: pd.DataFrame, seed: int, *, share: float = 0.01
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dirty copies of clean `records` and a manifest of every quirk injected.

    Args:
        records: clean typed records (required columns, optional ones kept), every row valid.
            The extract date is ``records.attrs["as_of"]`` when set, else the latest date in them.
        seed: makes the result deterministic.
        share: fraction of rows given each quirk (at least one row per quirk).

    Returns:
        ``(dirty, manifest)``: `dirty` has every column as strings, in shuffled order, with
        ``attrs["as_of"]`` set; `manifest` has columns row_number (1-based row of `dirty`),
        quirk and expected_reason ('' for quirks that are valid and must be accepted).

    Raises:
        ValueError: when `records` has too few rows to give every quirk a row of its own.
    """
    needed = 2 * len(_IN_PLACE) + 2
    if len(records) < needed:
        raise ValueError(f"records: need at least {needed} rows to inject every quirk, got {len(records)}")
    context = _context(records, seed)
    text = frame_as_strings(records).reset_index(drop=True)
    per_quirk = max(1, round(share * len(text)))
    picked = context.rng.permutation(len(text))
    chunks = [picked[i * per_quirk : (i + 1) * per_quirk] for i in range(len(_IN_PLACE) + 2)]
    quirks = np.full(len(text), "", dtype=object)
    for (quirk, mutate), rows in zip(_IN_PLACE.items(), chunks[: len(_IN_PLACE)], strict=True):
        text.loc[rows] = mutate(text.loc[rows], context).to_numpy()
        quirks[rows] = quirk
    duplicates = text.loc[chunks[-2]].assign(**{_ORIGIN: chunks[-2]})
    overlaps = _overlapping(text.loc[chunks[-1]], context).assign(**{_ORIGIN: chunks[-1]})
    dirty, quirk_of_row = _shuffled(text, quirks, duplicates, overlaps, context.rng)
    dirty.attrs = {AS_OF_ATTR: f"{context.as_of:%Y-%m-%d}"}
    return dirty, _manifest(quirk_of_row)


def _context(records: pd.DataFrame, seed: int) -> _Context:
    stated = records.attrs.get(AS_OF_ATTR)
    latest = pd.concat([records[START_DATE], records[END_DATE]]).max()
    return _Context(
        as_of=pd.Timestamp(stated if stated is not None else latest).normalize(),
        catalogue=load_catalogue(),
        ward_codes=frozenset(records[WARD_CODE].astype(str)),
        rng=np.random.default_rng(seed),
    )


def _set(column: str, value: Callable[[pd.DataFrame, _Context], object]) -> Mutation:
    def mutate(rows: pd.DataFrame, context: _Context) -> pd.DataFrame:
        return rows.assign(**{column: value(rows, context)})

    return mutate


def _pick(options: list[str]) -> Callable[[pd.DataFrame, _Context], list[str]]:
    return lambda rows, context: list(context.rng.choice(options, size=len(rows)))


def _dates(rows: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(rows[column], format="%Y-%m-%d")


def _uk_start(rows: pd.DataFrame, _: _Context) -> pd.Series:
    return _dates(rows, START_DATE).dt.strftime("%d/%m/%Y")


def _impossible(rows: pd.DataFrame, context: _Context) -> list[str]:
    years = _dates(rows, START_DATE).dt.year
    return [f"{year}-02-30" if context.rng.random() < 0.7 else "1899-12-31" for year in years]


def _end_before_start(rows: pd.DataFrame, context: _Context) -> pd.Series:
    days = pd.to_timedelta(context.rng.integers(1, 60, size=len(rows)), unit="D")
    return (_dates(rows, START_DATE) - days).dt.strftime("%Y-%m-%d")


def _negative_cost(rows: pd.DataFrame, _: _Context) -> list[str]:
    return [f"{-(abs(float(cost)) + 1.0):.2f}" for cost in rows[WEEKLY_COST]]


def _unknown_ward(rows: pd.DataFrame, context: _Context) -> list[str]:
    codes = [f"E0500{n:04d}" for n in context.rng.integers(1000, 2000, size=len(rows))]
    return [code if code not in context.ward_codes else "E05999999" for code in codes]


def _service_for_other_group(rows: pd.DataFrame, context: _Context) -> list[str]:
    services = context.catalogue.services
    return [next(s.code for s in services if group not in s.client_groups) for group in rows[CLIENT_GROUP]]


def _missing_cost(rows: pd.DataFrame, _: _Context) -> pd.DataFrame:
    blanks = {WEEKLY_COST: ""} | ({UNIT_COST: ""} if UNIT_COST in rows.columns else {})
    return rows.assign(**blanks)


def _start_after_extract(rows: pd.DataFrame, context: _Context) -> pd.DataFrame:
    days = pd.to_timedelta(context.rng.integers(1, 90, size=len(rows)), unit="D")
    return rows.assign(**{START_DATE: (context.as_of + days).strftime("%Y-%m-%d"), END_DATE: ""})


_IN_PLACE: dict[str, Mutation] = {
    "open_end_date": _set(END_DATE, lambda _rows, _context: ""),
    "null_end_date": _set(END_DATE, _pick(["NULL", "null", "N/A"])),
    "uk_date_format": _set(START_DATE, _uk_start),
    "unparseable_start_date": _set(START_DATE, _pick(["TBC", "31st March 2021", "2021-3", "21/3/21"])),
    "unparseable_end_date": _set(END_DATE, _pick(["unknown", "ongoing", "2022.01.31"])),
    "impossible_start_date": _set(START_DATE, _impossible),
    "impossible_end_date": _set(
        END_DATE, lambda rows, _: [f"{y}-13-01" for y in _dates(rows, START_DATE).dt.year]
    ),
    "end_before_start": _set(END_DATE, _end_before_start),
    "missing_cost": _missing_cost,
    "non_numeric_cost": _set(WEEKLY_COST, _pick(["TBC", "£250.00", "1,250.00", "see notes"])),
    "negative_cost": _set(WEEKLY_COST, _negative_cost),
    "infinite_cost": _set(WEEKLY_COST, _pick(["inf", "-inf", "Infinity"])),
    "unknown_ward": _set(WARD_CODE, _unknown_ward),
    "unknown_service": _set(SERVICE, _pick(["HC01", "RES-LD", "SPOT"])),
    "service_not_offered": _set(SERVICE, _service_for_other_group),
    "missing_person_id": _set(PERSON_ID, _pick(["", "NULL"])),
    "start_after_extract": _start_after_extract,
}

_EXPECTED: dict[str, str] = {
    "open_end_date": "",
    "null_end_date": "",
    "uk_date_format": "",
    "unparseable_start_date": reasons.reason(START_DATE, reasons.UNPARSEABLE_DATE),
    "unparseable_end_date": reasons.reason(END_DATE, reasons.UNPARSEABLE_DATE),
    "impossible_start_date": reasons.reason(START_DATE, reasons.IMPOSSIBLE_DATE),
    "impossible_end_date": reasons.reason(END_DATE, reasons.IMPOSSIBLE_DATE),
    "end_before_start": reasons.END_BEFORE_START,
    "missing_cost": reasons.MISSING_COST,
    "non_numeric_cost": reasons.reason(WEEKLY_COST, reasons.NOT_A_NUMBER),
    "negative_cost": reasons.reason(WEEKLY_COST, reasons.NEGATIVE),
    "infinite_cost": reasons.reason(WEEKLY_COST, reasons.INFINITE),
    "unknown_ward": reasons.UNKNOWN_WARD,
    "unknown_service": reasons.UNKNOWN_SERVICE,
    "service_not_offered": reasons.SERVICE_NOT_OFFERED,
    "missing_person_id": reasons.MISSING_PERSON,
    "start_after_extract": reasons.START_AFTER_EXTRACT,
    DUPLICATE: reasons.DUPLICATE_ROW,
    OVERLAPPING_AGREEMENT: "",
}
QUIRKS: tuple[str, ...] = tuple(_EXPECTED)
"""Every quirk `inject_quirks` injects."""

_ORIGIN = "__origin"


def _overlapping(rows: pd.DataFrame, context: _Context) -> pd.DataFrame:
    """A second agreement for the same person and service, starting inside the first one."""
    start = _dates(rows, START_DATE)
    end = pd.to_datetime(rows[END_DATE].where(rows[END_DATE] != ""), format="%Y-%m-%d")
    last = end.fillna(context.as_of).clip(upper=context.as_of)
    offset = ((last - start).dt.days // 2).clip(lower=0)
    overlap = rows.assign(**{START_DATE: (start + pd.to_timedelta(offset, unit="D")).dt.strftime("%Y-%m-%d")})
    if PACKAGE_ID in rows.columns:
        return overlap.assign(**{PACKAGE_ID: rows[PACKAGE_ID] + "-B"})
    return overlap.assign(**{WEEKLY_COST: [f"{float(c) + 0.01:.2f}" for c in rows[WEEKLY_COST]]})


def _shuffled(
    text: pd.DataFrame,
    quirks: np.ndarray,
    duplicates: pd.DataFrame,
    overlaps: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray]:
    """All rows in random order, each duplicate placed after the row it copies."""
    keys = rng.random(len(text))
    duplicate_keys = keys[duplicates[_ORIGIN]] + (1 - keys[duplicates[_ORIGIN]]) * rng.random(len(duplicates))
    all_keys = np.concatenate([keys, duplicate_keys, rng.random(len(overlaps))])
    rows = pd.concat(
        [text, duplicates.drop(columns=_ORIGIN), overlaps.drop(columns=_ORIGIN)], ignore_index=True
    )
    labels = np.concatenate([quirks, [DUPLICATE] * len(duplicates), [OVERLAPPING_AGREEMENT] * len(overlaps)])
    order = np.argsort(all_keys, kind="stable")
    return rows.iloc[order].reset_index(drop=True), labels[order]


def _manifest(quirk_of_row: np.ndarray) -> pd.DataFrame:
    injected = np.flatnonzero(quirk_of_row != "")
    quirks = quirk_of_row[injected].astype(str)
    return pd.DataFrame(
        {
            ROW_NUMBER: injected + 1,
            QUIRK: pd.Series(quirks, dtype=str),
            EXPECTED_REASON: pd.Series([_EXPECTED[q] for q in quirks], dtype=str),
        }
    )
