"""Re-identification risk on the records' quasi-identifiers: k-anonymity and l-diversity.

People who share ward, age band, sex and ethnicity form an equivalence class; a class of k
people hides each of them among k, and a class whose people all use one service tells anyone who
can place a person in it which service they get (l-diversity of 1). Classes count distinct people
(a person with several packages is one person). Computed with pandas groupby: pycanon 1.3.6
requires pandas 2.3.3, which this package has left behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandcast import columns as c
from demandcast.errors import InputError

AGE_BAND = "age_band"
QUASI_IDENTIFIERS: tuple[str, ...] = (c.WARD_CODE, AGE_BAND, c.SEX, c.ETHNICITY)
_AGE_EDGES = (0, 5, 10, 16, 18, 25, 35, 45, 55, 65, 75, 85)
_AGE_LABELS = ("0-4", "5-9", "10-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84",
               "85+")


@dataclass(frozen=True)
class ReidentificationRisk:
    """Summary figures and the per-class table (sizes only, never people)."""

    summary: dict[str, object]
    classes: pd.DataFrame


def age_bands(birth_year: pd.Series, at_year: int) -> pd.Series:
    """Age band at `at_year` ('0-4' ... '85+') from a birth year; missing where the year is missing."""
    age = at_year - pd.to_numeric(birth_year, errors="coerce")
    bands = pd.cut(age, bins=[*_AGE_EDGES, np.inf], labels=list(_AGE_LABELS), right=False)
    return bands.astype("str").where(bands.notna())


def reidentification_risk(
    records: pd.DataFrame,
    *,
    quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS,
    sensitive: str = c.SERVICE,
    k_threshold: int = 10,
    at_year: int | None = None,
) -> ReidentificationRisk:
    """k-anonymity, l-diversity and the share of people and records in classes smaller than `k_threshold`.

    Args:
        records: one row per package; needs `person_id`, `sensitive` and the quasi-identifiers
            (`age_band` may instead be derived from `birth_year`).
        quasi_identifiers: columns an outsider could know about a person.
        sensitive: the attribute whose diversity protects people within a class.
        k_threshold: classes with fewer people than this are at risk.
        at_year: the year ages are taken at; by default the year of the latest `start_date`.

    Returns:
        `summary` (k, l, n_classes, classes/people/records below the threshold and their shares)
        and `classes`: one row per class with `n_people`, `n_records`, `l_diversity`.
        Missing quasi-identifier values form their own class.
    """
    frame = _with_age_band(records, quasi_identifiers, at_year)
    keys = list(quasi_identifiers)
    _require(frame, [c.PERSON_ID, sensitive, *keys])
    grouped = frame.groupby(keys, dropna=False, observed=True)
    classes = grouped.agg(
        n_people=(c.PERSON_ID, "nunique"), n_records=(c.PERSON_ID, "size"), l_diversity=(sensitive, "nunique")
    ).reset_index()
    return ReidentificationRisk(_summary(classes, frame, k_threshold), classes)


def _summary(classes: pd.DataFrame, frame: pd.DataFrame, k_threshold: int) -> dict[str, object]:
    small = classes["n_people"] < k_threshold
    n_people = int(frame[c.PERSON_ID].nunique())
    n_records = len(frame)
    people_at_risk = int(classes.loc[small, "n_people"].sum())  # can exceed n_people if people move ward
    records_at_risk = int(classes.loc[small, "n_records"].sum())
    return {
        "k_anonymity": int(classes["n_people"].min()) if len(classes) else 0,
        "l_diversity": int(classes["l_diversity"].min()) if len(classes) else 0,
        "k_threshold": k_threshold,
        "n_classes": len(classes),
        "n_classes_below_k": int(small.sum()),
        "n_people": n_people,
        "n_records": n_records,
        "share_people_below_k": min(people_at_risk / n_people, 1.0) if n_people else 0.0,
        "share_records_below_k": records_at_risk / n_records if n_records else 0.0,
        "median_class_size": float(classes["n_people"].median()) if len(classes) else 0.0,
    }


def _with_age_band(
    records: pd.DataFrame, quasi_identifiers: Sequence[str], at_year: int | None
) -> pd.DataFrame:
    if AGE_BAND not in quasi_identifiers or AGE_BAND in records.columns:
        return records
    _require(records, [c.BIRTH_YEAR])
    if at_year is None:
        _require(records, [c.START_DATE])
        at_year = int(pd.to_datetime(records[c.START_DATE], errors="coerce").max().year)
    return records.assign(**{AGE_BAND: age_bands(records[c.BIRTH_YEAR], at_year)})


def _require(frame: pd.DataFrame, needed: Sequence[str]) -> None:
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise InputError(
            f"reidentification_risk: column(s) {missing} not found; columns are {list(frame.columns)}"
        )
