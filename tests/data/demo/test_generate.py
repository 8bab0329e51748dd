"""The demo generator honours the records contract and is deterministic for a seed."""

import numpy as np
import pandas as pd
import pytest

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    CHILDREN,
    CLIENT_GROUP,
    CLIENT_GROUPS,
    END_DATE,
    ETHNICITY,
    OPTIONAL_RECORD_COLUMNS,
    PACKAGE_ID,
    PERSON_ID,
    PRIMARY_SUPPORT_REASON,
    REQUIRED_RECORD_COLUMNS,
    SERVICE,
    START_DATE,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.demo import generate_demo_city, window_bounds
from demandcast.data.wards import load_wards


@pytest.mark.slow
def test_same_seed_gives_an_identical_frame_and_another_seed_a_different_one():
    first = generate_demo_city(seed=7, months=6)
    again = generate_demo_city(seed=7, months=6)
    other = generate_demo_city(seed=8, months=6)
    pd.testing.assert_frame_equal(first, again)
    assert len(first) != len(other) or not first.equals(other)


def test_columns_follow_the_records_contract_with_typed_values(demo_records):
    assert list(demo_records.columns) == [*REQUIRED_RECORD_COLUMNS, *OPTIONAL_RECORD_COLUMNS]
    assert demo_records[START_DATE].dtype == "datetime64[us]"
    assert demo_records[END_DATE].dtype == "datetime64[us]"
    assert demo_records[WEEKLY_COST].dtype == "float64"
    assert demo_records[PERSON_ID].dtype == "str" and demo_records[WARD_CODE].dtype == "str"
    required = demo_records[[c for c in REQUIRED_RECORD_COLUMNS if c != END_DATE]]
    assert not required.isna().any().any()


def test_every_ward_code_is_a_demo_ward_and_every_ward_has_records(demo_records):
    assert set(demo_records[WARD_CODE]) == set(load_wards()[WARD_CODE])


def test_services_are_offered_to_the_client_group_per_the_catalogue(demo_records):
    catalogue = load_catalogue()
    pairs = set(map(tuple, demo_records[[CLIENT_GROUP, SERVICE]].drop_duplicates().to_numpy()))
    assert pairs == set(catalogue.pairs())
    assert set(demo_records[CLIENT_GROUP]) == set(CLIENT_GROUPS)


def test_dates_lie_in_the_window_and_ends_are_open_only_at_the_extract_date(demo_records):
    window_start, extract_date = window_bounds("2020-04", 72)
    assert extract_date == pd.Timestamp("2026-03-31")
    closed = demo_records[demo_records[END_DATE].notna()]
    assert (closed[END_DATE] >= closed[START_DATE]).all()
    assert closed[END_DATE].between(window_start, extract_date).all()
    assert (demo_records[START_DATE] <= extract_date).all()
    assert demo_records[END_DATE].isna().mean() > 0.05


def test_the_stock_starts_before_the_window_and_is_in_care_on_its_first_day(demo_records):
    stock = demo_records[demo_records[START_DATE] < pd.Timestamp("2020-04-01")]
    assert len(stock) > 10_000
    assert stock[START_DATE].min() < pd.Timestamp("2010-04-01")


def test_one_ward_and_one_client_profile_per_person_and_unique_packages(demo_records):
    per_person = demo_records.groupby(PERSON_ID)[[WARD_CODE, ETHNICITY, PRIMARY_SUPPORT_REASON]].nunique()
    assert (per_person == 1).all().all()
    assert demo_records[PACKAGE_ID].is_unique


def test_some_people_have_several_packages_in_sequence(demo_records):
    counts = demo_records.groupby(PERSON_ID).size()
    assert (counts >= 2).sum() > 2_000
    home_care = set(demo_records.loc[demo_records[SERVICE] == "home_care", PERSON_ID])
    residential = set(demo_records.loc[demo_records[SERVICE] == "residential", PERSON_ID])
    assert len(home_care & residential) > 100
    children = demo_records[demo_records[CLIENT_GROUP] == CHILDREN]
    assert (children.groupby(PERSON_ID).size() >= 2).sum() > 200


def test_children_are_under_18_when_their_placements_start(demo_records):
    children = demo_records[demo_records[CLIENT_GROUP] == CHILDREN]
    assert (children[START_DATE].dt.year - children["birth_year"]).max() <= 18
    adults = demo_records[demo_records[CLIENT_GROUP] != CHILDREN]
    assert (adults[START_DATE].dt.year - adults["birth_year"]).min() >= 18


def test_ethnicity_uses_the_ons_five_groups_and_follows_the_ward_minority_share(demo_records):
    assert set(demo_records[ETHNICITY]) == {"White", "Asian", "Black", "Mixed", "Other"}
    wards = load_wards().set_index(WARD_CODE)
    people = demo_records.drop_duplicates(PERSON_ID)
    minority = (people[ETHNICITY] != "White").groupby(people[WARD_CODE]).mean()
    correlation = np.corrcoef(minority, wards.loc[minority.index, "minority_ethnic_share"])[0, 1]
    assert correlation > 0.8


def test_some_ward_service_cells_have_small_counts(demo_records):
    cells = demo_records.groupby([WARD_CODE, CLIENT_GROUP, SERVICE]).size()
    assert (cells < 10).sum() >= 20


@pytest.mark.parametrize("months", [1, 13])
def test_a_custom_window_ends_on_the_last_day_of_its_last_month(months):
    records = generate_demo_city(seed=3, start="2021-07", months=months)
    _, extract_date = window_bounds("2021-07", months)
    assert records[START_DATE].max() <= extract_date
    assert records[END_DATE].max() <= extract_date
    assert records[END_DATE].isna().any()
