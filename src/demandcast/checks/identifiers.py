"""Direct identifiers: find them by column name and by value, refuse records that hold them.

Names, NHS numbers, full postcodes, dates of birth, email addresses and phone numbers must never
enter the pipeline. A postcode sector ("B12 9") or district ("B12"), a birth year and a keyed
pseudonym (see `demandcast.checks.pseudonymise`) are allowed.

Findings never carry the identifying value itself: only the column, the kind, how many rows
match and the number of one example row (1 = the first data row).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

from demandcast import columns as c
from demandcast.errors import InputError

NAME, NHS_NUMBER, POSTCODE, DATE_OF_BIRTH, EMAIL, PHONE = (
    "name",
    "nhs_number",
    "postcode",
    "date_of_birth",
    "email",
    "phone",
)
KIND_LABELS: dict[str, str] = {
    NAME: "personal names",
    NHS_NUMBER: "NHS numbers",
    POSTCODE: "full postcodes",
    DATE_OF_BIRTH: "dates of birth",
    EMAIL: "email addresses",
    PHONE: "phone numbers",
}
FINDING_COLUMNS: tuple[str, ...] = ("column", "kind", "evidence", "n_rows", "example_row_number")

_NAME_COLUMNS = {"name", "forename", "forenames", "surname", "full_name", "first_name", "last_name",
                 "given_name", "family_name", "middle_name", "client_name", "person_name", "child_name"}
_DOB_COLUMNS = {"dob", "date_of_birth", "birth_date", "birthdate", "d_o_b"}
_NHS_COLUMNS = {"nhs_number", "nhs_no", "nhs_num", "nhsnumber", "nhs"}
_EMAIL_COLUMNS = {"email", "e_mail", "email_address"}
_PHONE_COLUMNS = {"phone", "telephone", "phone_number", "mobile", "mobile_number", "tel"}
_COLUMN_NAME_KINDS = (
    (NAME, _NAME_COLUMNS),
    (DATE_OF_BIRTH, _DOB_COLUMNS),
    (NHS_NUMBER, _NHS_COLUMNS),
    (EMAIL, _EMAIL_COLUMNS),
    (PHONE, _PHONE_COLUMNS),
)
# Place names are title-case words too; they describe areas, not people.
_PLACE_COLUMNS = {c.WARD_NAME, c.DISTRICT, c.LOCALITY, c.COUNCIL}

_NHS_PATTERN = r"^\d{3} ?\d{3} ?\d{4}$"
_VALUE_PATTERNS: dict[str, str] = {
    POSTCODE: r"^(?:[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}|GIR ?0AA)$",
    EMAIL: r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
    PHONE: r"^(?:\+44 ?\(?0?\)? ?|\(?0)\d{2,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}$",
    NAME: r"^[A-Z][A-Za-z'\-]*[a-z](?: [A-Z][A-Za-z'\-]*[a-z])+$",
}
_FULL_DATE_PATTERN = r"^(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})(?:[ T].*)?$"
# A column is taken for names (or NHS numbers) only when most of its values look like them:
# one title-case pair in a free-text column is not a register of people, and ~9% of random
# 10-digit numbers pass the NHS check digit by chance.
_MAJORITY_KINDS = {NAME: 0.8, NHS_NUMBER: 0.5}
_NHS_WEIGHTS = np.arange(10, 1, -1)


def nhs_number_is_valid(value: str) -> bool:
    """Whether `value` is a 10-digit NHS number (optionally spaced 3-3-4) with a valid mod-11 check digit."""
    return bool(_nhs_number_mask(pd.Series([value], dtype="str")).iloc[0])


def scan_identifiers(
    frame: pd.DataFrame,
    *,
    source: str = "records",
    allowed: Collection[str] = (),
    sample_size: int | None = 5_000,
) -> pd.DataFrame:
    """Direct identifiers found in `frame`, one row per (column, kind).

    Every column is screened on a sample of its values (vectorised regular expressions); columns
    flagged by the sample, or by their name, are then counted in full.

    Args:
        frame: any table; no column is required.
        source: the name of the file or table, for the caller's messages.
        allowed: columns known to be safe (for example a checked free-text column); not scanned.
        sample_size: values screened per column before the full count; None screens all values.
            A column with a handful of identifiers among 200k values can slip past a sample:
            pass None where that matters more than speed.

    Returns:
        Columns `column`, `kind`, `evidence` ("column name" or "values"), `n_rows`,
        `example_row_number` (1 = first row of `frame`); never the value itself. Empty when clean.
    """
    del source  # kept in the signature so callers log findings next to what they scanned
    findings = [
        finding
        for column in frame.columns
        if str(column) not in allowed
        for finding in _column_findings(str(column), frame[column], sample_size)
    ]
    return pd.DataFrame(findings, columns=list(FINDING_COLUMNS)).astype(
        {"n_rows": "int64", "example_row_number": "int64"}
    )


def refuse_identifiers(frame: pd.DataFrame, source: str, *, allowed: Collection[str] = ()) -> None:
    """Raise InputError naming every column of `frame` that holds a direct identifier, and its kind."""
    findings = scan_identifiers(frame, source=source, allowed=allowed)
    if findings.empty:
        return
    listed = "; ".join(
        f"column {row.column!r} holds {KIND_LABELS[row.kind]} ({row.evidence}, {row.n_rows} rows, "
        f"e.g. row {row.example_row_number})"
        for row in findings.itertuples()
    )
    raise InputError(
        f"{source}: direct identifiers must not enter the pipeline: {listed}. "
        "Drop these columns or pseudonymise them (demandcast pseudonymise IN OUT --key-file F)."
    )


def find_person_ids(text_or_frame: str | pd.DataFrame, person_ids: Iterable[object]) -> list[str]:
    """The person ids that appear in `text_or_frame`, sorted; empty when none leaked.

    Text is split into tokens of letters, digits, '_' and '-', and a frame's column names and cells
    are compared whole, so id "P12" is not found inside "P123". Very short numeric ids match any
    equal number: give ids as they appear in the records.
    """
    wanted = {str(person_id) for person_id in person_ids if not pd.isna(person_id)}
    if isinstance(text_or_frame, pd.DataFrame):
        cells = pd.unique(text_or_frame.astype("str").to_numpy().ravel())
        seen = {*map(str, cells), *map(str, text_or_frame.columns)}
    else:
        seen = set(re.findall(r"[A-Za-z0-9_\-]+", text_or_frame))
    return sorted(wanted & seen)


def _column_findings(column: str, values: pd.Series, sample_size: int | None) -> list[dict[str, object]]:
    named_kinds = [kind for kind, names in _COLUMN_NAME_KINDS if column.lower() in names]
    findings = [_finding(column, kind, "column name", values.notna()) for kind in named_kinds]
    if _is_birth_column(column) and DATE_OF_BIRTH not in named_kinds:
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            findings.append(_finding(column, DATE_OF_BIRTH, "values", values.notna()))
        findings += _value_findings(column, values, {DATE_OF_BIRTH: _full_date_mask}, sample_size)
    if column not in _PLACE_COLUMNS:
        checks = {kind: _pattern_mask(pattern) for kind, pattern in _VALUE_PATTERNS.items()}
        checks[NHS_NUMBER] = _nhs_number_mask
        unnamed = {kind: check for kind, check in checks.items() if kind not in named_kinds}
        findings += _value_findings(column, values, unnamed, sample_size)
    return [finding for finding in findings if finding["n_rows"] != 0]


def _value_findings(column, values, checks, sample_size) -> list[dict[str, object]]:
    text = _as_text(values)
    if text is None:
        return []
    present = text.dropna()
    sample = present if sample_size is None or len(present) <= sample_size else present.sample(
        sample_size, random_state=0
    )
    findings = []
    for kind, check in checks.items():
        if not _is_flagged(kind, check(sample), len(sample)):
            continue
        mask = check(present)
        if _is_flagged(kind, mask, len(present)):
            findings.append(_finding(column, kind, "values", mask.reindex(values.index, fill_value=False)))
    return findings


def _is_flagged(kind: str, mask: pd.Series, n_values: int) -> bool:
    n_matching = int(mask.sum())
    return n_matching > 0 and n_matching >= _MAJORITY_KINDS.get(kind, 0.0) * n_values


def _finding(column: str, kind: str, evidence: str, mask: pd.Series) -> dict[str, object]:
    positions = np.flatnonzero(mask.to_numpy(dtype=bool))
    example = int(positions[0]) + 1 if len(positions) else 0
    return {"column": column, "kind": kind, "evidence": evidence, "n_rows": len(positions),
            "example_row_number": example}


def _as_text(values: pd.Series) -> pd.Series | None:
    """String or integer values as stripped text; None for columns that cannot hold identifiers."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("object")
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("Int64").astype("str").where(values.notna())
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        return values.astype("str").where(values.notna()).str.strip()
    return None


def _pattern_mask(pattern: str):
    return lambda text: text.str.match(pattern).fillna(False).astype(bool)


def _nhs_number_mask(text: pd.Series) -> pd.Series:
    shaped = text.str.match(_NHS_PATTERN).fillna(False).astype(bool)
    if not shaped.any():
        return shaped
    digits = text[shaped].str.replace(" ", "", regex=False)
    matrix = np.frombuffer("".join(digits).encode("ascii"), dtype=np.uint8).reshape(-1, 10) - ord("0")
    remainder = (matrix[:, :9].astype(np.int64) @ _NHS_WEIGHTS) % 11
    check = np.where(remainder == 0, 0, 11 - remainder)
    valid = (check != 10) & (check == matrix[:, 9])
    return shaped & pd.Series(valid, index=digits.index).reindex(text.index, fill_value=False)


def _is_birth_column(column: str) -> bool:
    name = column.lower()
    return "birth" in name or name.startswith("dob")


def _full_date_mask(text: pd.Series) -> pd.Series:
    return text.str.match(_FULL_DATE_PATTERN).fillna(False).astype(bool)
