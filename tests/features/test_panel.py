"""The monthly ward panel: golden values on tiny hand-made records, its shape, defaults and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    CASELOAD,
    CLIENT_GROUP,
    COST,
    END_DATE,
    MEASURE,
    MEASURES,
    MONTH,
    OLDER_PEOPLE,
    PANEL_COLUMNS,
    PERSON_ID,
    SERVICE,
    START_DATE,
    STARTS,
    VALUE,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.demo.generate import generate_demo_city
from demandcast.data.demo.uplifts import priced_each_april
from demandcast.errors import InputError
from demandcast.features.panel import monthly_panel, panel_window

CATALOGUE = load_catalogue()
WARDS = ["E05000001", "E05000002"]
HOME_CARE = (OLDER_PEOPLE, "home_care")


def records(*rows: tuple) -> pd.DataFrame:
    """Records from (person, ward, start, end or None, weekly_cost) tuples, all older people's home care."""
    frame = pd.DataFrame(rows, columns=[PERSON_ID, WARD_CODE, START_DATE, END_DATE, WEEKLY_COST])
    frame[CLIENT_GROUP], frame[SERVICE] = HOME_CARE
    frame[START_DATE] = pd.to_datetime(frame[START_DATE])
    frame[END_DATE] = pd.to_datetime(frame[END_DATE])
    frame[WEEKLY_COST] = frame[WEEKLY_COST].astype(float)
    return frame


def cell(panel: pd.DataFrame, month: str, ward: str = WARDS[0], pair: tuple[str, str] = HOME_CARE) -> dict:
    """{measure: value} of one ward x pair x month."""
    rows = panel[
        (panel[WARD_CODE] == ward)
        & (panel[CLIENT_GROUP] == pair[0])
        & (panel[SERVICE] == pair[1])
        & (panel[MONTH] == pd.Timestamp(month))
    ]
    return dict(zip(rows[MEASURE], rows[VALUE], strict=True))


def build(frame: pd.DataFrame, start: str, as_of: str) -> pd.DataFrame:
    return monthly_panel(frame, ward_codes=WARDS, catalogue=CATALOGUE, start=start, as_of=as_of)


def test_panel_counts_person_once_in_caseload_but_each_overlapping_package_in_starts():
    frame = records(
        ("p1", WARDS[0], "2024-03-05", "2024-03-20", 70),
        ("p1", WARDS[0], "2024-03-10", None, 14),
    )
    panel = build(frame, start="2024-03", as_of="2024-03-31")
    assert cell(panel, "2024-03-01") == {CASELOAD: 1.0, STARTS: 2.0, COST: 16 * 10.0 + 22 * 2.0}


def test_panel_counts_person_once_across_nested_and_separate_packages_in_one_cell():
    frame = records(
        ("p1", WARDS[0], "2024-01-20", "2024-03-10", 7),
        ("p1", WARDS[0], "2024-02-01", "2024-02-15", 7),  # nested in the first
        ("p1", WARDS[0], "2024-05-31", "2024-06-01", 7),  # after a gap in April
        ("p2", WARDS[0], "2024-03-01", None, 7),
    )
    panel = build(frame, start="2024-01", as_of="2024-06-30")
    months = ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01", "2024-06-01"]
    assert [cell(panel, m)[CASELOAD] for m in months] == [1.0, 1.0, 2.0, 1.0, 2.0, 2.0]
    assert [cell(panel, m)[STARTS] for m in months] == [1.0, 1.0, 1.0, 0.0, 1.0, 0.0]


def test_panel_counts_package_ending_on_the_first_in_that_month_for_one_day():
    frame = records(("p1", WARDS[0], "2024-01-10", "2024-02-01", 70))
    panel = build(frame, start="2024-01", as_of="2024-03-31")
    assert cell(panel, "2024-02-01") == {CASELOAD: 1.0, STARTS: 0.0, COST: 10.0}
    assert cell(panel, "2024-03-01") == {CASELOAD: 0.0, STARTS: 0.0, COST: 0.0}


def test_panel_costs_a_leap_year_february_at_29_days():
    frame = records(("p1", WARDS[0], "2023-12-01", None, 7))
    panel = build(frame, start="2023-02", as_of="2024-03-31")
    assert cell(panel, "2024-02-01")[COST] == 29.0
    assert cell(panel, "2023-02-01")[COST] == 0.0


def test_panel_runs_open_record_to_each_month_end():
    frame = records(("p1", WARDS[0], "2024-01-15", None, 7))
    panel = build(frame, start="2024-01", as_of="2024-04-30")
    costs = [cell(panel, m)[COST] for m in ("2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01")]
    assert costs == [17.0, 29.0, 31.0, 30.0]
    assert [cell(panel, m)[CASELOAD] for m in ("2024-01-01", "2024-04-01")] == [1.0, 1.0]


def test_panel_counts_record_started_before_the_window_in_caseload_not_starts():
    frame = records(("p1", WARDS[1], "2019-06-01", "2024-01-31", 7))
    panel = build(frame, start="2024-01", as_of="2024-02-29")
    assert cell(panel, "2024-01-01", ward=WARDS[1]) == {CASELOAD: 1.0, STARTS: 0.0, COST: 31.0}
    assert panel.loc[panel[MEASURE] == STARTS, VALUE].sum() == 0.0


def test_panel_keeps_people_in_different_cells_apart():
    frame = pd.concat(
        [
            records(("p1", WARDS[0], "2024-01-01", None, 7)),
            records(("p1", WARDS[1], "2024-01-01", None, 7)),
            records(("p1", WARDS[0], "2024-01-01", None, 7)).assign(**{SERVICE: "nursing"}),
        ],
        ignore_index=True,
    )
    panel = build(frame, start="2024-01", as_of="2024-01-31")
    caseloads = panel[(panel[MEASURE] == CASELOAD) & (panel[VALUE] > 0)]
    assert sorted(zip(caseloads[WARD_CODE], caseloads[SERVICE], strict=True)) == [
        (WARDS[0], "home_care"),
        (WARDS[0], "nursing"),
        (WARDS[1], "home_care"),
    ]


def test_panel_has_every_cell_with_zeros_and_the_contract_columns():
    frame = records(("p1", WARDS[0], "2024-01-15", None, 7))
    panel = build(frame, start="2023-11", as_of="2024-03-31")
    n_pairs = len(CATALOGUE.pairs())
    assert list(panel.columns) == list(PANEL_COLUMNS)
    assert len(panel) == len(WARDS) * n_pairs * 5 * len(MEASURES)
    assert not panel.duplicated([WARD_CODE, CLIENT_GROUP, SERVICE, MONTH, MEASURE]).any()
    assert set(panel[WARD_CODE]) == set(WARDS)
    assert set(zip(panel[CLIENT_GROUP], panel[SERVICE], strict=True)) == set(CATALOGUE.pairs())
    assert panel[MONTH].dt.day.eq(1).all()
    assert panel[VALUE].dtype == np.float64
    nonzero = panel[panel[VALUE] > 0]
    assert list(zip(nonzero[MONTH].dt.month, nonzero[MEASURE], strict=True)) == [
        (1, CASELOAD), (1, STARTS), (1, COST), (2, CASELOAD), (2, COST), (3, CASELOAD), (3, COST)
    ]


def test_panel_of_no_records_is_all_zeros_when_as_of_is_given():
    frame = records(("p1", WARDS[0], "2024-01-15", None, 7)).iloc[:0]
    panel = build(frame, start="2024-01", as_of="2024-02-29")
    assert len(panel) == len(WARDS) * len(CATALOGUE.pairs()) * 2 * len(MEASURES)
    assert panel[VALUE].eq(0.0).all()
    with pytest.raises(InputError, match="as_of: the records hold no dates, so as_of must be given"):
        monthly_panel(frame, ward_codes=WARDS, catalogue=CATALOGUE)


def test_panel_does_not_mutate_records():
    frame = records(
        ("p1", WARDS[0], "2024-01-15", None, 7),
        ("p2", WARDS[1], "2023-01-15", "2024-02-10", 350),
    )
    before = frame.copy(deep=True)
    build(frame, start="2024-01", as_of="2024-03-31")
    pd.testing.assert_frame_equal(frame, before)


def test_window_defaults_to_72_months_ending_with_the_last_complete_month_of_the_latest_date():
    frame = records(("p1", WARDS[0], "2019-01-01", "2026-03-31", 7))
    months = panel_window(frame)
    assert (months[0], months[-1]) == (pd.Timestamp("2020-04-01"), pd.Timestamp("2026-03-01"))
    assert len(months) == 72


def test_window_ends_before_an_incomplete_as_of_month():
    frame = records(("p1", WARDS[0], "2024-01-01", None, 7))
    assert panel_window(frame, start="2024-01", as_of="2024-03-30")[-1] == pd.Timestamp("2024-02-01")
    assert panel_window(frame, start="2024-01", as_of="2024-03-31")[-1] == pd.Timestamp("2024-03-01")


def test_panel_refuses_as_of_before_the_data():
    frame = records(("p1", WARDS[0], "2024-01-15", None, 7))
    message = r"as_of: 2023-12-31 is before the data, whose first start_date is 2024-01-15"
    with pytest.raises(InputError, match=message):
        build(frame, start="2023-01", as_of="2023-12-31")


def test_panel_refuses_start_after_the_last_complete_month():
    frame = records(("p1", WARDS[0], "2024-01-15", None, 7))
    with pytest.raises(InputError, match=r"start: 2024-03 is after the last complete month .* \(2024-02\)"):
        build(frame, start="2024-03", as_of="2024-03-15")


def test_panel_refuses_records_with_unknown_ward_codes():
    frame = records(("p1", "E05999999", "2024-01-15", None, 7))
    message = r"ward_code: 1 record\(s\) with ward codes not in the ward table, e.g. \['E05999999'\]"
    with pytest.raises(InputError, match=message):
        build(frame, start="2024-01", as_of="2024-01-31")


def test_panel_refuses_pairs_the_catalogue_does_not_offer():
    frame = records(("p1", WARDS[0], "2024-01-15", None, 7)).assign(**{CLIENT_GROUP: "children"})
    with pytest.raises(InputError, match=r"client_group/service: 1 record\(s\).*\('children', 'home_care'\)"):
        build(frame, start="2024-01", as_of="2024-01-31")


def test_panel_refuses_unparseable_arguments_and_missing_columns():
    frame = records(("p1", WARDS[0], "2024-01-15", None, 7))
    with pytest.raises(InputError, match=r"start: 'soon' is not a date"):
        build(frame, start="soon", as_of="2024-01-31")
    with pytest.raises(InputError, match=r"missing required column\(s\) \['weekly_cost'\]"):
        build(frame.drop(columns=WEEKLY_COST), start="2024-01", as_of="2024-01-31")


@pytest.mark.parametrize("priced_again", [False, True], ids=["a row per package", "a row per price"])
def test_panel_of_an_extract_is_bit_identical_whatever_the_order_of_its_rows(priced_again):
    demo = generate_demo_city(seed=7, start="2022-04", months=36)
    if priced_again:  # packages continued under their package_id: one start each, whatever the order
        demo = priced_each_april(demo, "2022-04-01")
    wards = sorted(demo[WARD_CODE].unique())
    as_given = monthly_panel(demo, ward_codes=wards, catalogue=CATALOGUE)
    for shuffle_seed in (1, 2):
        shuffled = demo.sample(frac=1.0, random_state=shuffle_seed).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            monthly_panel(shuffled, ward_codes=wards, catalogue=CATALOGUE), as_given, check_exact=True
        )
