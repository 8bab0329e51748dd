"""Cost as caseload x unit cost: the caseload forecast times the unit cost grown at its yearly rate."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import CASELOAD, MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.baselines import SeasonalNaive
from demandcast.models.unit_cost import CaseloadTimesUnitCost


def cost_series(unit_costs: list[float], caseload: float = 10.0) -> pd.DataFrame:
    """One series over 24 months: a steady caseload priced at 12 months of each unit cost."""
    units = np.repeat(unit_costs, 12)
    return pd.DataFrame(
        {
            SERIES_ID: "a",
            MONTH: pd.date_range("2023-01-01", periods=len(units), freq="MS"),
            VALUE: caseload * units,
            CASELOAD: caseload,
        }
    )


def test_unit_cost_grows_at_its_yearly_rate_from_the_middle_of_the_recent_months():
    model = CaseloadTimesUnitCost(caseload_model=SeasonalNaive(), recent=3).fit(cost_series([100.0, 110.0]))

    forecast = model.predict(2)

    # current unit cost 110 centred one month before the last; growth 110 / 100 a year
    expected = [10 * 110 * 1.1 ** (2 / 12), 10 * 110 * 1.1 ** (3 / 12)]
    np.testing.assert_allclose(forecast[MEAN], expected)
    assert list(forecast[MONTH]) == list(pd.date_range("2025-01-01", periods=2, freq="MS"))


def test_growth_is_clipped_and_a_series_without_cases_costs_nothing():
    steep = CaseloadTimesUnitCost(caseload_model=SeasonalNaive(), max_growth=0.2).fit(
        cost_series([100.0, 300.0])
    )
    idle = CaseloadTimesUnitCost(caseload_model=SeasonalNaive()).fit(cost_series([0.0, 0.0], caseload=0.0))

    assert steep.growth_["a"] == pytest.approx(1.2)
    assert (idle.predict(3)[MEAN] == 0).all()


def test_cost_without_its_caseload_is_refused():
    with pytest.raises(InputError, match="caseload"):
        CaseloadTimesUnitCost(caseload_model=SeasonalNaive()).fit(
            cost_series([1.0, 1.0]).drop(columns=[CASELOAD])
        )


def test_series_of_one_service_share_the_growth_of_their_sum():
    a = cost_series([100.0, 110.0]).assign(**{"service": "s"})
    b = cost_series([100.0, 130.0], caseload=30.0).assign(**{SERIES_ID: "b", "service": "s"})
    model = CaseloadTimesUnitCost(caseload_model=SeasonalNaive()).fit(pd.concat([a, b], ignore_index=True))

    # (10 x 110 + 30 x 130) / (10 x 100 + 30 x 100)
    assert model.growth_.to_dict() == pytest.approx({"a": 1.25, "b": 1.25})
    assert model.unit_cost_.to_dict() == pytest.approx({"a": 110.0, "b": 130.0})
