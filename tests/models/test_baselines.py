"""Baselines on literal golden cases, and the estimator contract they share with every local model."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from demandcast.columns import MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.baselines import MeanOfLastYear, SeasonalNaive


def series_frame(
    values_by_id: dict[str, list[float]], start: str = "2022-01-01", freq: str = "MS"
) -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {
                SERIES_ID: uid,
                MONTH: pd.date_range(end=_end(values_by_id, start, freq), periods=len(v), freq=freq),
                VALUE: v,
            }
        )
        for uid, v in values_by_id.items()
    ]
    return pd.concat(frames, ignore_index=True).astype({SERIES_ID: "str"})


def _end(values_by_id, start, freq):
    return pd.date_range(start, periods=max(len(v) for v in values_by_id.values()), freq=freq)[-1]


TWO_YEARS = [float(v) for v in range(1, 25)]  # 1..24: the last year is 13..24


def test_seasonal_naive_of_a_24_month_series_repeats_the_last_12_values():
    forecast = SeasonalNaive().fit(series_frame({"a": TWO_YEARS})).predict(15)

    assert forecast[MEAN].tolist() == [*range(13, 25), 13, 14, 15]


def test_seasonal_naive_forecasts_the_months_after_the_last_fitted_month():
    forecast = SeasonalNaive().fit(series_frame({"a": TWO_YEARS})).predict(3)

    assert forecast.columns.tolist() == [SERIES_ID, MONTH, MEAN]
    assert forecast[MONTH].tolist() == list(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))


def test_mean_of_last_year_is_flat_at_the_mean_of_the_last_12_values():
    forecast = MeanOfLastYear().fit(series_frame({"a": TWO_YEARS})).predict(4)

    assert forecast[MEAN].tolist() == [18.5] * 4


def test_every_series_is_forecast_separately():
    y = series_frame({"a": TWO_YEARS, "b": [0.0] * 24})

    forecast = MeanOfLastYear().fit(y).predict(2)

    assert forecast[SERIES_ID].tolist() == ["a", "a", "b", "b"]
    assert forecast[MEAN].tolist() == [18.5, 18.5, 0.0, 0.0]


def test_quarterly_data_uses_a_season_of_four_quarters():
    y = series_frame({"a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]}, freq="QS")

    forecast = SeasonalNaive().fit(y).predict(5)

    assert forecast[MEAN].tolist() == [5.0, 6.0, 7.0, 8.0, 5.0]
    assert forecast[MONTH].iloc[0] == pd.Timestamp("2024-01-01")


def test_a_series_shorter_than_a_season_repeats_its_last_value():
    forecast = SeasonalNaive().fit(series_frame({"a": [3.0, 4.0, 7.0]})).predict(3)

    assert forecast[MEAN].tolist() == [7.0, 7.0, 7.0]


def test_an_explicit_season_length_overrides_the_data_frequency():
    forecast = SeasonalNaive(season_length=3).fit(series_frame({"a": TWO_YEARS})).predict(4)

    assert forecast[MEAN].tolist() == [22.0, 23.0, 24.0, 22.0]


@pytest.mark.parametrize("model", [SeasonalNaive(), MeanOfLastYear()])
def test_fit_returns_self_and_clone_copies_only_parameters(model):
    fitted = model.fit(series_frame({"a": TWO_YEARS}))

    assert fitted is model
    assert not hasattr(clone(fitted), "states_")
    assert clone(fitted).get_params() == model.get_params()


@pytest.mark.parametrize("model", [SeasonalNaive(), MeanOfLastYear()])
def test_all_zero_series_forecast_zero(model):
    forecast = model.fit(series_frame({"a": [0.0] * 24})).predict(3)

    np.testing.assert_array_equal(forecast[MEAN], [0.0, 0.0, 0.0])
    assert model.fallbacks_ == {}


def test_invalid_parameters_are_rejected_in_fit():
    with pytest.raises(InputError, match="season_length must be a positive integer"):
        SeasonalNaive(season_length=0).fit(series_frame({"a": TWO_YEARS}))


@pytest.mark.parametrize("h", [0, -1, 1.5])
def test_the_horizon_must_be_a_positive_integer(h):
    with pytest.raises(InputError, match="horizon h must be a positive integer"):
        SeasonalNaive().fit(series_frame({"a": TWO_YEARS})).predict(h)


def test_predict_before_fit_is_an_error():
    with pytest.raises(InputError, match="SeasonalNaive is not fitted"):
        SeasonalNaive().predict(3)


def test_gaps_and_unequal_ends_are_rejected():
    y = series_frame({"a": TWO_YEARS})
    with pytest.raises(InputError, match="gaps"):
        SeasonalNaive().fit(y.drop(index=5))
    ragged = pd.concat([y, series_frame({"b": [1.0, 2.0]}, start="2022-01-01")], ignore_index=True)
    with pytest.raises(InputError, match="series end at different months"):
        SeasonalNaive().fit(ragged)


def test_fit_does_not_mutate_its_input():
    y = series_frame({"a": TWO_YEARS})
    before = y.copy()

    SeasonalNaive().fit(y).predict(3)

    pd.testing.assert_frame_equal(y, before)
