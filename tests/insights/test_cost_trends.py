"""Cost and unit cost by UK fiscal year: fiscal-year edges, unit cost on a literal panel, April steps."""

import pandas as pd
import pytest

from demandcast.columns import CASELOAD, CLIENT_GROUP, COST, MEASURE, MONTH, SERVICE, STARTS, VALUE, WARD_CODE
from demandcast.insights.cost_trends import (
    APRIL_STEP,
    COST_CHANGE,
    FISCAL_YEAR,
    N_MONTHS,
    UNIT_COST_CHANGE,
    UNIT_COST_PER_WEEK,
    annual_costs,
    april_price_steps,
    fiscal_year,
)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2024-03-01", "2023-24"),
        ("2024-03-31", "2023-24"),
        ("2024-04-01", "2024-25"),
        ("2024-12-01", "2024-25"),
        ("2025-01-01", "2024-25"),
        ("1999-04-01", "1999-00"),
        ("2000-03-01", "1999-00"),
    ],
)
def test_fiscal_year_runs_april_to_march(date, expected):
    assert fiscal_year(pd.Series(pd.to_datetime([date]))).tolist() == [expected]


def panel_rows(rows):
    """rows: (ward, month, caseload, cost) for one home-care cell; starts are zero."""
    records = []
    for ward, month, caseload, cost in rows:
        for measure, value in ((CASELOAD, caseload), (STARTS, 0.0), (COST, cost)):
            records.append((ward, "older_people", "home_care", pd.Timestamp(month), measure, float(value)))
    return pd.DataFrame(records, columns=[WARD_CODE, CLIENT_GROUP, SERVICE, MONTH, MEASURE, VALUE])


# February 2024 has 29 days, March 31, April 30
TINY = panel_rows(
    [
        ("w1", "2024-02-01", 7, 2900.0),
        ("w2", "2024-02-01", 0, 0.0),
        ("w1", "2024-03-01", 7, 3100.0),
        ("w2", "2024-03-01", 7, 3100.0),
        ("w1", "2024-04-01", 14, 6600.0),
    ]
)


def test_unit_cost_is_cost_per_client_week_summed_over_wards():
    annual = annual_costs(TINY)
    by_year = annual.set_index(FISCAL_YEAR)
    # 2023-24: cost 9100 over 7*29/7 + 14*31/7 = 29 + 62 = 91 client-weeks
    assert by_year.loc["2023-24", UNIT_COST_PER_WEEK] == pytest.approx(100.0)
    assert by_year.loc["2023-24", N_MONTHS] == 2
    # 2024-25: 6600 over 14*30/7 = 60 client-weeks
    assert by_year.loc["2024-25", UNIT_COST_PER_WEEK] == pytest.approx(110.0)
    assert by_year.loc["2024-25", UNIT_COST_CHANGE] == pytest.approx(0.10)
    assert pd.isna(by_year.loc["2024-25", COST_CHANGE])  # two part years: totals are not comparable


def test_april_step_is_the_march_to_april_change_in_unit_cost():
    steps = april_price_steps(TINY)
    assert steps[FISCAL_YEAR].tolist() == ["2024-25"]
    assert steps[APRIL_STEP].iloc[0] == pytest.approx(0.10)  # 100 -> 110 per client-week


def test_cost_change_compares_complete_years():
    months = pd.date_range("2022-04-01", "2024-03-01", freq="MS")
    rows = [("w1", m, 10, 1000.0 if m.year * 12 + m.month < 2023 * 12 + 4 else 1200.0) for m in months]
    annual = annual_costs(panel_rows(rows), keys=())
    assert annual[N_MONTHS].tolist() == [12, 12]
    assert annual[COST_CHANGE].iloc[1] == pytest.approx(0.2)


def test_annual_costs_does_not_modify_the_panel():
    before = TINY.copy()
    annual_costs(TINY)
    april_price_steps(TINY)
    pd.testing.assert_frame_equal(TINY, before)
