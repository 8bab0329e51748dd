"""`demandcast panel RECORDS --out PANEL.parquet` validates, builds the panel and exits 0, 1 or 2."""

import pandas as pd
import pytest
from typer.testing import CliRunner

import demandcast.cli.panel  # noqa: F401  (registers the command)
from demandcast.catalogue import load_catalogue
from demandcast.cli.app import EXIT_OK, EXIT_ROWS_QUARANTINED, EXIT_UNUSABLE_INPUT, app
from demandcast.columns import CASELOAD, COST, MEASURE, MONTH, PANEL_COLUMNS, SERVICE, VALUE, WARD_CODE
from demandcast.data.wards import load_wards

HEADER = "person_id,ward_code,client_group,service,start_date,end_date,weekly_cost\n"
GOOD_ROWS = (
    "p1,E05011118,older_people,home_care,2024-01-15,,70\n"
    "p2,E05011119,children,foster_inhouse,2023-06-01,2024-02-01,700\n"
    "p3,E05011118,working_age,residential,2024-02-10,2024-03-31,1400\n"
)
BAD_ROW = "p4,E05011118,older_people,home_care,2024-02-10,2024-01-01,70\n"  # ends before it starts


def write(tmp_path, text: str):
    path = tmp_path / "records.csv"
    path.write_text(text)
    return path


def run(*arguments: str):
    return CliRunner().invoke(app, ["panel", *arguments])


@pytest.fixture(scope="module")
def n_wards():
    return len(load_wards())


def test_panel_writes_every_cell_and_exits_0_when_all_rows_are_accepted(tmp_path, n_wards):
    out = tmp_path / "panel.parquet"
    result = run(str(write(tmp_path, HEADER + GOOD_ROWS)), "--start", "2024-01", "--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    built = pd.read_parquet(out)
    assert list(built.columns) == list(PANEL_COLUMNS)
    months = pd.date_range("2024-01-01", "2024-03-01", freq="MS")
    assert built[MONTH].drop_duplicates().tolist() == list(months)
    assert len(built) == n_wards * len(load_catalogue().pairs()) * 3 * 3
    march_home_care = built[
        (built[WARD_CODE] == "E05011118") & (built[SERVICE] == "home_care") & (built[MONTH] == "2024-03-01")
    ]
    assert dict(zip(march_home_care[MEASURE], march_home_care[VALUE], strict=True))[COST] == 310.0
    assert "panel rows" in result.output and f"{len(built):,}" in result.output
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_panel_still_writes_from_accepted_rows_and_exits_1_when_rows_are_quarantined(tmp_path):
    out = tmp_path / "panel.parquet"
    records = write(tmp_path, HEADER + GOOD_ROWS + BAD_ROW)
    result = run(str(records), "--as-of", "2024-03-31", "--out", str(out))
    assert result.exit_code == EXIT_ROWS_QUARANTINED, result.output
    built = pd.read_parquet(out)
    caseload = built[(built[MEASURE] == CASELOAD) & (built[SERVICE] == "home_care")]
    assert caseload[VALUE].max() == 1.0  # p4 was left out
    quarantine = pd.read_csv(tmp_path / "panel.quarantine.csv")
    assert len(quarantine) == 1
    assert "quarantined" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--start", "2024-05"], "start: 2024-05 is after the last complete month"),
        (["--as-of", "someday"], "someday"),
    ],
)
def test_panel_exits_2_on_unusable_arguments(tmp_path, arguments, message):
    out = tmp_path / "panel.parquet"
    result = run(str(write(tmp_path, HEADER + GOOD_ROWS)), *arguments, "--out", str(out))
    assert result.exit_code == EXIT_UNUSABLE_INPUT, result.output
    assert message in result.output
    assert not out.exists()


def test_panel_exits_2_naming_a_missing_column(tmp_path):
    text = HEADER.replace(",weekly_cost", "") + "p1,E05011118,older_people,home_care,2024-01-15,\n"
    result = run(str(write(tmp_path, text)), "--out", str(tmp_path / "panel.parquet"))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "weekly_cost" in result.output


def test_panel_reads_a_package_priced_again_as_one_package(tmp_path):
    # a council's extract: the package's price rises on 1 March, a second row under the same package_id
    rows = (
        "package_id,person_id,ward_code,client_group,service,start_date,end_date,weekly_cost\n"
        "A1,p1,E05011118,older_people,home_care,2024-01-15,2024-02-29,70\n"
        "A1,p1,E05011118,older_people,home_care,2024-03-01,,140\n"
    )
    out = tmp_path / "panel.parquet"
    result = run(str(write(tmp_path, rows)), "--start", "2024-01", "--as-of", "2024-03-31", "--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    built = pd.read_parquet(out)
    cell = built[
        (built[WARD_CODE] == "E05011118")
        & (built["client_group"] == "older_people")
        & (built[SERVICE] == "home_care")
    ]
    values = cell.pivot_table(index=MONTH, columns=MEASURE, values=VALUE)
    assert values["starts"].tolist() == [1.0, 0.0, 0.0]
    assert values[CASELOAD].tolist() == [1.0, 1.0, 1.0]
    assert values[COST].tolist() == [17 * 10.0, 29 * 10.0, 31 * 20.0]
