"""Council caseload paths: current clients' expected paths plus new demand, blind after the origin."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import (
    ALL,
    AREA,
    CLIENT_GROUP,
    END_DATE,
    MEAN,
    MONTH,
    PERSON_ID,
    SERVICE,
    START_DATE,
    WARD_CODE,
)
from demandcast.data.demo.generate import generate_demo_city
from demandcast.errors import InputError
from demandcast.features.caseload_paths import ORIGIN, VARIANCE, caseload_paths

FIRST_MONTH = pd.Timestamp("2020-04-01")
ORIGIN_MONTH = pd.Timestamp("2024-03-01")


def _steady_flow(end_after_days: int | None = None) -> pd.DataFrame:
    """One new home-care client on the 10th of every month from 2020-04 to 2025-12 in ward W1."""
    starts = pd.date_range("2020-04-01", "2025-12-01", freq="MS") + pd.Timedelta(days=9)
    ends = starts + pd.Timedelta(days=end_after_days) if end_after_days is not None else pd.NaT
    return pd.DataFrame(
        {
            PERSON_ID: [f"P{i:03d}" for i in range(len(starts))],
            WARD_CODE: "W1",
            CLIENT_GROUP: "older_people",
            SERVICE: "home_care",
            START_DATE: starts,
            END_DATE: ends,
        }
    )


def _node_paths(records: pd.DataFrame, steps: int = 12) -> pd.DataFrame:
    return caseload_paths(records, pd.Series({"W1": "C1"}), {ORIGIN_MONTH: steps}, FIRST_MONTH)


def _paths(records: pd.DataFrame, steps: int = 12) -> pd.Series:
    """The home-care pair's mean caseload by month."""
    paths = _node_paths(records, steps)
    return paths[paths[SERVICE] == "home_care"].set_index(MONTH)[MEAN]


def test_clients_who_never_leave_stay_and_each_month_adds_one_new_client():
    paths = _node_paths(_steady_flow())
    on_service_at_origin = 48  # one a month, 2020-04 to 2024-03
    new_clients = np.arange(1, 13, dtype=float)
    # one pair: the pair, its client group and the total are the same node, three times over
    assert set(zip(paths[CLIENT_GROUP], paths[SERVICE], strict=True)) == {
        ("older_people", "home_care"),
        ("older_people", ALL),
        (ALL, ALL),
    }
    for _, node in paths.groupby([CLIENT_GROUP, SERVICE]):
        np.testing.assert_allclose(node[MEAN].to_numpy(), on_service_at_origin + new_clients)
        # the known clients surely stay; the new ones arrive as a Poisson stream (variance = mean)
        # whose mean is learnt from two years (error mean / 2); the two years agree: no drift
        np.testing.assert_allclose(node[VARIANCE].to_numpy(), 1.5 * new_clients)
        assert list(node[MONTH]) == list(pd.date_range("2024-04-01", periods=12, freq="MS"))


def test_clients_who_leave_after_45_days_are_replaced_month_by_month():
    # a package of 46 days starting on the 10th is active in its start month and the next one only
    paths = _node_paths(_steady_flow(end_after_days=45))
    pair = paths[paths[SERVICE] == "home_care"]
    np.testing.assert_allclose(pair[MEAN].to_numpy(), np.full(12, 2.0))
    # month 1: the March client surely stays (no noise) and one new client arrives; then two new ones
    np.testing.assert_allclose(pair[VARIANCE].to_numpy(), 1.5 * np.array([1.0, *[2.0] * 11]))


def test_a_state_that_half_leaves_adds_its_own_noise_and_the_error_of_its_learnt_rate():
    # every month two clients start on the 10th: one stays, one leaves after 45 days
    stays, leaves = _steady_flow(), _steady_flow(end_after_days=45)
    leaves[PERSON_ID] = "L" + leaves[PERSON_ID]
    paths = _node_paths(pd.concat([stays, leaves], ignore_index=True))
    pair = paths[paths[SERVICE] == "home_care"]
    steps = np.arange(1, 13)
    new = 1.5 * (steps + np.minimum(steps, 2))  # Poisson and the two-year mean's error; no drift
    # March's two clients (21 days on their package) are on in April, then each on at rate 1/2; the
    # rate is learnt from the 2 x 8 persons in that state at the 8 learning month ends
    rate, persons, learnt_from = 0.5, 2, 16
    known = np.where(
        steps >= 2, persons * rate * (1 - rate) + persons**2 * rate * (1 - rate) / learnt_from, 0.0
    )
    np.testing.assert_allclose(pair[VARIANCE].to_numpy(), new + known)


def test_new_clients_on_two_services_of_a_group_add_four_times_their_number_to_its_noise():
    # every client has home care and day care at once, from the 10th of their month, and never leaves
    home_care = _steady_flow()
    both = pd.concat([home_care, home_care.assign(**{SERVICE: "day_care"})], ignore_index=True)
    paths = _node_paths(both)
    new_clients = np.arange(1, 13, dtype=float)
    for service in ("home_care", "day_care"):
        pair = paths[paths[SERVICE] == service]
        np.testing.assert_allclose(pair[VARIANCE].to_numpy(), 1.5 * new_clients)
    # at the group and the total each new client adds 2 (compound Poisson: 2^2 per client); the
    # known clients add 2 each for sure, which is no noise
    for group in ("older_people", ALL):
        node = paths[(paths[CLIENT_GROUP] == group) & (paths[SERVICE] == ALL)]
        np.testing.assert_allclose(node[MEAN].to_numpy(), 2 * (48 + new_clients))
        np.testing.assert_allclose(node[VARIANCE].to_numpy(), 1.5 * 4 * new_clients)


def test_new_demand_that_grows_between_the_two_years_adds_its_drift():
    # one client a month who never leaves until 2023-03, then three a month
    flow = _steady_flow()
    later = flow[flow[START_DATE] >= pd.Timestamp("2023-04-01")]
    extra = [later.assign(**{PERSON_ID: later[PERSON_ID] + f"x{k}"}) for k in (1, 2)]
    paths = _node_paths(pd.concat([flow, *extra], ignore_index=True))
    pair = paths[paths[SERVICE] == "home_care"]
    steps = np.arange(1, 13, dtype=float)
    nearer, further = 3 * steps, 1 * steps  # new clients after 2023-03 and after 2022-03, by step
    mean = (nearer + further) / 2
    drift_share = ((nearer - further) ** 2 - (nearer + further)).sum() / (mean**2).sum()
    expected = 1.5 * mean + (1 + 0.25) * drift_share * mean**2
    np.testing.assert_allclose(pair[VARIANCE].to_numpy(), expected)
    assert drift_share > 0


def test_the_paths_are_the_same_whatever_happened_after_the_origin():
    records = generate_demo_city(seed=5, start="2020-04", months=60)
    origin_end = ORIGIN_MONTH + pd.offsets.MonthEnd(0)
    known = records[records[START_DATE] <= origin_end].copy()
    known.loc[known[END_DATE] > origin_end, END_DATE] = pd.NaT
    wards = pd.Series("C1", index=records[WARD_CODE].unique())
    full = caseload_paths(records, wards, {ORIGIN_MONTH: 12}, FIRST_MONTH)
    cut = caseload_paths(known, wards, {ORIGIN_MONTH: 12}, FIRST_MONTH)
    pd.testing.assert_frame_equal(full, cut)
    assert list(full.columns) == [ORIGIN, AREA, CLIENT_GROUP, SERVICE, MONTH, MEAN, VARIANCE]
    assert full[VARIANCE].ge(0).all()
    pairs, total = full[full[SERVICE] != ALL], full[full[CLIENT_GROUP] == ALL]
    np.testing.assert_allclose(pairs.groupby(MONTH)[MEAN].sum().to_numpy(), total[MEAN].to_numpy())
    assert full[MEAN].ge(0).all() and full[MONTH].nunique() == 12


def test_years_of_the_horizon_without_earlier_month_ends_to_learn_from_are_left_out():
    flow, wards = _steady_flow(), pd.Series({"W1": "C1"})
    # year 3 learns from month ends 36 to 57 months before 2024-03 (from 2020-06 on) and new demand
    # after 2021-03: all three years are kept
    assert caseload_paths(flow, wards, {ORIGIN_MONTH: 36}, FIRST_MONTH)[MONTH].nunique() == 36
    # records from 2022-01 only: year 2 learns from 2022-03 alone, year 3 from nothing
    later = caseload_paths(flow, wards, {ORIGIN_MONTH: 36}, pd.Timestamp("2022-01-01"))
    assert later[MONTH].max() == pd.Timestamp("2026-03-01") and later[MONTH].nunique() == 24


def test_inputs_are_not_modified():
    records = _steady_flow(end_after_days=100)
    before = records.copy()
    _paths(records)
    pd.testing.assert_frame_equal(records, before)


def test_a_ward_without_an_area_is_refused_by_name():
    with pytest.raises(InputError, match=r"wards without an area: \['W1'\]"):
        caseload_paths(_steady_flow(), pd.Series({"W2": "C1"}), {ORIGIN_MONTH: 12}, FIRST_MONTH)


@pytest.mark.parametrize("birth_year", [None, 1950])
def test_birth_year_is_optional(birth_year):
    records = _steady_flow()
    if birth_year is not None:
        records["birth_year"] = birth_year
    assert len(_paths(records)) == 12
