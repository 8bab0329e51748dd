"""`demandcast pseudonymise IN OUT --key-file F` writes a keyed copy and refuses to run without a key."""

import pandas as pd
import pytest
from typer.testing import CliRunner

import demandcast.cli.pseudonymise  # noqa: F401  (registers the command)
from demandcast.checks.pseudonymise import pseudonym
from demandcast.cli.app import app

KEY = b"council-secret-" + b"k" * 20


@pytest.fixture()
def records_csv(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(
        "person_id,ward_code,nhs\n0012,E05011118,943 476 5919\n0012,E05011119,4010232137\n,E05011120,\n"
    )
    return path


@pytest.fixture()
def key_file(tmp_path):
    path = tmp_path / "council.key"
    path.write_bytes(KEY)
    return path


def test_pseudonymises_a_csv_keeping_leading_zeros_and_gaps(records_csv, key_file, tmp_path):
    target = tmp_path / "out.csv"
    arguments = ["pseudonymise", str(records_csv), str(target), "--key-file", str(key_file)]
    result = CliRunner().invoke(app, [*arguments, "--columns", "person_id,nhs"])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(target, dtype="str")
    assert out["person_id"].iloc[0] == out["person_id"].iloc[1] == pseudonym("0012", KEY)
    assert out["nhs"].iloc[0] == pseudonym("9434765919", KEY)
    assert out["person_id"].isna().iloc[2]
    assert "9434765919" not in target.read_text() and "0012" not in target.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_pseudonymises_parquet_to_parquet(key_file, tmp_path):
    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pd.DataFrame({"person_id": ["A", "B"], "weekly_cost": [100.0, 200.0]}).to_parquet(source)
    result = CliRunner().invoke(app, ["pseudonymise", str(source), str(target), "--key-file", str(key_file)])
    assert result.exit_code == 0, result.output
    out = pd.read_parquet(target)
    assert out["person_id"].tolist() == [pseudonym("A", KEY), pseudonym("B", KEY)]
    assert out["weekly_cost"].tolist() == [100.0, 200.0]


def test_refuses_to_run_without_a_key(records_csv, tmp_path):
    result = CliRunner().invoke(app, ["pseudonymise", str(records_csv), str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert "needs --key-file" in result.output
    assert not (tmp_path / "out.csv").exists()


def test_refuses_a_short_key(records_csv, tmp_path):
    (tmp_path / "weak.key").write_bytes(b"password")
    result = CliRunner().invoke(app, ["pseudonymise", str(records_csv), str(tmp_path / "o.csv"),
                                      "--key-file", str(tmp_path / "weak.key")])
    assert result.exit_code == 2
    assert "8 bytes is too short" in result.output


def test_new_key_file_creates_the_key_first(records_csv, tmp_path):
    key = tmp_path / "new.key"
    result = CliRunner().invoke(app, ["pseudonymise", str(records_csv), str(tmp_path / "o.csv"),
                                      "--key-file", str(key), "--new-key-file"])
    assert result.exit_code == 0, result.output
    assert len(key.read_bytes()) == 64


def test_warns_when_identifiers_remain(records_csv, key_file, tmp_path):
    result = CliRunner().invoke(app, ["pseudonymise", str(records_csv), str(tmp_path / "o.csv"),
                                      "--key-file", str(key_file)])
    assert result.exit_code == 0
    assert "column 'nhs' still holds NHS numbers" in result.output
