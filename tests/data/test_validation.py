"""validate_records: every row accepted or quarantined with every reason that applies to it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandcast.catalogue import load_catalogue
from demandcast.columns import REQUIRED_RECORD_COLUMNS
from demandcast.data.validation import load_records, validate_records, write_quarantine
from demandcast.errors import InputError

WARDS = ("E05011118", "E05011119")
CATALOGUE = load_catalogue()
AS_OF = "2026-03-31"
GOOD = {
    "person_id": "P1",
    "ward_code": "E05011118",
    "client_group": "older_people",
    "service": "home_care",
    "start_date": "2024-01-15",
    "end_date": "2024-06-30",
    "weekly_cost": "250.50",
}


def records(*changes: dict[str, str], base: dict[str, str] = GOOD) -> pd.DataFrame:
    """One string row per dict of changes to a valid row."""
    return pd.DataFrame([{**base, **change} for change in changes], dtype=str)


def validate(raw: pd.DataFrame, as_of: str | None = AS_OF):
    return validate_records(raw, wards=WARDS, catalogue=CATALOGUE, as_of=as_of)


def reasons_of(raw: pd.DataFrame, as_of: str | None = AS_OF) -> list[str]:
    return validate(raw, as_of).quarantine["reasons"].tolist()


# --- golden tiny cases: one row per reason --------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"person_id": ""}, "person_id: missing"),
        ({"person_id": "NULL"}, "person_id: missing"),
        ({"ward_code": ""}, "ward_code: missing"),
        ({"ward_code": "E05001234"}, "ward_code: unknown ward"),
        ({"client_group": ""}, "client_group: missing"),
        ({"client_group": "adults"}, "client_group: unknown client group"),
        ({"service": ""}, "service: missing"),
        ({"service": "HS01"}, "service: unknown service"),
        ({"service": "foster_agency"}, "service: not offered to this client group"),
        ({"start_date": ""}, "start_date: missing"),
        ({"start_date": "15th Jan 2024"}, "start_date: unparseable date"),
        ({"start_date": "2023-02-29"}, "start_date: impossible date"),
        ({"start_date": "1899-12-31"}, "start_date: impossible date"),
        ({"start_date": "31/04/2024"}, "start_date: impossible date"),
        ({"start_date": "2026-04-01", "end_date": ""}, "start_date: after the extract date"),
        ({"end_date": "2024-13-01"}, "end_date: impossible date"),
        ({"end_date": "ongoing"}, "end_date: unparseable date"),
        ({"end_date": "2024-01-14"}, "end_date: before start_date"),
        ({"weekly_cost": ""}, "weekly_cost: missing"),
        ({"weekly_cost": "£250"}, "weekly_cost: not a number"),
        ({"weekly_cost": "1,250.00"}, "weekly_cost: not a number"),
        ({"weekly_cost": "-0.01"}, "weekly_cost: negative"),
        ({"weekly_cost": "inf"}, "weekly_cost: infinite"),
        ({"weekly_cost": "-Infinity"}, "weekly_cost: infinite"),
    ],
)
def test_each_problem_is_quarantined_with_its_reason(change: dict[str, str], reason: str) -> None:
    result = validate(records({}, change))
    assert result.accepted.index.tolist() == [1]
    assert result.quarantine[["row_number", "reasons"]].to_dict("records") == [
        {"row_number": 2, "reasons": reason}
    ]
    assert result.summary.to_dict("records") == [{"reason": reason, "count": 1}]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("birth_year", "19x0", "birth_year: not a number"),
        ("birth_year", "1850", "birth_year: impossible year"),
        ("birth_year", "2027", "birth_year: impossible year"),
        ("birth_year", "1950.5", "birth_year: impossible year"),
        ("unit_cost", "abc", "unit_cost: not a number"),
        ("unit_cost", "-2", "unit_cost: negative"),
        ("units_per_week", "inf", "units_per_week: infinite"),
    ],
)
def test_bad_values_in_optional_number_columns_are_quarantined(column: str, value: str, reason: str) -> None:
    raw = records({column: {"birth_year": "1950"}.get(column, "1")}, {column: value})
    assert reasons_of(raw) == [reason]


def test_a_row_with_three_problems_gets_all_three_reasons() -> None:
    raw = records({"ward_code": "E09999999", "start_date": "2024-02-30", "weekly_cost": "-5"})
    assert reasons_of(raw) == ["ward_code: unknown ward; start_date: impossible date; weekly_cost: negative"]


def test_a_row_with_every_problem_lists_them_in_column_order() -> None:
    raw = records(
        {},
        {"person_id": "", "ward_code": "X", "client_group": "children", "service": "home_care",
         "start_date": "2024-05-01", "end_date": "2024-04-01", "weekly_cost": "abc"},
    )  # fmt: skip
    assert reasons_of(raw) == [
        "person_id: missing; ward_code: unknown ward; service: not offered to this client group; "
        "end_date: before start_date; weekly_cost: not a number"
    ]


def test_one_unparseable_value_does_not_hide_other_problems_in_its_column() -> None:
    raw = records(
        {"start_date": "garbage"},
        {"start_date": "2024-02-30"},
        {"start_date": "2024-03-01", "end_date": "2024-02-01"},
        {"start_date": "2026-05-01", "end_date": ""},
        {},
    )
    assert reasons_of(raw) == [
        "start_date: unparseable date",
        "start_date: impossible date",
        "end_date: before start_date",
        "start_date: after the extract date",
    ]


def test_exact_duplicates_keep_the_first_and_quarantine_every_repeat() -> None:
    raw = records({}, {"person_id": "P2"}, {}, {}, {"weekly_cost": "250.5"})
    result = validate(raw)
    assert result.accepted.index.tolist() == [1, 2, 5]
    assert result.quarantine[["row_number", "reasons"]].to_dict("records") == [
        {"row_number": 3, "reasons": "row: exact duplicate of an earlier row"},
        {"row_number": 4, "reasons": "row: exact duplicate of an earlier row"},
    ]
    assert result.summary.to_dict("records") == [
        {"reason": "row: exact duplicate of an earlier row", "count": 2}
    ]


def test_a_repeated_bad_row_gets_its_own_reasons_and_the_duplicate_reason() -> None:
    raw = records({"weekly_cost": "-1"}, {"weekly_cost": "-1"})
    assert reasons_of(raw) == [
        "weekly_cost: negative",
        "weekly_cost: negative; row: exact duplicate of an earlier row",
    ]


# --- what is accepted, and how it is typed --------------------------------------------------------


def test_accepted_records_are_typed_and_indexed_by_input_row() -> None:
    raw = records(
        {"end_date": "", "package_id": "K1", "birth_year": "1940", "unit_cost": "25", "units_per_week": "10"},
        {"weekly_cost": "x", "package_id": "K2", "birth_year": "", "unit_cost": "", "units_per_week": ""},
        {"start_date": "01/02/2024", "end_date": "NULL", "package_id": "", "birth_year": "",
         "unit_cost": "", "units_per_week": ""},
    )  # fmt: skip
    accepted = validate(raw).accepted
    assert accepted.index.name == "row_number"
    assert accepted.index.tolist() == [1, 3]
    assert accepted.dtypes.astype(str).to_dict() == {
        "person_id": "str", "ward_code": "str", "client_group": "str", "service": "str",
        "start_date": "datetime64[us]", "end_date": "datetime64[us]", "weekly_cost": "float64",
        "package_id": "str", "birth_year": "Int64", "unit_cost": "float64", "units_per_week": "float64",
    }  # fmt: skip
    assert accepted["start_date"].tolist() == [pd.Timestamp("2024-01-15"), pd.Timestamp("2024-02-01")]
    assert accepted["end_date"].isna().tolist() == [True, True]
    assert accepted["weekly_cost"].tolist() == [250.5, 250.5]
    assert accepted["package_id"].isna().tolist() == [False, True]
    assert accepted["birth_year"].tolist() == [1940, pd.NA]


def test_whitespace_and_times_are_ignored_and_a_leap_day_is_a_date() -> None:
    raw = records(
        {"person_id": " P7 ", "service": "home_care ", "start_date": "2024-02-29 00:00:00",
         "end_date": "2024-03-01T09:30", "weekly_cost": " 10 "},
    )  # fmt: skip
    accepted = validate(raw).accepted
    assert accepted.iloc[0][["person_id", "service", "weekly_cost"]].tolist() == ["P7", "home_care", 10.0]
    assert accepted.iloc[0]["start_date"] == pd.Timestamp("2024-02-29")
    assert accepted.iloc[0]["end_date"] == pd.Timestamp("2024-03-01")


def test_a_package_may_start_and_end_on_the_same_day_and_cost_nothing() -> None:
    raw = records({"end_date": GOOD["start_date"], "weekly_cost": "0"})
    assert len(validate(raw).accepted) == 1


def test_weekly_cost_is_derived_from_unit_cost_and_units_per_week_when_absent() -> None:
    base = {k: v for k, v in GOOD.items() if k != "weekly_cost"}
    raw = records(
        {"unit_cost": "20.5", "units_per_week": "10"},
        {"unit_cost": "", "units_per_week": "10"},
        {"unit_cost": "x", "units_per_week": "10"},
        base=base,
    )
    result = validate(raw)
    assert result.accepted["weekly_cost"].tolist() == [205.0]
    assert result.quarantine["reasons"].tolist() == [
        "weekly_cost: missing",
        "weekly_cost: missing; unit_cost: not a number",
    ]


def test_a_given_weekly_cost_wins_over_the_derived_one_and_fills_only_blanks() -> None:
    raw = records(
        {"weekly_cost": "100", "unit_cost": "20", "units_per_week": "10"},
        {"weekly_cost": "", "unit_cost": "20", "units_per_week": "10"},
    )
    assert validate(raw).accepted["weekly_cost"].tolist() == [100.0, 200.0]


def test_the_extract_date_defaults_to_the_latest_date_in_the_file() -> None:
    raw = records({"end_date": "2025-01-31"}, {"start_date": "2024-12-01", "end_date": ""})
    result = validate(raw, as_of=None)
    assert result.as_of == pd.Timestamp("2025-01-31")
    assert result.all_accepted


def test_starting_on_the_extract_date_is_allowed() -> None:
    raw = records({"start_date": AS_OF, "end_date": ""})
    assert validate(raw).all_accepted


# --- the quarantine and the summary ---------------------------------------------------------------


def test_the_quarantine_keeps_row_number_package_id_reasons_and_the_original_strings() -> None:
    raw = records({"package_id": "K1"}, {"package_id": "K2", "weekly_cost": " -3 ", "extra": "note"})
    raw.loc[0, "extra"] = ""
    quarantine = validate(raw).quarantine
    assert list(quarantine.columns) == [
        "row_number", "package_id", "reasons", *REQUIRED_RECORD_COLUMNS, "extra",
    ]  # fmt: skip
    assert quarantine.iloc[0].to_dict() == {
        "row_number": 2, "package_id": "K2", "reasons": "weekly_cost: negative", **GOOD,
        "weekly_cost": " -3 ", "extra": "note",
    }  # fmt: skip


def test_the_summary_counts_rows_per_reason_most_frequent_first() -> None:
    raw = records(
        {"weekly_cost": "-1"}, {"weekly_cost": "-1", "ward_code": "X"}, {"ward_code": "Y"}, {"ward_code": "Z"}
    )
    assert validate(raw).summary.to_dict("records") == [
        {"reason": "ward_code: unknown ward", "count": 3},
        {"reason": "weekly_cost: negative", "count": 2},
    ]


def test_nothing_to_quarantine_gives_empty_frames_with_their_columns() -> None:
    result = validate(records({}, {"person_id": "P2"}))
    assert result.all_accepted
    assert list(result.quarantine.columns) == ["row_number", "reasons", *REQUIRED_RECORD_COLUMNS]
    assert result.quarantine.empty and result.summary.empty
    assert list(result.summary.columns) == ["reason", "count"]


def test_an_empty_extract_is_valid_and_empty() -> None:
    result = validate(records()[:0].reindex(columns=list(GOOD)).astype(str))
    assert (result.n_input, len(result.accepted), len(result.quarantine)) == (0, 0, 0)


def test_write_quarantine_writes_a_csv_that_reads_back_exactly(tmp_path: Path) -> None:
    result = validate(records({}, {"weekly_cost": "NaN!", "person_id": ""}))
    path = write_quarantine(result, tmp_path / "out" / "quarantine.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back.to_dict("records") == [
        {"row_number": "2", "reasons": "person_id: missing; weekly_cost: not a number",
         **GOOD, "person_id": "", "weekly_cost": "NaN!"},
    ]  # fmt: skip
    assert sorted(p.name for p in path.parent.iterdir()) == ["quarantine.csv"]


def test_validation_leaves_its_input_alone() -> None:
    raw = records({"start_date": "x"}, {})
    before = raw.copy()
    validate(raw)
    pd.testing.assert_frame_equal(raw, before)


# --- unusable input -------------------------------------------------------------------------------


def test_missing_required_columns_are_all_named() -> None:
    raw = records({}).drop(columns=["ward_code", "end_date"])
    with pytest.raises(InputError) as error:
        validate_records(raw, wards=WARDS, catalogue=CATALOGUE, source="extract.csv")
    assert str(error.value) == (
        "extract.csv: missing required columns: ward_code, end_date (required: person_id, ward_code, "
        "client_group, service, start_date, end_date, weekly_cost; a column-mapping file can rename yours)"
    )


def test_weekly_cost_is_not_missing_when_it_can_be_derived() -> None:
    raw = records({"unit_cost": "1", "units_per_week": "2"}).drop(columns=["weekly_cost"])
    assert validate(raw).accepted["weekly_cost"].tolist() == [2.0]
    with pytest.raises(InputError, match=r"^records: missing required columns: weekly_cost \("):
        validate(raw.drop(columns=["units_per_week"]))


def test_an_unusable_extract_date_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^records: the extract date 'last March' is not a date$"):
        validate(records({}), as_of="last March")


def test_an_empty_ward_list_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^records: no ward codes to check ward_code against$"):
        validate_records(records({}), wards=[], catalogue=CATALOGUE)


# --- reading and validating in one step -----------------------------------------------------------


def test_load_records_reads_maps_and_validates(tmp_path: Path) -> None:
    (tmp_path / "extract.csv").write_text(
        "ClientRef,WardCode,ClientGroup,ServiceElement,StartDate,EndDate,WeeklyCost,AgreementID\n"
        "C1,E05011118,OP,HS01,01/04/2024,,120.00,A1\n"
        "C2,E05011119,CH,HS01,2024-04-01,,120.00,A2\n"
    )
    mapping = Path(__file__).resolve().parent / "example_mapping.yaml"
    result = load_records(tmp_path / "extract.csv", wards=WARDS, catalogue=CATALOGUE, mapping=mapping)
    assert result.accepted[["person_id", "client_group", "service"]].values.tolist() == [
        ["C1", "older_people", "home_care"]
    ]
    assert result.quarantine[["row_number", "package_id", "reasons"]].values.tolist() == [
        [2, "A2", "service: not offered to this client group"]
    ]


def test_load_records_names_the_file_when_a_column_is_missing(tmp_path: Path) -> None:
    (tmp_path / "extract.csv").write_text("person_id\nP1\n")
    with pytest.raises(
        InputError, match=r"extract\.csv: missing required columns: ward_code, client_group, "
    ):
        load_records(tmp_path / "extract.csv", wards=WARDS, catalogue=CATALOGUE)


# --- the invariant, on arbitrary strings ----------------------------------------------------------

_VALUES = {
    "person_id": st.sampled_from(["P1", "P2", "", "NULL"]),
    "ward_code": st.sampled_from([*WARDS, "", "E0"]),
    "client_group": st.sampled_from(["children", "older_people", "x", ""]),
    "service": st.sampled_from(["home_care", "kinship", "HS01", ""]),
    "start_date": st.sampled_from(["2024-01-01", "2024-02-30", "01/03/2024", "x", "", "2027-01-01"]),
    "end_date": st.sampled_from(["", "2023-12-31", "2024-06-30", "9999-12-31", "NA", "2024-6"]),
    "weekly_cost": st.one_of(st.sampled_from(["", "inf", "-1", "abc"]), st.floats().map(repr)),
}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.fixed_dictionaries(_VALUES), max_size=12))
def test_every_row_is_accepted_or_quarantined_never_both(rows: list[dict[str, str]]) -> None:
    raw = pd.DataFrame(rows, columns=list(_VALUES), dtype=str)
    result = validate(raw)
    accepted, quarantined = set(result.accepted.index), set(result.quarantine["row_number"])
    assert result.n_input == len(raw) == len(result.accepted) + len(result.quarantine)
    assert accepted.isdisjoint(quarantined) and accepted | quarantined == set(range(1, len(raw) + 1))
    assert (result.quarantine["reasons"] != "").all()
    assert np.isfinite(result.accepted["weekly_cost"]).all() and (result.accepted["weekly_cost"] >= 0).all()
