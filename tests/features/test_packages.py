"""Rows continuing a package: one package priced again is one package, in the panel and the paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    CLIENT_GROUP,
    COST,
    END_DATE,
    MEASURE,
    MONTH,
    OLDER_PEOPLE,
    PACKAGE_ID,
    PERSON_ID,
    SERVICE,
    START_DATE,
    STARTS,
    UNIT_COST,
    VALUE,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.demo.generate import generate_demo_city
from demandcast.data.demo.uplifts import priced_each_april
from demandcast.features.caseload_paths import caseload_paths
from demandcast.features.packages import continues_package, package_continuity, package_spans
from demandcast.features.panel import monthly_panel

CATALOGUE = load_catalogue()
HISTORY_START = "2020-04-01"


def rows(*spans: tuple) -> pd.DataFrame:
    """Older people's home care from (package_id, person, ward, start, end or None, weekly_cost) tuples."""
    frame = pd.DataFrame(spans, columns=[PACKAGE_ID, PERSON_ID, WARD_CODE, START_DATE, END_DATE, WEEKLY_COST])
    frame[CLIENT_GROUP], frame[SERVICE] = OLDER_PEOPLE, "home_care"
    frame[START_DATE] = pd.to_datetime(frame[START_DATE])
    frame[END_DATE] = pd.to_datetime(frame[END_DATE])
    frame[WEEKLY_COST] = frame[WEEKLY_COST].astype(float)
    return frame


def test_a_row_continues_its_package_when_it_starts_by_the_day_after_the_latest_earlier_end():
    frame = rows(
        ("A", "p1", "W1", "2024-04-01", "2025-03-31", 110),  # listed before the row it continues
        ("A", "p1", "W1", "2023-04-01", "2024-03-31", 100),
        ("A", "p1", "W1", "2025-03-01", None, 120),  # overlaps the row before: still the package
        ("B", "p2", "W1", "2024-01-01", "2024-01-31", 100),
        ("B", "p2", "W1", "2024-03-01", None, 100),  # after a month's gap: resumed, a start
        ("C", "p3", "W1", "2024-01-01", "2024-06-30", 100),
        ("C", "p3", "W2", "2024-07-01", None, 100),  # moved ward: a start in the new ward
        ("D", "p4", "W1", "2024-01-01", "2024-12-31", 100),
        ("D", "p4", "W1", "2024-02-01", "2024-03-31", 100),  # nested in the first row
    )
    assert continues_package(frame).tolist() == [True, False, True, False, False, False, False, False, True]


def test_days_shared_with_earlier_rows_of_the_package_are_counted_up_to_the_extract_date():
    frame = rows(
        ("A", "p1", "W1", "2024-04-01", "2025-03-31", 110),
        ("A", "p1", "W1", "2023-04-01", "2024-04-10", 100),  # its last 10 days shared with the row above
        ("A", "p1", "W1", "2025-03-01", None, 120),  # March 2025 shared with the first row
        ("B", "p2", "W1", "2024-01-01", "2024-01-31", 100),
        ("B", "p2", "W1", "2024-02-01", None, 100),  # the day after: continues, shares nothing
        ("D", "p4", "W1", "2024-01-01", None, 100),
        ("D", "p4", "W1", "2024-02-01", None, 100),  # both open: shared to the extract date
        ("E", "p5", "W1", "2024-01-01", "2024-06-30", 100),
        ("E", "p5", "W2", "2024-03-01", None, 100),  # another ward: another package, nothing shared
    )
    continuing, shared = package_continuity(frame, through=pd.Timestamp("2024-12-31"))
    assert continuing.tolist() == continues_package(frame).tolist()
    # the 2023 row sorts first, so the April 2024 row is the one sharing 1-10 April; the March 2025
    # row is beyond the extract date
    assert shared.tolist() == [10, 0, 0, 0, 0, 0, 335, 0, 0]
    assert package_continuity(frame, through=pd.Timestamp("2026-03-31"))[1][[0, 2, 6]].tolist() == [
        10,
        31,
        790,
    ]
    without_ids = frame.assign(**{PACKAGE_ID: None})
    assert not package_continuity(without_ids, through=pd.Timestamp("2026-03-31"))[1].any()


def test_no_row_continues_without_package_ids():
    frame = rows(
        ("A", "p1", "W1", "2023-04-01", "2024-03-31", 100), ("A", "p1", "W1", "2024-04-01", None, 110)
    )
    assert not continues_package(frame.drop(columns=PACKAGE_ID)).any()
    assert not continues_package(frame.assign(**{PACKAGE_ID: [None, None]})).any()
    assert not continues_package(frame.assign(**{PACKAGE_ID: ["", ""]})).any()


def test_package_spans_folds_the_rows_into_the_first_and_drops_the_prices():
    frame = rows(
        ("A", "p1", "W1", "2024-04-01", "2025-03-31", 110),
        ("A", "p1", "W1", "2023-04-01", "2024-03-31", 100),
        ("B", "p2", "W1", "2024-01-01", "2024-06-30", 100),
        ("B", "p2", "W1", "2024-07-01", None, 105),
    ).assign(**{UNIT_COST: 1.0})
    spans = package_spans(frame)
    assert spans[PACKAGE_ID].tolist() == ["A", "B"]
    assert spans[START_DATE].tolist() == [pd.Timestamp("2023-04-01"), pd.Timestamp("2024-01-01")]
    assert spans[END_DATE].iloc[0] == pd.Timestamp("2025-03-31") and pd.isna(spans[END_DATE].iloc[1])
    assert WEEKLY_COST not in spans.columns and UNIT_COST not in spans.columns
    one_row_each = frame.drop_duplicates(PACKAGE_ID)
    assert package_spans(one_row_each) is one_row_each


def test_panel_counts_one_start_and_the_new_price_of_a_package_priced_again_each_april():
    frame = rows(
        ("A", "p1", "W1", "2024-03-01", "2024-03-31", 70), ("A", "p1", "W1", "2024-04-01", None, 140)
    )
    panel = monthly_panel(frame, ward_codes=["W1"], catalogue=CATALOGUE, start="2024-03", as_of="2024-04-30")
    cell = panel[(panel[CLIENT_GROUP] == OLDER_PEOPLE) & (panel[SERVICE] == "home_care")]
    values = cell.pivot_table(index=MONTH, columns=MEASURE, values=VALUE)
    assert values[STARTS].tolist() == [1.0, 0.0]
    assert values[COST].tolist() == [31 * 10.0, 30 * 20.0]
    assert values["caseload"].tolist() == [1.0, 1.0]


@pytest.fixture(scope="module")
def demo_records() -> pd.DataFrame:
    return generate_demo_city(seed=5, start="2020-04", months=60)


def test_a_demo_city_priced_again_each_april_has_the_same_panel(demo_records):
    split = priced_each_april(demo_records, HISTORY_START, uprated=False)
    assert len(split) > 1.5 * len(demo_records)  # most packages run across an April
    wards = sorted(demo_records[WARD_CODE].unique())
    whole = monthly_panel(demo_records, ward_codes=wards, catalogue=CATALOGUE)
    priced_again = monthly_panel(split, ward_codes=wards, catalogue=CATALOGUE)
    pd.testing.assert_frame_equal(whole, priced_again, rtol=1e-12)
    dearer = monthly_panel(
        priced_each_april(demo_records, HISTORY_START), ward_codes=wards, catalogue=CATALOGUE
    )
    counts = whole[MEASURE] != COST
    pd.testing.assert_frame_equal(whole[counts], dearer[counts])
    uprated_spend, spend = dearer.loc[~counts, VALUE].sum(), whole.loc[~counts, VALUE].sum()
    assert uprated_spend > 1.05 * spend  # prices grow 3-10% a year, open packages now with them


def test_a_demo_city_priced_again_each_april_has_the_same_caseload_paths(demo_records):
    wards = pd.Series("C1", index=demo_records[WARD_CODE].unique())
    origins = {pd.Timestamp("2023-09-01"): 12, pd.Timestamp("2024-03-01"): 12}
    first_month = pd.Timestamp(HISTORY_START)
    whole = caseload_paths(demo_records, wards, origins, first_month)
    priced_again = caseload_paths(priced_each_april(demo_records, HISTORY_START), wards, origins, first_month)
    pd.testing.assert_frame_equal(whole, priced_again)
    assert np.isfinite(whole["variance"]).all()
