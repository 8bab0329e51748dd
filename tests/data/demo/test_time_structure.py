"""Seasons, holidays, COVID and April price steps: each feature visible in the demo city."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import CHILDREN, CLIENT_GROUP, END_DATE, PERSON_ID, SERVICE, START_DATE
from demandcast.data.demo.costs import hourly_rate
from demandcast.data.demo.seasonality import seasonal_pattern, start_intensity


def _in_window(records: pd.DataFrame) -> pd.DataFrame:
    return records[records[START_DATE] >= pd.Timestamp("2020-04-01")]


def test_adult_starts_are_higher_in_winter_than_in_summer(demo_records):
    adults = _in_window(demo_records)
    adults = adults[adults[CLIENT_GROUP] != CHILDREN]
    month = adults[START_DATE].dt.month
    assert month.isin([12, 1, 2]).sum() > 1.10 * month.isin([6, 7, 8]).sum()


def test_adult_starts_dip_over_christmas_and_rebound_in_january(demo_records):
    adults = _in_window(demo_records)
    adults = adults[adults[CLIENT_GROUP] != CHILDREN]
    start = adults[START_DATE]
    christmas = ((start.dt.month == 12) & (start.dt.day.between(22, 31))).sum() / 10
    early_december = ((start.dt.month == 12) & (start.dt.day.between(1, 21))).sum() / 21
    january = ((start.dt.month == 1) & (start.dt.day.between(2, 21))).sum() / 20
    assert christmas < 0.7 * early_december
    assert january > 1.1 * early_december


def test_children_entering_care_dip_in_august(demo_records):
    children = demo_records[demo_records[CLIENT_GROUP] == CHILDREN]
    first = children.groupby(PERSON_ID)[START_DATE].min()
    month = first[first >= pd.Timestamp("2020-04-01")].dt.month
    counts = month.value_counts()
    assert counts[8] < 0.85 * (counts[7] + counts[9]) / 2


def test_care_home_admissions_fall_and_deaths_rise_in_spring_2020(demo_records):
    care_homes = demo_records[demo_records[SERVICE].isin(["residential", "nursing"])]
    admissions = care_homes[START_DATE]
    spring_2020 = admissions.between("2020-04-01", "2020-05-31").sum()
    spring_2021 = admissions.between("2021-04-01", "2021-05-31").sum()
    assert spring_2020 < 0.7 * spring_2021
    ends = care_homes[END_DATE]
    assert (
        ends.between("2020-04-01", "2020-05-31").sum() > 1.3 * ends.between("2021-04-01", "2021-05-31").sum()
    )


def test_home_care_hourly_rates_step_up_each_april(demo_records):
    home_care = demo_records[(demo_records[SERVICE] == "home_care") & _in_window(demo_records).any(axis=1)]
    home_care = home_care[home_care[START_DATE] >= pd.Timestamp("2020-04-01")]
    march = home_care[home_care[START_DATE].between("2024-03-01", "2024-03-31")]["unit_cost"].median()
    april = home_care[home_care[START_DATE].between("2024-04-01", "2024-04-30")]["unit_cost"].median()
    assert april > 1.05 * march
    assert hourly_rate(np.array([2024, 2025, 2026])) == pytest.approx([22.2, 24.1, 24.1 * 1.04])


def test_reablement_lasts_one_to_six_weeks(demo_records):
    reablement = demo_records[(demo_records[SERVICE] == "reablement") & demo_records[END_DATE].notna()]
    length = (reablement[END_DATE] - reablement[START_DATE]).dt.days + 1
    assert length.between(7, 42).all()


def test_start_intensity_averages_about_one_over_an_ordinary_year():
    year = pd.date_range("2019-01-01", "2019-12-31", freq="D")
    for group in ("older_people", "working_age", CHILDREN):
        assert start_intensity(year, group).mean() == pytest.approx(1.0, rel=0.05)
    assert seasonal_pattern(year, children=False).min() > 0


def test_children_intensity_is_lower_in_august_and_in_the_spring_2020_lockdown():
    weekdays = pd.bdate_range("2019-07-01", "2019-09-30")
    intensity = pd.Series(start_intensity(weekdays, CHILDREN), index=weekdays)
    by_month = intensity.groupby(intensity.index.month).mean()
    assert by_month[8] == pytest.approx(0.70 / 1.035 * by_month[[7, 9]].mean(), rel=0.03)
    lockdown = start_intensity(pd.DatetimeIndex(["2020-04-15"]), CHILDREN)[0]
    a_year_on = start_intensity(pd.DatetimeIndex(["2021-04-15"]), CHILDREN)[0]
    assert lockdown < 0.75 * a_year_on
