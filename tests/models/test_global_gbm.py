"""The global gradient-boosting forecaster: beats seasonal naive, deterministic, non-negative, fair inputs."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import (
    AREA,
    CLIENT_GROUP,
    COST,
    IMD_DECILE,
    MEAN,
    MEASURE,
    MINORITY_SHARE,
    MONTH,
    POPULATION,
    SERIES_ID,
    SERVICE,
    VALUE,
)
from demandcast.errors import InputError
from demandcast.models.global_gbm import GlobalGBMForecaster, _append_month, _tail

N_AREAS = 6
SERVICES = ("home_care", "residential")
# a ring of areas: each touches the one before and the one after
RING = {f"w{a}": [f"w{(a - 1) % N_AREAS}", f"w{(a + 1) % N_AREAS}"] for a in range(N_AREAS)}


def shared_season_panel(n_months: int = 60, seed: int = 0, measure: str = "caseload") -> pd.DataFrame:
    """Series of different sizes sharing one yearly season and a 1%-a-month trend, with Poisson noise."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2019-01-01", periods=n_months, freq="MS")
    season = 1 + 0.3 * np.sin(2 * np.pi * (months.month.to_numpy() - 1) / 12)
    trend = 1 + 0.01 * np.arange(n_months)
    frames = []
    for area in RING:
        for service in SERVICES:
            level = rng.lognormal(3.0, 0.7)
            frames.append(
                pd.DataFrame(
                    {
                        SERIES_ID: f"{area}/{service}",
                        AREA: area,
                        CLIENT_GROUP: "older_people",
                        SERVICE: service,
                        MEASURE: measure,
                        MONTH: months,
                        VALUE: rng.poisson(level * season * trend).astype(float),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def covariates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            AREA: list(RING),
            POPULATION: np.arange(N_AREAS) * 1000 + 10_000,
            IMD_DECILE: np.arange(N_AREAS) + 1,
            MINORITY_SHARE: np.linspace(0.1, 0.7, N_AREAS),
        }
    )


def split(y: pd.DataFrame, h: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    cutoff = np.sort(y[MONTH].unique())[-h - 1]
    return y[y[MONTH] <= cutoff].reset_index(drop=True), y[y[MONTH] > cutoff]


def seasonal_naive(train: pd.DataFrame, h: int) -> pd.DataFrame:
    last_year = train.groupby(SERIES_ID).tail(12)
    moved = last_year.assign(**{MONTH: last_year[MONTH] + pd.DateOffset(years=1)})
    return moved.rename(columns={VALUE: MEAN})[[SERIES_ID, MONTH, MEAN]].groupby(SERIES_ID).head(h)


def mean_absolute_error(forecast: pd.DataFrame, test: pd.DataFrame) -> float:
    joined = test.merge(forecast, on=[SERIES_ID, MONTH], validate="one_to_one")
    assert len(joined) == len(test)
    return float((joined[MEAN] - joined[VALUE]).abs().mean())


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_beats_seasonal_naive_on_shared_seasonality_and_trend(strategy):
    train, test = split(shared_season_panel(), h=12)
    model = GlobalGBMForecaster(covariates=covariates(), neighbours=RING, strategy=strategy, max_horizon=12)

    forecast = model.fit(train).predict(12)

    assert mean_absolute_error(forecast, test) < 0.95 * mean_absolute_error(seasonal_naive(train, 12), test)


def test_forecasts_cover_every_series_for_the_h_following_months_and_are_non_negative():
    y = shared_season_panel(n_months=30)

    forecast = GlobalGBMForecaster(max_iter=30).fit(y).predict(14)

    assert list(forecast.columns) == [SERIES_ID, MONTH, MEAN]
    assert len(forecast) == y[SERIES_ID].nunique() * 14
    assert forecast[MONTH].min() == pd.Timestamp("2021-07-01")
    assert forecast[MONTH].max() == pd.Timestamp("2022-08-01")
    assert (forecast[MEAN] >= 0).all()


def test_same_seed_same_forecasts():
    y = shared_season_panel(n_months=36)

    def forecast():
        return GlobalGBMForecaster(neighbours=RING, max_iter=40, random_state=3).fit(y).predict(6)

    pd.testing.assert_frame_equal(forecast(), forecast())


@pytest.mark.parametrize("freq", ["MS", "QS"])
def test_recursive_forecast_equals_featurising_the_whole_history_at_every_step(freq):
    y = shared_season_panel(n_months=60 if freq == "QS" else 36)
    if freq == "QS":
        y = y[y[MONTH].dt.month.isin([1, 4, 7, 10])].reset_index(drop=True)
    model = GlobalGBMForecaster(covariates=covariates(), neighbours=RING, max_iter=40).fit(y)

    history, expected = model.history_, []
    for month in pd.date_range(y[MONTH].max(), periods=7, freq=freq)[1:]:
        extended = _append_month(history, month)
        step = model._design(extended, only_month=month)  # every feature rebuilt from the long history
        step = step.assign(**{VALUE: model._predict_rows(step)})
        expected.append(step[[SERIES_ID, MONTH, VALUE]].rename(columns={VALUE: MEAN}))
        filled = extended[VALUE].to_numpy(copy=True)
        filled[(extended[MONTH] == month).to_numpy()] = step[VALUE].to_numpy()
        history = _tail(extended.assign(**{VALUE: filled}), model.lookback_)
    expected = pd.concat(expected).sort_values([SERIES_ID, MONTH]).reset_index(drop=True)

    got = model.predict(6)

    pd.testing.assert_frame_equal(got, expected.astype({SERIES_ID: "str"}), check_exact=False, rtol=1e-12)


def test_protected_characteristics_never_become_features():
    model = GlobalGBMForecaster(covariates=covariates(), neighbours=RING, max_iter=10)

    model.fit(shared_season_panel(n_months=30))

    assert MINORITY_SHARE not in model.features_
    assert {POPULATION, IMD_DECILE, "spatial_lag_1", "lag_12", "rolling_mean_3", "fiscal_month"} <= set(
        model.features_
    )
    assert {CLIENT_GROUP, SERVICE} <= set(model.features_)


def test_each_measure_gets_its_own_booster_and_cost_may_use_a_log_target():
    caseload = shared_season_panel(n_months=30)
    cost = shared_season_panel(n_months=30, seed=1, measure=COST)
    cost = cost.assign(**{SERIES_ID: cost[SERIES_ID] + "/cost", VALUE: cost[VALUE] * 750.0})
    y = pd.concat([caseload, cost]).sort_values([SERIES_ID, MONTH], ignore_index=True)

    model = GlobalGBMForecaster(cost_loss="log_squared_error", max_iter=20).fit(y)
    forecast = model.predict(3)

    assert sorted(model.models_) == ["caseload", COST]
    assert model.models_[COST].loss == "squared_error"
    assert model.models_["caseload"].loss == "poisson"
    assert (forecast[MEAN] >= 0).all()


def test_fit_does_not_mutate_y():
    y = shared_season_panel(n_months=30)
    snapshot = y.copy()

    GlobalGBMForecaster(covariates=covariates(), neighbours=RING, max_iter=5).fit(y)

    pd.testing.assert_frame_equal(y, snapshot)


def test_invalid_parameters_and_horizons_are_refused():
    y = shared_season_panel(n_months=30)
    with pytest.raises(InputError, match="strategy must be one of"):
        GlobalGBMForecaster(strategy="sideways").fit(y)
    direct = GlobalGBMForecaster(strategy="direct", max_horizon=6, max_iter=5).fit(y)
    with pytest.raises(InputError, match="horizon 7 exceeds max_horizon 6"):
        direct.predict(7)
    with pytest.raises(InputError, match="not fitted"):
        GlobalGBMForecaster().predict(3)
