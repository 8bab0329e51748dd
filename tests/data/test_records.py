"""read_records: CSV and Parquet as strings, nothing coerced, and the column-mapping file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demandcast.data.records import read_mapping, read_records
from demandcast.errors import InputError

EXAMPLE_MAPPING = Path(__file__).resolve().parent / "example_mapping.yaml"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_values_come_back_exactly_as_written(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "person_id,weekly_cost,end_date\nP1,NA,\n007,1e3, 2024-01-01\n")
    frame = read_records(path)
    assert frame.to_dict("list") == {
        "person_id": ["P1", "007"],
        "weekly_cost": ["NA", "1e3"],
        "end_date": ["", " 2024-01-01"],
    }
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in frame.columns)
    assert list(frame.index) == [0, 1]


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "\ufeffperson_id,ward_code\nP1,E05011118\n")
    assert list(read_records(path).columns) == ["person_id", "ward_code"]


def test_a_windows_1252_csv_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "person_id,weekly_cost\nP1,£250\n", encoding="cp1252")
    assert read_records(path)["weekly_cost"].tolist() == ["£250"]


def test_parquet_values_become_strings_consistently(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "start_date": pd.to_datetime(["2024-02-29", None]),
            "stamp": pd.to_datetime(["2024-01-01 10:30:00", "2024-01-02 00:00:00"]),
            "day": [dt.date(2023, 4, 1), None],
            "weekly_cost": [250.5, np.nan],
            "infinite": [np.inf, 1.0],
            "birth_year": pd.array([1950, None], dtype="Int64"),
            "person_id": pd.array(["P1", None], dtype=str),
        }
    )
    frame.to_parquet(tmp_path / "r.parquet")
    assert read_records(tmp_path / "r.parquet").to_dict("list") == {
        "start_date": ["2024-02-29", ""],
        "stamp": ["2024-01-01 10:30:00", "2024-01-02 00:00:00"],
        "day": ["2023-04-01", ""],
        "weekly_cost": ["250.5", ""],
        "infinite": ["inf", "1.0"],
        "birth_year": ["1950", ""],
        "person_id": ["P1", ""],
    }


def test_parquet_attrs_such_as_the_extract_date_are_kept(tmp_path: Path) -> None:
    frame = pd.DataFrame({"person_id": ["P1"]})
    frame.attrs["as_of"] = "2026-03-31"
    frame.to_parquet(tmp_path / "r.parquet")
    assert read_records(tmp_path / "r.parquet").attrs == {"as_of": "2026-03-31"}


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^.*nope\.csv: no such file$"):
        read_records(tmp_path / "nope.csv")


def test_an_unsupported_suffix_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path / "r.xlsx", "x")
    with pytest.raises(
        InputError, match=r"r\.xlsx: unsupported file type '\.xlsx'; expected \.csv or \.parquet$"
    ):
        read_records(path)


def test_an_empty_csv_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"r\.csv: the file is empty \(no header row\)$"):
        read_records(write(tmp_path / "r.csv", ""))


def test_a_corrupt_parquet_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"r\.parquet: cannot read records \("):
        read_records(write(tmp_path / "r.parquet", "not parquet at all"))


def test_the_example_mapping_renames_columns_and_recodes_values(tmp_path: Path) -> None:
    path = write(
        tmp_path / "extract.csv",
        "ClientRef,WardCode,ClientGroup,ServiceElement,StartDate,EndDate,WeeklyCost,AgreementID,Notes\n"
        "C1,E05011118,OP,HS01,2024-01-01,,120.00,A1,x\n"
        "C2,E05011119,CH,XX99,2024-02-01,,900.00,A2,y\n",
    )
    frame = read_records(path, mapping=EXAMPLE_MAPPING)
    assert list(frame.columns) == [
        "person_id", "ward_code", "client_group", "service",
        "start_date", "end_date", "weekly_cost", "package_id", "Notes",
    ]  # fmt: skip
    assert frame["client_group"].tolist() == ["older_people", "children"]
    assert frame["service"].tolist() == ["home_care", "XX99"]


def test_mapping_a_column_the_file_does_not_have_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path / "extract.csv", "ClientRef\nC1\n")
    with pytest.raises(
        InputError,
        match=r"extract\.csv: the column mapping names columns the file does not have: \['WardCode', ",
    ):
        read_records(path, mapping=EXAMPLE_MAPPING)


def test_a_mapping_that_makes_a_column_appear_twice_is_an_input_error(tmp_path: Path) -> None:
    mapping = write(tmp_path / "m.yaml", "columns:\n  ClientRef: person_id\n")
    path = write(tmp_path / "extract.csv", "ClientRef,person_id\nC1,P1\n")
    with pytest.raises(
        InputError, match=r"after the column mapping, these columns appear twice: \['person_id'\]$"
    ):
        read_records(path, mapping=mapping)


def test_a_mapping_onto_an_unknown_column_names_it(tmp_path: Path) -> None:
    mapping = write(tmp_path / "m.yaml", "columns:\n  ClientRef: client\n")
    with pytest.raises(
        InputError, match=r"m\.yaml: 'columns' maps onto unknown records columns \['client'\]; "
    ):
        read_mapping(mapping)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "a column mapping has only 'columns' and 'values' sections"),
        ("renames: {}\n", "a column mapping has only 'columns' and 'values' sections"),
        ("columns: [a, b]\n", "'columns' must be a mapping of names to names"),
        ("values: {service: [a]}\n", "'values.service' must be a mapping of names to names"),
        ("columns: {a: [unclosed\n", "cannot read the column mapping"),
    ],
)
def test_a_malformed_mapping_says_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=f"m.yaml: {message}".replace("(", r"\(").replace("[", r"\[")):
        read_mapping(write(tmp_path / "m.yaml", text))


def test_reading_with_a_mapping_leaves_the_codes_unmapped_when_not_listed(tmp_path: Path) -> None:
    mapping = write(tmp_path / "m.yaml", "values:\n  service:\n    HS01: home_care\n")
    path = write(tmp_path / "r.csv", "service\nHS01\nhome_care\nHS02\n")
    assert read_records(path, mapping=mapping)["service"].tolist() == ["home_care", "home_care", "HS02"]
