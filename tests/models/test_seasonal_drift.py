"""Seasonal drift on literal series: growth by the geometric mean of the last yearly ratios."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.seasonal_drift import SeasonalDrift, yearly_growth
from demandcast.models.selection import SEASONAL_DRIFT, build_models, candidate_names

SEASON = np.array([10.0, 12, 9, 11, 10, 13, 8, 10, 12, 11, 9, 15])


def series_frame(values_by_id: dict[str, list[float]], freq: str = "MS") -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {SERIES_ID: uid, MONTH: pd.date_range("2020-01-01", periods=len(v), freq=freq), VALUE: v}
        )
        for uid, v in values_by_id.items()
    ]
    return pd.concat(frames, ignore_index=True)


def test_a_series_growing_10_percent_a_year_is_continued_exactly():
    history = np.concatenate([SEASON * 1.1**year for year in range(3)])

    forecast = SeasonalDrift().fit(series_frame({"a": list(history)})).predict(24)

    expected = np.concatenate([SEASON * 1.1**3, SEASON * 1.1**4])
    np.testing.assert_allclose(forecast[MEAN], expected)


def test_growth_is_the_geometric_mean_of_the_last_two_yearly_ratios():
    # the last two yearly ratios 1.21 and 1.44: geometric mean 1.1 x 1.2
    yearly_sums = [100, 100, 121, 121 * 1.44]
    history = np.concatenate([np.full(12, total / 12) for total in yearly_sums])

    assert yearly_growth(history, 12, 2) == pytest.approx(1.1 * 1.2)
    assert yearly_growth(history, 12, 1) == pytest.approx(1.44)
    assert yearly_growth(history, 12, 3) == pytest.approx((1.21 * 1.44) ** (1 / 3))


def test_fewer_seasons_than_asked_use_what_there_is_and_one_season_does_not_grow():
    two_years = np.concatenate([SEASON, SEASON * 1.5])
    assert yearly_growth(two_years, 12, 2) == pytest.approx(1.5)
    assert yearly_growth(SEASON, 12, 2) == 1.0
    assert yearly_growth(np.concatenate([np.zeros(12), SEASON]), 12, 1) == 1.0

    forecast = SeasonalDrift().fit(series_frame({"a": list(SEASON)})).predict(12)
    np.testing.assert_allclose(forecast[MEAN], SEASON)


def test_quarterly_series_grow_by_the_season_of_four_quarters():
    quarters = np.array([4.0, 5, 6, 5])
    history = np.concatenate([quarters, quarters * 2, quarters * 4])

    forecast = SeasonalDrift().fit(series_frame({"a": list(history)}, freq="QS")).predict(5)

    np.testing.assert_allclose(forecast[MEAN], [*(quarters * 8), 4.0 * 16])


@pytest.mark.parametrize("params", [{"growth_seasons": 0}, {"growth_seasons": 1.5}, {"season_length": 0}])
def test_invalid_parameters_are_refused(params):
    with pytest.raises(InputError, match=next(iter(params))):
        SeasonalDrift(**params).fit(series_frame({"a": list(SEASON)}))


def test_it_runs_where_per_series_models_run_and_not_at_the_many_series_levels():
    assert SEASONAL_DRIFT in candidate_names(20, local_max_series=64, prophet_max_series=8)
    assert SEASONAL_DRIFT not in candidate_names(100, local_max_series=64, prophet_max_series=8)
    cost = build_models([SEASONAL_DRIFT], seed=0, daily_rate=True)[SEASONAL_DRIFT]
    assert isinstance(cost.model, SeasonalDrift)  # costs are grown per day of the month, like ETS
