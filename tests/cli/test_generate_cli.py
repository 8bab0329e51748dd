"""`demandcast generate` writes the demo city's records and wards; --priced-each-april a row per price."""

import pandas as pd
import pytest
from typer.testing import CliRunner

import demandcast.cli.generate  # noqa: F401  (registers the command)
from demandcast.catalogue import load_catalogue
from demandcast.cli.app import EXIT_OK, app
from demandcast.cli.generate import RECORDS_FILE, WARDS_FILE
from demandcast.columns import COST, MEASURE, PACKAGE_ID, WARD_CODE
from demandcast.data.wards import load_wards
from demandcast.features.panel import monthly_panel


def generated(folder, *options: str) -> pd.DataFrame:
    result = CliRunner().invoke(
        app,
        ["generate", "--out", str(folder), "--seed", "3", "--start", "2022-04", "--months", "36", *options],
    )
    assert result.exit_code == EXIT_OK, result.output
    assert (
        folder / WARDS_FILE
    ).exists() and f"{len(pd.read_parquet(folder / RECORDS_FILE)):,} rows" in result.output
    return pd.read_parquet(folder / RECORDS_FILE)


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    return generated(tmp_path_factory.mktemp("plain")), generated(
        tmp_path_factory.mktemp("priced"), "--priced-each-april"
    )


def test_generate_writes_one_row_per_package_by_default(both):
    plain, _ = both
    assert plain[PACKAGE_ID].is_unique


def test_priced_each_april_writes_a_row_per_price_with_the_same_counts_and_dearer_cost(both):
    plain, priced = both
    assert len(priced) > len(plain) and not priced[PACKAGE_ID].is_unique
    assert set(priced[PACKAGE_ID]) == set(plain[PACKAGE_ID])
    wards, catalogue = load_wards()[WARD_CODE].tolist(), load_catalogue()
    panels = [monthly_panel(r, ward_codes=wards, catalogue=catalogue, as_of="2025-03-31") for r in both]
    counts = panels[0][MEASURE] != COST
    pd.testing.assert_frame_equal(panels[0][counts], panels[1][counts])
    assert panels[1].loc[~counts, "value"].sum() > panels[0].loc[~counts, "value"].sum()
