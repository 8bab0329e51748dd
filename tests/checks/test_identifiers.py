"""Direct identifiers are found by column name and by value, and refused with the column and kind."""

import numpy as np
import pandas as pd
import pytest

from demandcast.checks.identifiers import (
    FINDING_COLUMNS,
    find_person_ids,
    nhs_number_is_valid,
    refuse_identifiers,
    scan_identifiers,
)
from demandcast.checks.pseudonymise import pseudonymise
from demandcast.errors import InputError


def _nhs_numbers(n: int, seed: int = 0) -> list[str]:
    """Valid NHS numbers, built with the published mod-11 rule as an independent oracle."""
    rng = np.random.default_rng(seed)
    numbers = []
    while len(numbers) < n:
        digits = rng.integers(0, 10, size=9)
        check = 11 - int(sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True))) % 11
        check = 0 if check == 11 else check
        if check != 10:
            numbers.append("".join(map(str, digits)) + str(check))
    return numbers


def _clean_records(n: int = 50) -> pd.DataFrame:
    key = b"k" * 32
    ids = pd.DataFrame({"person_id": [f"P{i:05d}" for i in range(n)]})
    return pseudonymise(ids, key).assign(
        ward_code="E05011118",
        service="home_care",
        start_date="2020-01-01",
        birth_year="1950",
        postcode_sector="B12 9",
        postcode_district="B12",
        weekly_cost="412.5",
    )


def _kinds(findings: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(findings["column"], findings["kind"], strict=True))


@pytest.mark.parametrize(
    ("number", "valid"),
    [("9434765919", True), ("943 476 5919", True), ("4010232137", True), ("9434765918", False),
     ("943476591", False), ("94347659190", False), ("1000000010", False)],
)
def test_nhs_number_check_digit_follows_mod_11(number, valid):
    assert nhs_number_is_valid(number) is valid


def test_check_digit_of_ten_is_never_valid():
    # 000000006x: weighted sum 12, 12 mod 11 = 1, check 11 - 1 = 10 -> no valid number
    assert not any(nhs_number_is_valid(f"000000006{d}") for d in range(10))


def test_clean_pseudonymised_records_pass():
    records = _clean_records()
    assert scan_identifiers(records).empty
    assert list(scan_identifiers(records).columns) == list(FINDING_COLUMNS)
    refuse_identifiers(records, "records.csv")


def test_person_id_holding_valid_nhs_numbers_is_refused():
    records = _clean_records(40).assign(person_id=_nhs_numbers(40))
    expected = r"records.csv: .*column 'person_id' holds NHS numbers \(values, 40 rows"
    with pytest.raises(InputError, match=expected):
        refuse_identifiers(records, "records.csv")


def test_integer_nhs_numbers_are_found():
    records = pd.DataFrame({"client": pd.array([int(n) for n in _nhs_numbers(30, seed=1) if n[0] != "0"])})
    assert _kinds(scan_identifiers(records)) == {("client", "nhs_number")}


def test_random_ten_digit_ids_are_not_taken_for_nhs_numbers():
    rng = np.random.default_rng(3)
    ids = [f"{x:010d}" for x in rng.integers(10**9, 10**10 - 1, size=500)]
    assert scan_identifiers(pd.DataFrame({"person_id": ids})).empty


def test_each_kind_is_found_by_value_without_telltale_column_names():
    frame = pd.DataFrame({
        "who": ["Jane Smith", "Bob O'Neill", "Amir Khan"],
        "where": ["B12 9QF", "b1 1aa", "B15 2TT"],
        "contact": ["jane@example.org", "n/a", "n/a"],
        "number": ["0121 464 1234", "07700 900123", "+44 7700 900456"],
        "birth_day": ["2001-02-03", "12/07/1999", ""],
    })
    findings = scan_identifiers(frame)
    assert _kinds(findings) == {("who", "name"), ("where", "postcode"), ("contact", "email"),
                                ("number", "phone"), ("birth_day", "date_of_birth")}
    contact = findings.set_index("column").loc["contact"]
    assert (contact["n_rows"], contact["example_row_number"]) == (1, 1)


def test_each_kind_is_found_by_column_name():
    frame = pd.DataFrame({name: ["x"] for name in ("surname", "dob", "nhs_no", "email", "telephone")})
    findings = scan_identifiers(frame)
    assert set(findings["evidence"]) == {"column name"}
    assert set(findings["kind"]) == {"name", "date_of_birth", "nhs_number", "email", "phone"}


def test_findings_never_hold_the_value():
    frame = pd.DataFrame({"where": ["B12 9QF"], "who": ["Jane Smith"]})
    text = scan_identifiers(frame).to_csv()
    assert "B12 9QF" not in text and "Jane" not in text


def test_sectors_districts_birth_years_and_place_names_are_allowed():
    frame = pd.DataFrame({
        "postcode": ["B12 9", "B12", "B1 1"],
        "birth_year": [1950, 1960, 1970],
        "ward_name": ["Sutton Coldfield", "Bournbrook Selly Park", "Soho Jewellery Quarter"],
        "service": ["Home care", "Residential care", "Nursing"],
    })
    assert scan_identifiers(frame).empty


def test_datetime_birth_column_is_a_date_of_birth():
    frame = pd.DataFrame({"birth": pd.to_datetime(["2001-02-03", "1999-07-12"])})
    assert _kinds(scan_identifiers(frame)) == {("birth", "date_of_birth")}


def test_allowed_columns_are_not_scanned():
    frame = pd.DataFrame({"name": ["Jane Smith"], "note": ["a@b.org"]})
    assert scan_identifiers(frame, allowed=["name", "note"]).empty


def test_refusal_lists_every_offending_column():
    frame = pd.DataFrame({"full_name": ["Jane Smith"], "email": ["a@b.org"], "ok": ["1"]})
    with pytest.raises(InputError) as error:
        refuse_identifiers(frame, "extract.parquet")
    message = str(error.value)
    assert "column 'full_name' holds personal names" in message
    assert "column 'email' holds email addresses" in message
    assert "'ok'" not in message


def test_a_single_identifier_deep_in_a_large_column_is_found_by_a_full_scan():
    notes = pd.Series(["no contact details"] * 20_000, dtype="str")
    notes.iloc[15_000] = "parent@example.org"
    findings = scan_identifiers(pd.DataFrame({"note": notes}), sample_size=None)
    assert findings.to_dict("records") == [
        {"column": "note", "kind": "email", "evidence": "values", "n_rows": 1, "example_row_number": 15_001}
    ]


def test_find_person_ids_in_text_matches_whole_tokens():
    text = '{"ward": "E05011118", "ids": ["P123"], "note": "P1234 is not P12"}'
    assert find_person_ids(text, ["P123", "P12", "P999"]) == ["P12", "P123"]


def test_find_person_ids_in_a_frame_checks_cells_and_column_names():
    frame = pd.DataFrame({"ward_code": ["E05011118", "E05011119"], "P7": [1, 2], "n": [10, 42]})
    assert find_person_ids(frame, ["P7", "42", "P8"]) == ["42", "P7"]
    assert find_person_ids(frame.drop(columns="P7"), ["P7", "P8"]) == []
