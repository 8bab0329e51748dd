"""Rolling-origin backtests: the right cutoffs and steps, and no model ever sees data after its cutoff."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ACTUAL, CUTOFF, HORIZON_STEP, MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.backtest import backtest_cutoffs, rolling_origin_backtest
from demandcast.models.base import Forecaster, future_months, infer_freq
from demandcast.models.baselines import SeasonalNaive
from demandcast.models.synthetic import synthetic_series


class LookAheadForecaster(Forecaster):
    """Would cheat if it could: predicts a future month's value when fit saw it, else -1."""

    def fit(self, y):
        self.y_ = y.copy()
        return self

    def predict(self, h):
        last = self.y_[MONTH].max()
        months = future_months(last, h, infer_freq(self.y_[MONTH]))
        seen = self.y_.set_index([SERIES_ID, MONTH])[VALUE]
        rows = [(uid, m, seen.get((uid, m), -1.0)) for uid in self.y_[SERIES_ID].unique() for m in months]
        return pd.DataFrame(rows, columns=[SERIES_ID, MONTH, MEAN])


@pytest.fixture(scope="module")
def y() -> pd.DataFrame:
    return synthetic_series(n_series=3, n_months=48, seed=0)


def test_cutoffs_are_step_apart_and_the_last_leaves_exactly_h_months():
    cutoffs = backtest_cutoffs(pd.Timestamp("2024-12-01"), h=12, n_windows=3, step=4, freq="MS")

    assert cutoffs == list(pd.to_datetime(["2023-04-01", "2023-08-01", "2023-12-01"]))


def test_backtest_has_every_series_cutoff_and_horizon_step_once(y):
    backtest = rolling_origin_backtest(y, {"snaive": SeasonalNaive()}, h=6, n_windows=3, step=2)

    assert backtest.columns.tolist() == [SERIES_ID, CUTOFF, HORIZON_STEP, MONTH, ACTUAL, "snaive"]
    assert len(backtest) == 3 * 3 * 6
    assert (
        backtest.groupby([SERIES_ID, CUTOFF])[HORIZON_STEP]
        .apply(list)
        .map(lambda s: s == [1, 2, 3, 4, 5, 6])
        .all()
    )
    assert backtest[CUTOFF].drop_duplicates().tolist() == list(
        pd.to_datetime(["2022-02-01", "2022-04-01", "2022-06-01"])
    )
    months_after = (backtest[MONTH].dt.year - backtest[CUTOFF].dt.year) * 12 + backtest[MONTH].dt.month
    np.testing.assert_array_equal(months_after - backtest[CUTOFF].dt.month, backtest[HORIZON_STEP])


def test_actuals_are_the_observed_values(y):
    backtest = rolling_origin_backtest(y, {"snaive": SeasonalNaive()}, h=3, n_windows=2)

    joined = backtest.merge(y, on=[SERIES_ID, MONTH])
    np.testing.assert_array_equal(joined[ACTUAL], joined[VALUE])


def test_no_model_sees_a_month_after_its_cutoff(y):
    backtest = rolling_origin_backtest(y, {"cheat": LookAheadForecaster()}, h=12, n_windows=3)

    assert (backtest["cheat"] == -1.0).all()


def test_seasonal_naive_in_the_backtest_equals_the_value_a_year_before(y):
    backtest = rolling_origin_backtest(y, {"snaive": SeasonalNaive()}, h=12, n_windows=1)

    year_before = y.assign(**{MONTH: y[MONTH] + pd.DateOffset(years=1)}).rename(
        columns={VALUE: "year_before"}
    )
    joined = backtest.merge(year_before, on=[SERIES_ID, MONTH])
    np.testing.assert_array_equal(joined["snaive"], joined["year_before"])


def test_default_step_spreads_three_twelve_month_windows_over_the_last_twenty_months(y):
    backtest = rolling_origin_backtest(y, {"snaive": SeasonalNaive()}, h=12)

    assert backtest[CUTOFF].nunique() == 3
    assert backtest[MONTH].min() == y[MONTH].max() - pd.DateOffset(months=19)


def test_too_short_history_is_an_input_error(y):
    with pytest.raises(InputError, match="history too short"):
        rolling_origin_backtest(y, {"snaive": SeasonalNaive()}, h=24, n_windows=3, step=12)


def test_backtest_is_deterministic_and_leaves_the_models_unfitted(y):
    model = SeasonalNaive()
    first = rolling_origin_backtest(y, {"snaive": model}, h=6)

    pd.testing.assert_frame_equal(first, rolling_origin_backtest(y, {"snaive": model}, h=6))
    assert not hasattr(model, "states_")
