"""The default demo city reproduces Birmingham's published totals within about 10%."""

import pandas as pd
import pytest

from demandcast.columns import OLDER_PEOPLE, WORKING_AGE
from demandcast.data.demo.calibration import (
    PUBLISHED_CHILD_STARTS,
    PUBLISHED_LOOKED_AFTER,
    active_on,
    children_looked_after,
    children_starting_care,
    older_people_mix,
    people_on,
    spend_by_person,
    top_decile_share,
)

ADULTS = (WORKING_AGE, OLDER_PEOPLE)
LONG_TERM = ("home_care", "residential", "nursing", "supported_living", "direct_payment", "day_care")
SNAPSHOTS = [f"{year}-03-31" for year in range(2021, 2027)] + ["2020-04-01"]


@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_children_looked_after_at_31_march_within_10_percent(demo_records, year):
    assert children_looked_after(demo_records, year) == pytest.approx(PUBLISHED_LOOKED_AFTER[year], rel=0.10)


@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_children_starting_care_within_10_percent(demo_records, year):
    assert children_starting_care(demo_records, year) == pytest.approx(PUBLISHED_CHILD_STARTS[year], rel=0.10)


def test_children_looked_after_in_the_first_month_already_include_the_stock(demo_records):
    assert 1_750 <= people_on(demo_records, "2020-04-01", ("children",)) <= 2_150


@pytest.mark.parametrize("day", SNAPSHOTS)
def test_adults_in_care_homes_on_a_given_day(demo_records, day):
    assert people_on(demo_records, day, ADULTS, ("residential",)) == pytest.approx(1_700, rel=0.10)
    assert people_on(demo_records, day, ADULTS, ("nursing",)) == pytest.approx(1_150, rel=0.10)


@pytest.mark.parametrize("day", SNAPSHOTS)
def test_adults_on_long_term_support_on_a_given_day(demo_records, day):
    assert 10_000 <= people_on(demo_records, day, ADULTS, LONG_TERM) <= 12_000


def test_older_peoples_long_term_mix(demo_records):
    mix = older_people_mix(demo_records, "2023-03-31")
    assert 0.58 <= mix["community"] <= 0.67
    assert 0.18 <= mix["residential"] <= 0.25
    assert 0.11 <= mix["nursing"] <= 0.16


def test_older_people_are_about_two_thirds_of_adult_clients(demo_records):
    older = people_on(demo_records, "2023-03-31", (OLDER_PEOPLE,), LONG_TERM)
    assert older / people_on(demo_records, "2023-03-31", ADULTS, LONG_TERM) == pytest.approx(0.65, abs=0.05)


def test_top_tenth_of_clients_carry_40_to_50_percent_of_spend(demo_records):
    share = top_decile_share(spend_by_person(demo_records, "2024-04-01", "2025-03-31"))
    assert 0.40 <= share <= 0.50


def test_reablement_starts_are_0_6_to_0_8_of_long_term_starts(demo_records):
    starts = demo_records[demo_records["start_date"].between("2021-04-01", "2025-03-31")]
    adults = starts[starts["client_group"] != "children"]
    reablement = (adults["service"] == "reablement").sum()
    assert 0.6 <= reablement / (len(adults) - reablement) <= 0.8


def test_spend_by_person_counts_days_inside_the_period_inclusive():
    records = pd.DataFrame(
        {
            "person_id": ["a", "a", "b"],
            "start_date": pd.to_datetime(["2024-03-01", "2024-04-10", "2024-04-01"]),
            "end_date": pd.to_datetime(["2024-04-07", pd.NaT, "2024-04-14"]),
            "weekly_cost": [70.0, 7.0, 700.0],
        }
    )
    spend = spend_by_person(records, "2024-04-01", "2024-04-30")
    assert spend.to_dict() == pytest.approx({"a": 70.0 + 21 * 1.0, "b": 1_400.0})
    assert top_decile_share(spend) == pytest.approx(1_400 / 1_491)
    assert len(active_on(records, "2024-04-08")) == 1
