"""The insights report: every table, chart and the summary are written; ward counts are published safely."""

import numpy as np
import pandas as pd
import pytest

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    CASELOAD,
    COST,
    MEASURE,
    MEASURES,
    MONTH,
    PANEL_COLUMNS,
    STARTS,
    VALUE,
    WARD_CODE,
)
from demandcast.data.wards import load_wards
from demandcast.insights.concentration import COUNT, RATE_PER_10K
from demandcast.insights.report import SUMMARY_FILE, council_insights, write_report

SEED = 11


@pytest.fixture(scope="module")
def wards():
    return load_wards()


@pytest.fixture(scope="module")
def small_count_panel(wards):
    """24 months of seeded Poisson counts with ward means from 0.3 to 30, so many cells are 1 to 7."""
    rng = np.random.default_rng(SEED)
    pairs = load_catalogue().pairs()
    months = pd.date_range("2022-04-01", "2024-03-01", freq="MS")
    ward_means = np.geomspace(0.3, 30, len(wards))
    rows = []
    for ward, mean in zip(wards[WARD_CODE], ward_means, strict=True):
        for group, service in pairs:
            caseload = rng.poisson(mean, len(months)).astype(float)
            values = {CASELOAD: caseload, STARTS: rng.poisson(mean / 5, len(months)), COST: caseload * 700.0}
            rows += [(ward, group, service, month, measure, float(values[measure][i]))
                     for i, month in enumerate(months) for measure in MEASURES]
    return pd.DataFrame(rows, columns=list(PANEL_COLUMNS))


@pytest.fixture(scope="module")
def written(small_count_panel, wards, tmp_path_factory):
    insights = council_insights(small_count_panel, wards, permutations=99, seed=SEED)
    return insights, write_report(insights, wards, tmp_path_factory.mktemp("report"))


def test_ward_table_publishes_no_count_from_1_to_7_and_only_multiples_of_5(written):
    _, report = written
    published = pd.read_csv(report.folder / "ward_rates.csv")
    counts = published[COUNT].dropna()
    assert len(counts) > 0
    assert not counts.between(1, 7).any()
    assert (counts % 5 == 0).all()
    assert published[COUNT].isna().any()  # the small wards really were suppressed


def test_ward_rates_are_missing_exactly_where_the_count_is_suppressed(written):
    insights, _ = written
    rates = insights.ward_rates
    assert rates[RATE_PER_10K].isna().equals(rates[COUNT].isna())


def test_report_writes_every_table_chart_and_the_summary(written):
    insights, report = written
    names = {path.name for path in report.folder.iterdir()}
    assert {f"{stem}.csv" for stem in insights.tables()} <= names
    assert {"cost_by_year.png", "ward_rates_map.png", "ward_clusters_map.png", SUMMARY_FILE} <= names
    assert not [name for name in names if name.startswith(".")]  # no temporary file left behind
    assert (report.folder / "cost_by_year.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = report.summary.read_text()
    assert "## Where demand concentrates" in summary and "Moran's I" in summary


def test_council_insights_does_not_modify_the_panel(small_count_panel, wards):
    before = small_count_panel.copy()
    council_insights(small_count_panel[small_count_panel[MONTH] >= "2023-04-01"], wards, permutations=19)
    pd.testing.assert_frame_equal(small_count_panel, before)
    assert set(small_count_panel[MEASURE]) == set(MEASURES) and small_count_panel[VALUE].ge(0).all()
