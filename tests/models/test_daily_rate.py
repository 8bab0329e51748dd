"""The calendar adjustment of flows: models fit the rate per day, forecasts get each period's days back."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import MEAN, MEASURE, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.baselines import MeanOfLastYear, SeasonalNaive
from demandcast.models.combination import MeanForecaster
from demandcast.models.daily_rate import DailyRate
from demandcast.models.hierarchy import build_hierarchy
from demandcast.models.selection import build_models
from demandcast.models.synthetic import synthetic_areas, synthetic_panel
from demandcast.models.training import TrainConfig, train

DAILY_SPEND = 10.0


def _daily_spend(start: str, end: str, freq: str = "MS") -> pd.DataFrame:
    """One series whose every period costs DAILY_SPEND a day."""
    periods = pd.date_range(start, end, freq=freq)
    days = (periods + pd.tseries.frequencies.to_offset(freq) - periods).days.to_numpy()
    return pd.DataFrame({SERIES_ID: "a", MONTH: periods, VALUE: DAILY_SPEND * days})


def test_a_steady_daily_spend_is_forecast_with_each_months_days():
    history = _daily_spend("2022-01-01", "2024-12-01")  # ends after the leap February of 2024

    wrapped = DailyRate(SeasonalNaive()).fit(history).predict(12)
    plain = SeasonalNaive().fit(history).predict(12)

    expected = DAILY_SPEND * pd.DatetimeIndex(wrapped[MONTH]).days_in_month.to_numpy()
    np.testing.assert_allclose(wrapped[MEAN], expected)
    february = wrapped[MONTH] == pd.Timestamp("2025-02-01")
    assert wrapped.loc[february, MEAN].item() == pytest.approx(280.0)
    assert plain.loc[february, MEAN].item() == pytest.approx(290.0)  # repeats the leap February


def test_the_wrapped_model_sees_the_spend_of_an_average_period():
    history = _daily_spend("2022-01-01", "2024-12-01")

    fitted = DailyRate(MeanOfLastYear()).fit(history)

    inner = fitted.model_.predict(1)[MEAN].item()
    assert inner == pytest.approx(DAILY_SPEND * 365.25 / 12)


def test_quarterly_flows_are_adjusted_by_the_days_of_each_quarter():
    history = _daily_spend("2020-01-01", "2024-10-01", freq="QS")

    forecast = DailyRate(MeanOfLastYear()).fit(history).predict(4)

    np.testing.assert_allclose(forecast[MEAN], DAILY_SPEND * np.array([90.0, 91.0, 92.0, 92.0]))


def test_daily_rate_refuses_to_fit_without_a_model_and_to_predict_unfitted():
    with pytest.raises(InputError, match="needs a model"):
        DailyRate().fit(_daily_spend("2022-01-01", "2024-12-01"))
    with pytest.raises(InputError, match="not fitted"):
        DailyRate(SeasonalNaive()).predict(3)


def test_build_models_wraps_every_model_but_the_baselines_for_flows():
    names = ["seasonal_naive", "mean_of_last_year", "vector_ets", "ets"]

    flows = build_models(names, seed=0, daily_rate=True)
    stocks = build_models(names, seed=0)

    assert [type(m).__name__ for m in flows.values()] == [
        "SeasonalNaive",
        "MeanOfLastYear",
        "DailyRate",
        "DailyRate",
    ]
    assert not any(isinstance(m, DailyRate) for m in stocks.values())


def _models_inside(model) -> list:
    return [m for _, m in model.members_] if isinstance(model, MeanForecaster) else [model]


def test_training_forecasts_cost_per_day_and_counts_as_they_are():
    counts = synthetic_panel(n_areas=4, n_months=36, seed=3)
    cost = counts[counts[MEASURE] == "caseload"].assign(**{MEASURE: "cost"})
    cost = cost.assign(**{VALUE: cost[VALUE] * 25.0 * cost[MONTH].dt.days_in_month})
    panel = pd.concat([counts, cost], ignore_index=True)
    config = TrainConfig(horizon=3, allowed_models=("seasonal_naive", "mean_of_last_year", "vector_ets"))

    result = train(panel, build_hierarchy(panel, synthetic_areas(4)), config)

    inside = {
        measure: [m for model in fit.models.values() for m in _models_inside(model)]
        for measure, fit in result.model.measures.items()
    }
    smoothed = [m for m in inside["cost"] if not isinstance(m, (SeasonalNaive, MeanOfLastYear))]
    assert smoothed, "vector ETS is chosen or combined at some cost level"
    assert all(isinstance(m, DailyRate) for m in smoothed)
    assert set(inside) == {"caseload", "cost"}
    assert not any(isinstance(m, DailyRate) for m in inside["caseload"])
