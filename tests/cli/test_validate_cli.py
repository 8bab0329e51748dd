"""`demandcast validate`: counts and reasons on the terminal, quarantine on disk, exit codes 0/1/2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from demandcast.cli import app

HEADER = "person_id,ward_code,client_group,service,start_date,end_date,weekly_cost,package_id\n"
GOOD_ROWS = (
    "PX001,E05011118,older_people,home_care,2024-01-15,,250.50,K1\n"
    "PX002,E05011119,children,kinship,2023-05-01,2024-02-29,310.00,K2\n"
)
BAD_ROWS = (
    "PX003,E05099999,older_people,home_care,2024-02-30,,-5,K3\n"
    "PX004,E05011118,children,home_care,2024-01-01,,100,K4\n"
    "PX001,E05011118,older_people,home_care,2024-01-15,,250.50,K1\n"
)


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def write_records(folder: Path, text: str) -> Path:
    path = folder / "records.csv"
    path.write_text(text)
    return path


def test_clean_records_exit_0_and_write_an_empty_quarantine(runner: CliRunner, tmp_path: Path) -> None:
    records = write_records(tmp_path, HEADER + GOOD_ROWS)
    result = runner.invoke(app, ["validate", str(records), "--quarantine", str(tmp_path / "q.csv")])
    assert result.exit_code == 0, result.output
    assert "input" in result.stdout and "accepted" in result.stdout
    assert pd.read_csv(tmp_path / "q.csv").empty


def test_rows_continuing_a_package_are_counted_among_the_accepted(runner: CliRunner, tmp_path: Path) -> None:
    clean = runner.invoke(app, ["validate", str(write_records(tmp_path, HEADER + GOOD_ROWS))])
    assert "continuing a package" not in clean.stdout
    priced_again = "PX002,E05011119,children,kinship,2024-03-01,,330.00,K2\n"  # K2 at a new price
    records = write_records(tmp_path, HEADER + GOOD_ROWS + priced_again)
    result = runner.invoke(app, ["validate", str(records)])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "continuing a package" in line)
    assert [cell.strip() for cell in line.split("│")[1:3]] == [
        "continuing a package (a new price: no new start)",
        "1",
    ], line


def test_rows_overlapping_their_package_are_counted_and_named(runner: CliRunner, tmp_path: Path) -> None:
    clean = runner.invoke(app, ["validate", str(write_records(tmp_path, HEADER + GOOD_ROWS))])
    assert "overlapping" not in clean.stdout
    # K2 priced again from 2024-02-01 without ending the old row (29 February 2024): 29 shared days
    overlaps = "PX002,E05011119,children,kinship,2024-02-01,2024-06-30,330.00,K2\n"
    records = write_records(tmp_path, HEADER + GOOD_ROWS + overlaps)
    result = runner.invoke(app, ["validate", str(records), "--as-of", "2026-03-31"])
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.strip("│ ").split()) for line in result.stdout.splitlines()]
    assert "continuing a package (a new price: no new start) │ 1" in lines
    assert "overlapping an earlier row of their package │ 1" in lines
    assert "days costed twice (each row costs its own days) │ 29" in lines
    caption = " ".join(result.stdout.split())  # row numbers count data rows from 1, as the quarantine does
    assert "rows overlapping an earlier row of their package (kept): 3" in caption


def test_quarantined_rows_exit_1_with_counts_per_reason(runner: CliRunner, tmp_path: Path) -> None:
    records = write_records(tmp_path, HEADER + GOOD_ROWS + BAD_ROWS)
    quarantine = tmp_path / "out" / "quarantine.csv"
    result = runner.invoke(
        app, ["validate", str(records), "--as-of", "2026-03-31", "--quarantine", str(quarantine)]
    )
    assert result.exit_code == 1, result.output
    lines = [" ".join(line.strip("│ ").split()) for line in result.stdout.splitlines()]
    for expected in (
        "input │ 5",
        "accepted │ 2",
        "quarantined │ 3",
        "ward_code: unknown ward │ 1",
        "start_date: impossible date │ 1",
        "weekly_cost: negative │ 1",
        "service: not offered to this client group │ 1",
        "row: exact duplicate of an earlier row │ 1",
    ):
        assert expected in lines, expected
    assert "extract date 2026-03-31" in result.stdout
    assert f"quarantine:{quarantine}" in "".join(result.stdout.split())  # rich may wrap a long path
    written = pd.read_csv(quarantine, dtype=str, keep_default_na=False)
    assert written["row_number"].tolist() == ["3", "4", "5"]
    assert written["reasons"].tolist() == [
        "ward_code: unknown ward; start_date: impossible date; weekly_cost: negative",
        "service: not offered to this client group",
        "row: exact duplicate of an earlier row",
    ]


def test_the_terminal_never_shows_person_level_values(runner: CliRunner, tmp_path: Path) -> None:
    records = write_records(tmp_path, HEADER + GOOD_ROWS + BAD_ROWS)
    result = runner.invoke(app, ["validate", str(records), "--quarantine", str(tmp_path / "q.csv")])
    assert result.exit_code == 1
    assert "PX00" not in result.output
    assert "K3" not in result.output and "E05099999" not in result.output


def test_the_quarantine_goes_next_to_the_records_by_default(runner: CliRunner, tmp_path: Path) -> None:
    records = write_records(tmp_path, HEADER + GOOD_ROWS + BAD_ROWS)
    result = runner.invoke(app, ["validate", str(records)])
    assert result.exit_code == 1
    assert len(pd.read_csv(tmp_path / "records.quarantine.csv")) == 3


def test_a_missing_column_exits_2_naming_it_on_stderr(runner: CliRunner, tmp_path: Path) -> None:
    records = write_records(tmp_path, "person_id,ward_code,service,start_date,end_date\nP1,E05011118,x,,\n")
    result = runner.invoke(app, ["validate", str(records)])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "missing required columns: client_group, weekly_cost (required:" in message
    assert result.stdout == ""


def test_a_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.parquet")])
    assert result.exit_code == 2
    assert "nope.parquet: no such file" in " ".join(result.stderr.split())


def test_an_unusable_extract_date_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    records = write_records(tmp_path, HEADER + GOOD_ROWS)
    result = runner.invoke(app, ["validate", str(records), "--as-of", "soon"])
    assert result.exit_code == 2
    assert "the extract date 'soon' is not a date" in " ".join(result.stderr.split())


def test_a_broken_catalogue_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    records = write_records(tmp_path, HEADER + GOOD_ROWS)
    (tmp_path / "services.yaml").write_text("services: 3\n")
    result = runner.invoke(app, ["validate", str(records), "--catalogue", str(tmp_path / "services.yaml")])
    assert result.exit_code == 2
    assert "cannot use the service catalogue" in " ".join(result.stderr.split())


def test_a_mapping_file_is_applied(runner: CliRunner, tmp_path: Path) -> None:
    records = tmp_path / "extract.csv"
    records.write_text(
        "ClientRef,WardCode,ClientGroup,ServiceElement,StartDate,EndDate,WeeklyCost,AgreementID\n"
        "C1,E05011118,OP,HS01,01/04/2024,,120.00,A1\n"
    )
    mapping = Path(__file__).resolve().parents[1] / "data" / "example_mapping.yaml"
    result = runner.invoke(app, ["validate", str(records), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output


def test_help_describes_the_exit_codes(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "--help"])
    assert result.exit_code == 0
    assert "Exit 0 when every row is accepted, 1 when some rows were quarantined" in " ".join(
        result.stdout.split()
    )
