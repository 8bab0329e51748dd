"""Every command that reads records refuses direct identifiers with exit 2, naming the column and kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from demandcast.cli import app

# 9434765919 and 4010232137 are valid under the NHS mod-11 check digit.
RECORDS_WITH_NHS_NUMBERS = (
    "person_id,ward_code,client_group,service,start_date,end_date,weekly_cost\n"
    "9434765919,E05011118,older_people,home_care,2024-01-15,,250.50\n"
    "4010232137,E05011119,children,kinship,2023-05-01,2024-02-29,310.00\n"
)


@pytest.mark.parametrize("command", ["validate", "panel"])
def test_records_keyed_by_nhs_number_are_refused(command: str, tmp_path: Path) -> None:
    records = tmp_path / "records.csv"
    records.write_text(RECORDS_WITH_NHS_NUMBERS)
    args = [command, str(records)]
    if command == "panel":
        args += ["--out", str(tmp_path / "panel.parquet")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "person_id" in result.stderr and "NHS numbers" in result.stderr
    assert not (tmp_path / "panel.parquet").exists()
