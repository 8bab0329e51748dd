"""A model's first year kept, later periods grown from a year earlier by the series' yearly drift."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from demandcast.columns import MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.baselines import MeanOfLastYear, SeasonalNaive
from demandcast.models.daily_rate import DailyRate
from demandcast.models.grown_beyond_year import GrownBeyondYear, yearly_growth
from demandcast.models.selection import build_models

SEASON = np.array([10.0, 12, 9, 11, 10, 13, 8, 10, 12, 11, 9, 15])


def series_frame(values_by_id: dict[str, np.ndarray], freq: str = "MS") -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {SERIES_ID: uid, MONTH: pd.date_range("2020-01-01", periods=len(v), freq=freq), VALUE: v}
        )
        for uid, v in values_by_id.items()
    ]
    return pd.concat(frames, ignore_index=True).sort_values([SERIES_ID, MONTH], ignore_index=True)


def test_the_first_year_is_the_models_and_each_later_month_a_year_earlier_grown():
    rising = np.concatenate([SEASON * 1.1**year for year in range(3)])  # +10% a year
    flat = np.concatenate([SEASON] * 3)
    y = series_frame({"rising": rising, "flat": flat})

    forecast = GrownBeyondYear(MeanOfLastYear()).fit(y).predict(30)
    inner = MeanOfLastYear().fit(y).predict(12)

    for uid, growth in (("rising", 1.1), ("flat", 1.0)):
        served = forecast.loc[forecast[SERIES_ID] == uid, MEAN].to_numpy()
        first = inner.loc[inner[SERIES_ID] == uid, MEAN].to_numpy()
        np.testing.assert_allclose(served[:12], first)
        np.testing.assert_allclose(served[12:24], first * growth)
        np.testing.assert_allclose(served[24:], first[:6] * growth**2)
    assert forecast[MONTH].iloc[12] == pd.Timestamp("2024-01-01")


def test_within_a_year_the_forecast_is_the_models_own():
    y = series_frame({"a": np.concatenate([SEASON, SEASON * 2, SEASON * 3])})

    grown = GrownBeyondYear(SeasonalNaive()).fit(y).predict(7)

    pd.testing.assert_frame_equal(grown, SeasonalNaive().fit(y).predict(7))


def test_growth_is_the_geometric_mean_of_the_last_two_yearly_ratios_and_1_when_unknown():
    yearly_sums = [100, 100, 121, 121 * 1.44]  # the last two ratios 1.21 and 1.44
    history = np.concatenate([np.full(12, total / 12) for total in yearly_sums])

    assert yearly_growth(history, 12, 2) == pytest.approx(1.1 * 1.2)
    assert yearly_growth(history, 12, 1) == pytest.approx(1.44)
    assert yearly_growth(np.concatenate([SEASON, SEASON * 1.5]), 12, 2) == pytest.approx(1.5)  # one ratio
    assert yearly_growth(SEASON, 12, 2) == 1.0
    assert yearly_growth(np.concatenate([np.zeros(12), SEASON]), 12, 2) == 1.0


def test_quarterly_series_grow_by_the_season_of_four_quarters():
    quarters = np.array([4.0, 5, 6, 5])
    y = series_frame({"a": np.concatenate([quarters, quarters * 2, quarters * 4])}, freq="QS")

    forecast = GrownBeyondYear(SeasonalNaive()).fit(y).predict(6)

    # seasonal naive repeats the last year (x4); the drift over two years is x2 a year
    np.testing.assert_allclose(forecast[MEAN], [*(quarters * 4), *(quarters[:2] * 8)])


def test_it_clones_refits_and_refuses_bad_parameters():
    y = series_frame({"a": np.concatenate([SEASON, SEASON * 1.2, SEASON * 1.44])})
    fitted = GrownBeyondYear(SeasonalNaive()).fit(y)
    again = clone(fitted).fit(y)
    pd.testing.assert_frame_equal(again.predict(24), fitted.predict(24))

    with pytest.raises(InputError, match="growth_seasons"):
        GrownBeyondYear(SeasonalNaive(), growth_seasons=0).fit(y)
    with pytest.raises(InputError, match="needs a model"):
        GrownBeyondYear().fit(y)
    with pytest.raises(InputError, match="not fitted"):
        GrownBeyondYear(SeasonalNaive()).predict(3)


def test_build_models_grows_every_model_but_the_baselines_inside_the_rate_per_day():
    models = build_models(["seasonal_naive", "vector_ets"], seed=0, daily_rate=True, grown_beyond_year=True)

    assert isinstance(models["seasonal_naive"], SeasonalNaive)
    assert isinstance(models["vector_ets"], DailyRate)
    assert isinstance(models["vector_ets"].model, GrownBeyondYear)
