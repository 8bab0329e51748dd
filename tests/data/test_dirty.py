"""inject_quirks: every real-world quirk is injected, caught with its reason, and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    BIRTH_YEAR,
    CLIENT_GROUP,
    END_DATE,
    PACKAGE_ID,
    PERSON_ID,
    SERVICE,
    START_DATE,
    UNIT_COST,
    UNITS_PER_WEEK,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.dirty import EXPECTED_REASON, QUIRK, QUIRKS, inject_quirks
from demandcast.data.record_schema import ROW_NUMBER
from demandcast.data.validation import validate_records

WARD_FACTS = Path(__file__).resolve().parents[2] / "src" / "demandcast" / "data" / "birmingham_wards.csv"
WARDS = tuple(pd.read_csv(WARD_FACTS)["code"])
AS_OF = pd.Timestamp("2026-03-31")
CATALOGUE = load_catalogue()


def clean_records(n: int, seed: int) -> pd.DataFrame:
    """Seeded valid records shaped like the demo generator's output (typed, contract + optional columns)."""
    rng = np.random.default_rng(seed)
    pairs = CATALOGUE.pairs()
    group, service = zip(*(pairs[i] for i in rng.integers(0, len(pairs), n)), strict=True)
    start = AS_OF - pd.to_timedelta(rng.integers(0, 8 * 365, n), unit="D")
    duration = pd.to_timedelta(rng.integers(0, 3 * 365, n), unit="D")
    end = pd.Series(start + duration).where(lambda d: (d <= AS_OF) & (rng.random(n) < 0.6))
    units = rng.integers(1, 40, n).astype(float)
    unit_cost = np.round(rng.lognormal(3, 0.5, n), 2)
    frame = pd.DataFrame(
        {
            PERSON_ID: [f"P{i:06d}" for i in rng.integers(0, n // 2 + 1, n)],
            WARD_CODE: rng.choice(WARDS, n),
            CLIENT_GROUP: list(group),
            SERVICE: list(service),
            START_DATE: pd.Series(start).astype("datetime64[us]"),
            END_DATE: end.astype("datetime64[us]"),
            WEEKLY_COST: np.round(units * unit_cost, 2),
            PACKAGE_ID: [f"K{i:07d}" for i in range(n)],
            BIRTH_YEAR: pd.array(rng.integers(1925, 2024, n), dtype="Int64"),
            UNIT_COST: unit_cost,
            UNITS_PER_WEEK: units,
        }
    ).astype({PERSON_ID: str, WARD_CODE: str, CLIENT_GROUP: str, SERVICE: str, PACKAGE_ID: str})
    frame.attrs["as_of"] = f"{AS_OF:%Y-%m-%d}"
    return frame


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return clean_records(1500, seed=7)


@pytest.fixture(scope="module")
def injected(clean: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return inject_quirks(clean, seed=11)


@pytest.fixture(scope="module")
def validated(injected: tuple[pd.DataFrame, pd.DataFrame]):
    dirty, _ = injected
    return validate_records(dirty, wards=WARDS, catalogue=CATALOGUE, as_of=AS_OF)


def test_the_seeded_clean_records_are_all_accepted(clean: pd.DataFrame) -> None:
    from demandcast.data.records import frame_as_strings

    result = validate_records(frame_as_strings(clean), wards=WARDS, catalogue=CATALOGUE, as_of=AS_OF)
    assert len(result.accepted) == len(clean)


def test_every_quirk_is_injected_at_least_once(injected) -> None:
    _, manifest = injected
    assert set(manifest[QUIRK]) == set(QUIRKS)
    assert manifest[QUIRK].value_counts().min() >= 1


def test_dirty_records_are_all_strings_with_the_extract_date(injected, clean) -> None:
    dirty, manifest = injected
    assert all(pd.api.types.is_string_dtype(dirty[c]) for c in dirty.columns)
    assert list(dirty.columns) == list(clean.columns)
    assert dirty.attrs["as_of"] == "2026-03-31"
    assert len(dirty) == len(clean) + (manifest[QUIRK].isin(["duplicate", "overlapping_agreement"])).sum()


def test_nothing_is_lost(validated, injected) -> None:
    dirty, _ = injected
    assert validated.n_input == len(dirty)
    assert len(validated.accepted) + len(validated.quarantine) == len(dirty)
    covered = set(validated.accepted.index) | set(validated.quarantine[ROW_NUMBER])
    assert covered == set(range(1, len(dirty) + 1))


def test_quarantined_rows_are_exactly_the_manifests_defective_rows(validated, injected) -> None:
    _, manifest = injected
    defective = manifest.loc[manifest[EXPECTED_REASON] != "", ROW_NUMBER]
    assert sorted(validated.quarantine[ROW_NUMBER]) == sorted(defective)


def test_every_defect_is_caught_with_exactly_its_reason(validated, injected) -> None:
    _, manifest = injected
    expected = manifest.loc[manifest[EXPECTED_REASON] != ""].set_index(ROW_NUMBER)[EXPECTED_REASON]
    given = validated.quarantine.set_index(ROW_NUMBER)["reasons"]
    mismatched = pd.concat([given, expected], axis=1).query("reasons != expected_reason")
    assert mismatched.empty, mismatched


def test_benign_quirks_and_clean_rows_are_accepted(validated, injected) -> None:
    dirty, manifest = injected
    benign = manifest.loc[manifest[EXPECTED_REASON] == "", ROW_NUMBER]
    assert set(benign) <= set(validated.accepted.index)
    assert {"open_end_date", "null_end_date", "uk_date_format", "overlapping_agreement"} <= set(
        manifest.loc[manifest[EXPECTED_REASON] == "", QUIRK]
    )
    untouched = set(range(1, len(dirty) + 1)) - set(manifest[ROW_NUMBER])
    assert untouched <= set(validated.accepted.index)


def test_open_and_null_end_dates_become_open_packages(validated, injected) -> None:
    _, manifest = injected
    rows = manifest.loc[manifest[QUIRK].isin(["open_end_date", "null_end_date"]), ROW_NUMBER]
    assert validated.accepted.loc[rows, END_DATE].isna().all()


def test_overlapping_agreements_overlap_an_accepted_agreement_of_the_same_person(validated, injected) -> None:
    _, manifest = injected
    accepted = validated.accepted
    for row in manifest.loc[manifest[QUIRK] == "overlapping_agreement", ROW_NUMBER]:
        overlap = accepted.loc[row]
        first = accepted.loc[accepted[PACKAGE_ID] == overlap[PACKAGE_ID].removesuffix("-B")].iloc[0]
        assert first[PERSON_ID] == overlap[PERSON_ID]
        assert first[START_DATE] <= overlap[START_DATE]
        assert pd.isna(first[END_DATE]) or overlap[START_DATE] <= first[END_DATE]


def test_each_duplicate_comes_after_the_row_it_copies(injected) -> None:
    dirty, manifest = injected
    for row in manifest.loc[manifest[QUIRK] == "duplicate", ROW_NUMBER]:
        copies = dirty.index[(dirty == dirty.iloc[row - 1]).all(axis=1)] + 1
        assert len(copies) == 2 and copies.max() == row


def test_injection_is_deterministic_for_a_seed(clean, injected) -> None:
    dirty, manifest = inject_quirks(clean, seed=11)
    pd.testing.assert_frame_equal(dirty, injected[0])
    pd.testing.assert_frame_equal(manifest, injected[1])
    other, _ = inject_quirks(clean, seed=12)
    assert not other.equals(dirty)


def test_injection_leaves_its_input_alone(clean) -> None:
    before = clean.copy()
    inject_quirks(clean, seed=3)
    pd.testing.assert_frame_equal(clean, before)


def test_required_columns_alone_are_enough() -> None:
    records = clean_records(200, seed=5)[
        [PERSON_ID, WARD_CODE, CLIENT_GROUP, SERVICE, START_DATE, END_DATE, WEEKLY_COST]
    ]
    dirty, manifest = inject_quirks(records, seed=1)
    result = validate_records(dirty, wards=WARDS, catalogue=CATALOGUE, as_of=AS_OF)
    defective = manifest.loc[manifest[EXPECTED_REASON] != "", ROW_NUMBER]
    assert sorted(result.quarantine[ROW_NUMBER]) == sorted(defective)


def test_too_few_records_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"^records: need at least 36 rows to inject every quirk, got 10$"):
        inject_quirks(clean_records(10, seed=1), seed=1)


def test_the_extract_date_travels_with_a_parquet_file(injected, tmp_path: Path) -> None:
    from demandcast.data.validation import load_records

    dirty, manifest = injected
    dirty.to_parquet(tmp_path / "dirty.parquet")
    result = load_records(tmp_path / "dirty.parquet", wards=WARDS, catalogue=CATALOGUE)
    assert result.as_of == AS_OF
    late = manifest.loc[manifest[QUIRK] == "start_after_extract", ROW_NUMBER]
    assert set(late) <= set(result.quarantine[ROW_NUMBER])
