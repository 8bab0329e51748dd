"""The panel against an independent oracle: the same measures computed in SQL by DuckDB."""

from __future__ import annotations

import duckdb
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
    MONTH,
    PACKAGE_ID,
    PERSON_ID,
    SERVICE,
    START_DATE,
    STARTS,
    VALUE,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.features.packages import continues_package
from demandcast.features.panel import monthly_panel

CATALOGUE = load_catalogue()
KEYS = [WARD_CODE, CLIENT_GROUP, SERVICE, MONTH, MEASURE]

ORACLE_SQL = f"""
WITH months AS (
    SELECT CAST(m AS DATE) AS m0, CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS m1
    FROM generate_series(CAST($first AS TIMESTAMP), CAST($last AS TIMESTAMP), INTERVAL 1 MONTH) AS t(m)
),
cells AS (
    SELECT w.ward_code, p.client_group, p.service, months.m0, months.m1
    FROM wards w CROSS JOIN pairs p CROSS JOIN months
),
dated AS (
    SELECT person_id, ward_code, client_group, service, weekly_cost, package_id, row_index,
           CAST(start_date AS DATE) AS s, CAST(end_date AS DATE) AS e,
           coalesce(CAST(end_date AS DATE), DATE '9999-12-31') AS e_open
    FROM records
),
typed AS (  -- a row continues its package if a row of it sorted before it ends no earlier than the day before
    SELECT r.*, (r.package_id IS NULL OR r.package_id = '' OR NOT EXISTS (
        SELECT 1 FROM dated q
        WHERE q.package_id = r.package_id AND q.person_id = r.person_id AND q.ward_code = r.ward_code
          AND q.client_group = r.client_group AND q.service = r.service
          AND (q.s, q.e_open, q.row_index) < (r.s, r.e_open, r.row_index)
          AND q.e_open >= r.s - INTERVAL 1 DAY
    )) AS starts_package
    FROM dated r
),
measured AS (
    SELECT c.ward_code, c.client_group, c.service, c.m0,
           COUNT(DISTINCT r.person_id) FILTER (WHERE r.s <= c.m1 AND (r.e IS NULL OR r.e >= c.m0))
               AS {CASELOAD},
           COUNT(r.person_id) FILTER (WHERE r.s BETWEEN c.m0 AND c.m1 AND r.starts_package) AS {STARTS},
           COALESCE(SUM(r.weekly_cost
                        * (date_diff('day', greatest(r.s, c.m0), least(coalesce(r.e, c.m1), c.m1)) + 1)
                        / 7.0)
                    FILTER (WHERE r.s <= c.m1 AND (r.e IS NULL OR r.e >= c.m0)), 0) AS {COST}
    FROM cells c
    LEFT JOIN typed r
      ON r.ward_code = c.ward_code AND r.client_group = c.client_group AND r.service = c.service
     AND r.s <= c.m1 AND (r.e IS NULL OR r.e >= c.m0)
    GROUP BY ALL
)
UNPIVOT measured ON {CASELOAD}, {STARTS}, {COST} INTO NAME {MEASURE} VALUE {VALUE}
"""


def oracle_panel(records: pd.DataFrame, wards: list[str], first: str, last: str) -> pd.DataFrame:
    """The panel computed by DuckDB from the records, for months first..last (first days)."""
    pairs = pd.DataFrame(CATALOGUE.pairs(), columns=[CLIENT_GROUP, SERVICE])
    with duckdb.connect() as con:
        if PACKAGE_ID not in records.columns:
            records = records.assign(**{PACKAGE_ID: None})
        con.register("records", records.assign(row_index=np.arange(len(records))))
        con.register("wards", pd.DataFrame({WARD_CODE: wards}))
        con.register("pairs", pairs)
        oracle = con.execute(ORACLE_SQL, {"first": first, "last": last}).df()
    oracle = oracle.rename(columns={"m0": MONTH})
    oracle[MONTH] = pd.to_datetime(oracle[MONTH])
    oracle[VALUE] = oracle[VALUE].astype(float)
    return oracle


def generated_records(seed: int, n_records: int, wards: list[str]) -> pd.DataFrame:
    """Seeded records with overlaps, open ends, leap years, repeats of a person and ends on the 1st.

    Most people keep their ward and service, so one person often has several (overlapping or nested)
    packages in one cell; some move ward or change service. A person's rows in a cell carry one of two
    package ids (a tenth none), and a fifth of the rows follow on the day after the row before them
    ends, so rows continue packages, overlap them, or resume them after a gap.
    """
    rng = np.random.default_rng(seed)
    pairs = CATALOGUE.pairs()
    person = rng.integers(0, n_records // 3, size=n_records)
    moved = rng.random(n_records) < 0.1
    ward = np.where(moved, rng.integers(len(wards), size=n_records), person % len(wards))
    switched = rng.random(n_records) < 0.3
    pair = np.where(switched, rng.integers(len(pairs), size=n_records), person % len(pairs))
    start = pd.Timestamp("2018-06-01") + pd.to_timedelta(rng.integers(0, 7 * 365, size=n_records), unit="D")
    duration_days = np.rint(rng.lognormal(np.log(120), 1.2, size=n_records)).astype(int)
    end = start + pd.to_timedelta(duration_days, unit="D")
    end = end.where(rng.random(n_records) > 0.2)  # a fifth still open
    on_the_first = rng.random(n_records) < 0.05
    end = end.where(~on_the_first, end.to_period("M").to_timestamp() + pd.offsets.MonthBegin(1))
    follows = np.r_[False, rng.random(n_records - 1) < 0.2] & ~np.r_[True, end[:-1].isna()]
    previous_end = pd.Series(end).shift().to_numpy()
    start = start.where(~follows, pd.DatetimeIndex(previous_end) + pd.Timedelta(days=1))
    end = end.where(~follows | end.isna() | (end >= start), start + pd.Timedelta(days=30))
    person = np.where(follows, np.r_[person[0], person[:-1]], person)
    ward = np.where(follows, np.r_[ward[0], ward[:-1]], ward)
    pair = np.where(follows, np.r_[pair[0], pair[:-1]], pair)
    package = [
        f"k{p}-{w}-{q}-{v}"
        for p, w, q, v in zip(person, ward, pair, rng.integers(0, 2, n_records), strict=True)
    ]
    package = [None if blank else k for k, blank in zip(package, rng.random(n_records) < 0.1, strict=True)]
    return pd.DataFrame(
        {
            PERSON_ID: [f"p{i}" for i in person],
            WARD_CODE: np.asarray(wards, dtype=object)[ward],
            CLIENT_GROUP: [pairs[i][0] for i in pair],
            SERVICE: [pairs[i][1] for i in pair],
            START_DATE: start,
            END_DATE: end,
            WEEKLY_COST: np.round(rng.lognormal(np.log(400), 0.8, size=n_records), 2),
            PACKAGE_ID: pd.array(package, dtype="str"),
        }
    )


def assert_panel_matches_oracle(panel: pd.DataFrame, oracle: pd.DataFrame) -> None:
    joined = panel.merge(oracle, on=KEYS, how="outer", suffixes=("", "_oracle"), indicator=True)
    assert (joined["_merge"] == "both").all(), "panel and oracle hold different cells"
    counts = joined[joined[MEASURE] != COST]
    np.testing.assert_array_equal(counts[VALUE].to_numpy(), counts[f"{VALUE}_oracle"].to_numpy())
    costs = joined[joined[MEASURE] == COST]
    np.testing.assert_allclose(costs[VALUE].to_numpy(), costs[f"{VALUE}_oracle"].to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("seed", [1, 2])
def test_panel_matches_duckdb_oracle_cell_by_cell(seed):
    wards = ["E05000001", "E05000002", "E05000003"]
    records = generated_records(seed, n_records=3000, wards=wards)
    panel = monthly_panel(records, ward_codes=wards, catalogue=CATALOGUE, start="2019-01", as_of="2024-12-31")
    oracle = oracle_panel(records, wards, first="2019-01-01", last="2024-12-01")
    assert len(panel) == len(oracle) == len(wards) * len(CATALOGUE.pairs()) * 72 * 3
    assert panel[VALUE].gt(0).sum() > 5000, "the generated records should fill many cells"
    assert_panel_matches_oracle(panel, oracle)


def test_generated_records_hold_the_cases_the_oracle_must_agree_on():
    records = generated_records(1, n_records=3000, wards=["E05000001"])
    assert records[END_DATE].isna().mean() > 0.1
    assert records[PERSON_ID].duplicated().mean() > 0.5
    assert records.duplicated([PERSON_ID, WARD_CODE, CLIENT_GROUP, SERVICE]).mean() > 0.3
    assert (records[END_DATE].dt.day == 1).sum() > 50
    assert (records[START_DATE] < "2019-01-01").any()
    continuing = continues_package(records)
    assert 0.05 < continuing.mean() < 0.5, "some rows continue a package, most start one"
    assert records[PACKAGE_ID].isna().mean() > 0.05
    february_29 = pd.Timestamp("2020-02-29")
    still_active = records[END_DATE].fillna(february_29) >= february_29
    assert ((records[START_DATE] <= february_29) & still_active).any()


@pytest.mark.slow
def test_panel_matches_duckdb_oracle_on_a_slice_of_the_demo_city():
    from demandcast.data.demo import generate_demo_city

    demo = generate_demo_city(seed=11)
    wards = sorted(demo[WARD_CODE].unique())[:6]
    records = demo[demo[WARD_CODE].isin(wards)].reset_index(drop=True)
    panel = monthly_panel(records, ward_codes=wards, catalogue=CATALOGUE, as_of="2026-03-31")
    oracle = oracle_panel(records, wards, first="2020-04-01", last="2026-03-01")
    assert len(records) > 2000
    assert len(panel) == len(oracle) == len(wards) * len(CATALOGUE.pairs()) * 72 * 3
    assert_panel_matches_oracle(panel, oracle)
