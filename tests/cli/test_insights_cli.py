"""`demandcast insights [RECORDS] --out DIR` writes the report folder and exits 0, 1 or 2."""

import pandas as pd
import pytest
from typer.testing import CliRunner

import demandcast.cli.insights  # noqa: F401  (registers the command)
from demandcast.cli.app import EXIT_OK, EXIT_ROWS_QUARANTINED, EXIT_UNUSABLE_INPUT, app
from demandcast.insights.concentration import COUNT
from demandcast.insights.report import SUMMARY_FILE

HEADER = "person_id,ward_code,client_group,service,start_date,end_date,weekly_cost\n"
ROWS = "".join(
    f"p{i},E0501111{8 + i % 2},older_people,{'home_care' if i % 3 else 'nursing'},2023-0{1 + i % 9}-15,,"
    f"{200 + 10 * i}\n"
    for i in range(40)
) + "c1,E05011120,children,foster_inhouse,2023-02-01,2024-02-29,650\n"
BAD_ROW = "p99,E05011118,older_people,home_care,2024-02-10,2024-01-01,70\n"  # ends before it starts
EXPECTED_FILES = {SUMMARY_FILE, "ward_rates.csv", "council_costs.csv", "ward_clusters_map.png"}


def run(*arguments: str):
    return CliRunner().invoke(app, ["insights", *arguments])


def test_insights_writes_the_report_from_records(tmp_path):
    records = tmp_path / "records.csv"
    records.write_text(HEADER + ROWS)
    out = tmp_path / "report"
    result = run(str(records), "--out", str(out), "--seed", "3")
    assert result.exit_code == EXIT_OK, result.output
    assert EXPECTED_FILES <= {path.name for path in out.iterdir()}
    counts = pd.read_csv(out / "ward_rates.csv")[COUNT].dropna()
    assert not counts.between(1, 7).any() and (counts % 5 == 0).all()
    assert "report:" in result.output


def test_insights_exits_1_and_still_reports_when_rows_are_quarantined(tmp_path):
    records = tmp_path / "records.csv"
    records.write_text(HEADER + ROWS + BAD_ROW)
    result = run(str(records), "--out", str(tmp_path / "report"))
    assert result.exit_code == EXIT_ROWS_QUARANTINED, result.output
    assert (tmp_path / "report" / SUMMARY_FILE).exists()


def test_insights_exits_2_on_an_unknown_disclosure_rule(tmp_path):
    records = tmp_path / "records.csv"
    records.write_text(HEADER + ROWS)
    result = run(str(records), "--out", str(tmp_path / "report"), "--rule", "none")
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "unknown" in result.output


@pytest.mark.slow
def test_insights_without_records_reports_on_the_demo_city(tmp_path):
    result = run("--out", str(tmp_path))
    assert result.exit_code == EXIT_OK, result.output
    assert EXPECTED_FILES <= {path.name for path in tmp_path.iterdir()}
    assert "Sutton" in (tmp_path / SUMMARY_FILE).read_text()
