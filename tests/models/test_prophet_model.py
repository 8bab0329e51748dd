"""Prophet per series: right months, deterministic, quiet, and graceful on zeros."""

import logging

import pandas as pd
import pytest

from demandcast.columns import MEAN, MONTH, SERIES_ID, VALUE
from demandcast.models.prophet_model import ProphetForecaster
from demandcast.models.synthetic import synthetic_series


@pytest.fixture(scope="module")
def y() -> pd.DataFrame:
    frame = synthetic_series(n_series=3, n_months=48, seed=6)
    frame.loc[frame[SERIES_ID] == "s000", VALUE] = 0.0
    return frame


def test_prophet_forecasts_the_months_after_the_data_for_every_series(y):
    forecast = ProphetForecaster().fit(y).predict(5)

    assert forecast.columns.tolist() == [SERIES_ID, MONTH, MEAN]
    assert forecast[SERIES_ID].value_counts().to_dict() == {"s000": 5, "s001": 5, "s002": 5}
    assert forecast[MONTH].unique().tolist() == list(pd.date_range("2023-01-01", periods=5, freq="MS"))


def test_prophet_is_deterministic(y):
    pd.testing.assert_frame_equal(
        ProphetForecaster().fit(y).predict(6), ProphetForecaster().fit(y).predict(6)
    )


def test_an_all_zero_series_falls_back_to_zeros(y):
    model = ProphetForecaster().fit(y)

    assert model.fallbacks_ == {"s000": "constant"}
    assert (model.predict(3).query("unique_id == 's000'")[MEAN] == 0.0).all()


def test_prophet_follows_the_seasonal_pattern(y):
    train, test = y[y[MONTH] <= "2021-12-01"], y[(y[MONTH] > "2021-12-01") & (y[SERIES_ID] == "s001")]

    forecast = ProphetForecaster().fit(train).predict(12).query("unique_id == 's001'")

    assert forecast[MEAN].corr(pd.Series(test[VALUE].to_numpy(), index=forecast.index)) > 0.7


def test_cmdstanpy_says_nothing(y, caplog):
    with caplog.at_level(logging.DEBUG):
        ProphetForecaster().fit(y)

    assert not [r for r in caplog.records if r.name.startswith("cmdstanpy")]


def test_the_yearly_fourier_order_is_capped_at_half_the_periods_in_a_year(y):
    long = synthetic_series(n_series=2, n_months=120, seed=6)
    quarterly = long[long[MONTH].dt.month.isin([1, 4, 7, 10])]

    def order(model: ProphetForecaster, data: pd.DataFrame) -> int:
        return model.fit(data).states_["s001"].seasonalities["yearly"]["fourier_order"]

    assert order(ProphetForecaster(yearly_seasonality=10), y) == 6
    assert order(ProphetForecaster(yearly_seasonality=10), quarterly) == 2
    assert order(ProphetForecaster(yearly_seasonality=3), y) == 3
