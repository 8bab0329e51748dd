"""Replayed forecasts: a model's backtest forecasts handed back instead of fitting it again."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import CASELOAD, CUTOFF, MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.backtest import rolling_origin_backtest
from demandcast.models.baselines import SeasonalNaive
from demandcast.models.replayed import Replayed
from demandcast.models.synthetic import synthetic_series
from demandcast.models.unit_cost import CaseloadTimesUnitCost


@pytest.fixture(scope="module")
def caseload() -> pd.DataFrame:
    return synthetic_series(n_series=5, n_months=48, seed=2)


def _cost(caseload: pd.DataFrame) -> pd.DataFrame:
    """Cost series carrying their caseload, priced at a unit cost that rises each month."""
    price = 100.0 + caseload.groupby(SERIES_ID).cumcount().to_numpy()
    return caseload.assign(**{CASELOAD: caseload[VALUE], VALUE: caseload[VALUE] * price})


def _made(backtest: pd.DataFrame, column: str) -> pd.DataFrame:
    return backtest[[CUTOFF, SERIES_ID, MONTH, column]].rename(columns={column: MEAN})


def test_caseload_x_unit_cost_replaying_the_caseload_backtest_equals_fitting_the_caseload_model(caseload):
    made = _made(rolling_origin_backtest(caseload, {"snaive": SeasonalNaive()}, h=6, n_windows=3), "snaive")
    models = {
        "fitted": CaseloadTimesUnitCost(caseload_model=SeasonalNaive()),
        "replayed": CaseloadTimesUnitCost(caseload_model=Replayed(made)),
    }

    backtest = rolling_origin_backtest(_cost(caseload), models, h=6, n_windows=3)

    assert backtest["replayed"].notna().all()
    np.testing.assert_array_equal(backtest["replayed"].to_numpy(), backtest["fitted"].to_numpy())


def test_predict_returns_the_first_steps_made_at_the_histories_last_month(caseload):
    made = _made(rolling_origin_backtest(caseload, {"snaive": SeasonalNaive()}, h=6, n_windows=2), "snaive")
    history = caseload[caseload[MONTH] <= made[CUTOFF].max()]

    forecast = Replayed(made).fit(history).predict(2)

    expected = SeasonalNaive().fit(history).predict(2)
    pd.testing.assert_frame_equal(forecast, expected[[SERIES_ID, MONTH, MEAN]], check_dtype=False)


def test_a_history_ending_where_nothing_was_forecast_is_refused(caseload):
    made = _made(rolling_origin_backtest(caseload, {"snaive": SeasonalNaive()}, h=6, n_windows=1), "snaive")

    with pytest.raises(InputError, match=f"no forecasts were made at {caseload[MONTH].max():%Y-%m}"):
        Replayed(made).fit(caseload)


def test_forecasts_of_other_series_or_too_few_steps_are_refused(caseload):
    made = _made(rolling_origin_backtest(caseload, {"snaive": SeasonalNaive()}, h=6, n_windows=1), "snaive")
    history = caseload[caseload[MONTH] <= made[CUTOFF].max()]

    with pytest.raises(InputError, match="differ in series"):
        Replayed(made).fit(history[history[SERIES_ID] != history[SERIES_ID].iloc[0]])
    with pytest.raises(InputError, match="7 periods asked, 6 were forecast"):
        Replayed(made).fit(history).predict(7)
