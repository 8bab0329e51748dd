"""ETS and SARIMAX per series: forecasts match statsmodels, beat seasonal naive, fall back gracefully."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from demandcast.columns import MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.backtest import rolling_origin_backtest
from demandcast.models.baselines import SeasonalNaive
from demandcast.models.metrics import accuracy, seasonal_naive_scales
from demandcast.models.statistical import ETSForecaster, SARIMAXForecaster
from demandcast.models.synthetic import synthetic_series


@pytest.fixture(scope="module")
def y() -> pd.DataFrame:
    return synthetic_series(n_series=3, n_months=60, seed=2, noise="gaussian", sigma=3.0)


def with_series(y: pd.DataFrame, uid: str, values: list[float]) -> pd.DataFrame:
    months = pd.date_range(end=y[MONTH].max(), periods=len(values), freq="MS")
    extra = pd.DataFrame({SERIES_ID: uid, MONTH: months, VALUE: values}).astype({SERIES_ID: "str"})
    return pd.concat([y, extra], ignore_index=True).sort_values([SERIES_ID, MONTH], ignore_index=True)


def holt_winters(values: np.ndarray, damped: bool | None, initialization: str = "estimated"):
    """damped None: no trend."""
    return ExponentialSmoothing(
        values,
        trend=None if damped is None else "add",
        damped_trend=bool(damped),
        seasonal="add",
        seasonal_periods=12,
        initialization_method=initialization,
    ).fit(use_brute=False)


@pytest.mark.parametrize("damped", [True, False], ids=["damped", "undamped"])
def test_ets_forecast_equals_statsmodels_holt_winters(y, damped):
    values = y.loc[y[SERIES_ID] == "s001", VALUE].to_numpy()
    expected = holt_winters(values, damped).forecast(18)

    forecast = ETSForecaster(damped=damped).fit(y).predict(18)

    np.testing.assert_allclose(forecast.loc[forecast[SERIES_ID] == "s001", MEAN], expected, rtol=1e-9)


def test_ets_keeps_per_series_the_trend_form_with_the_lower_aicc(y):
    forecast = ETSForecaster().fit(y).predict(18)

    for uid, series in y.groupby(SERIES_ID):
        fits = [holt_winters(series[VALUE].to_numpy(), damped) for damped in (True, False)]
        best = min(fits, key=lambda fit: fit.aicc)
        served = forecast.loc[forecast[SERIES_ID] == uid, MEAN]
        np.testing.assert_allclose(served, best.forecast(18), rtol=1e-9)


def test_ets_offered_no_trend_keeps_per_series_the_lowest_aicc_of_three_forms(y):
    level_only = 100 + 10 * np.sin(np.arange(60) * np.pi / 6) + np.random.default_rng(5).normal(0, 2, 60)
    y = with_series(y, "flat", list(level_only))

    model = ETSForecaster(no_trend=True).fit(y)
    forecast = model.predict(18)

    kept = {}
    for uid, series in y.groupby(SERIES_ID):
        fits = {form: holt_winters(series[VALUE].to_numpy(), form) for form in (True, False, None)}
        kept[uid] = min(fits, key=lambda form: fits[form].aicc)
        served = forecast.loc[forecast[SERIES_ID] == uid, MEAN]
        np.testing.assert_allclose(served, fits[kept[uid]].forecast(18), rtol=1e-9)
    assert kept["flat"] is None  # the series without a trend drops it
    names = {True: "damped", False: "undamped", None: "none"}
    assert {uid: state.form for uid, state in model.states_.items()} == {u: names[f] for u, f in kept.items()}


def test_ets_by_aicc_carries_a_steady_rise_two_years_on_where_a_damped_trend_flattens():
    months = pd.date_range("2020-04-01", periods=84, freq="MS")
    t = np.arange(84)
    rising = 1000 * 1.05 ** (t / 12) + 20 * np.sin(2 * np.pi * t / 12)
    rising += np.random.default_rng(3).normal(0, 3, 84)
    y = pd.DataFrame({SERIES_ID: "cost", MONTH: months, VALUE: rising}).astype({SERIES_ID: "str"})
    train, actual = y.iloc[:60], rising[60:]

    by_aicc, damped, undamped = (
        ETSForecaster(damped=choice).fit(train).predict(24)[MEAN].to_numpy()
        for choice in ("auto", True, False)
    )

    np.testing.assert_allclose(by_aicc, undamped, rtol=1e-12)
    second_year = slice(12, 24)
    assert np.abs(by_aicc - actual)[second_year].mean() < np.abs(damped - actual)[second_year].mean()


def test_heuristic_initial_states_match_statsmodels_and_ignore_the_inputs_last_bits(y):
    cost_per_day = y.assign(**{VALUE: 1e5 + 500 * y[VALUE]})  # a council cost's scale
    model = ETSForecaster(initialization="heuristic").fit(cost_per_day)
    forecast = model.predict(12)
    for uid, series in cost_per_day.groupby(SERIES_ID):
        fits = [holt_winters(series[VALUE].to_numpy(), damped, "heuristic") for damped in (True, False)]
        best = min(fits, key=lambda fit: fit.aicc)
        np.testing.assert_allclose(
            forecast.loc[forecast[SERIES_ID] == uid, MEAN], best.forecast(12), rtol=1e-9
        )
    noise = np.random.default_rng(0).uniform(-1e-15, 1e-15, len(cost_per_day))
    again = ETSForecaster(initialization="heuristic").fit(
        cost_per_day.assign(**{VALUE: cost_per_day[VALUE] * (1 + noise)})
    )
    np.testing.assert_allclose(again.predict(12)[MEAN], forecast[MEAN], rtol=1e-7)
    assert {u: s.form for u, s in again.states_.items()} == {u: s.form for u, s in model.states_.items()}


def test_ets_refuses_an_unknown_initialization(y):
    with pytest.raises(InputError, match="initialization must be 'estimated' or 'heuristic'"):
        ETSForecaster(initialization="guessed").fit(y)


def test_ets_refuses_an_unknown_damping_choice(y):
    with pytest.raises(InputError, match="damped must be True, False or 'auto'"):
        ETSForecaster(damped="sometimes").fit(y)


@pytest.mark.parametrize(
    "model",
    [ETSForecaster(), pytest.param(SARIMAXForecaster(), marks=pytest.mark.slow)],
    ids=["ets", "sarimax"],
)
def test_model_beats_seasonal_naive_on_trending_seasonal_series(model):
    y = synthetic_series(n_series=6, n_months=60, seed=4, noise="gaussian", sigma=3.0)

    backtest = rolling_origin_backtest(y, {"model": model, "snaive": SeasonalNaive()}, h=6, n_windows=2)

    scores = accuracy(backtest, ["model", "snaive"], seasonal_naive_scales(y, backtest["cutoff"].unique()))
    assert scores["model"]["mase"] < scores["snaive"]["mase"]


@pytest.mark.parametrize("model", [ETSForecaster(), SARIMAXForecaster()], ids=["ets", "sarimax"])
def test_zero_constant_and_short_series_fall_back_to_seasonal_naive_and_say_why(model, y):
    y = with_series(with_series(y, "zeros", [0.0] * 60), "short", [1.0, 2.0, 3.0])

    forecast = model.fit(y).predict(3)

    by_series = forecast.groupby(SERIES_ID)[MEAN].apply(list)
    assert by_series["zeros"] == [0.0, 0.0, 0.0]
    assert by_series["short"] == [3.0, 3.0, 3.0]
    assert model.fallbacks_["zeros"] == "constant"
    assert model.fallbacks_["short"].startswith("short: 3 <")
    assert set(model.fallbacks_) == {"zeros", "short"}


@pytest.mark.parametrize("model", [ETSForecaster(), SARIMAXForecaster()], ids=["ets", "sarimax"])
def test_fit_returns_self_predicts_the_right_months_and_is_deterministic(model, y):
    first = model.fit(y)

    assert first is model
    forecast = model.predict(4)
    assert forecast[MONTH].unique().tolist() == list(pd.date_range("2024-01-01", periods=4, freq="MS"))
    pd.testing.assert_frame_equal(forecast, clone(model).fit(y).predict(4))


def test_ets_drops_seasonality_below_two_full_years(y):
    short = y[y[MONTH] > "2022-06-01"]  # 18 months

    forecast = ETSForecaster().fit(short).predict(3)

    assert forecast[MEAN].notna().all()
    assert ETSForecaster().fit(short).fallbacks_ == {}
