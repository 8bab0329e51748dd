"""Grid-searched ETS on all series at once: exact without noise, as good as statsmodels on ETS data."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ACTUAL, CUTOFF, MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.baselines import SeasonalNaive
from demandcast.models.metrics import mase, seasonal_naive_scales
from demandcast.models.statistical import ETSForecaster
from demandcast.models.vector_ets import VectorETSForecaster, initial_states


def long_frame(rows: dict[str, np.ndarray], start: str = "2020-01-01", freq: str = "MS") -> pd.DataFrame:
    """unique_id, month, value from equal-length arrays that all end at the same period."""
    n = max(len(v) for v in rows.values())
    months = pd.date_range(start, periods=n, freq=freq)
    frames = [
        pd.DataFrame({SERIES_ID: uid, MONTH: months[n - len(v) :], VALUE: np.asarray(v, dtype=float)})
        for uid, v in rows.items()
    ]
    y = pd.concat(frames, ignore_index=True).astype({SERIES_ID: "str"})
    return y.sort_values([SERIES_ID, MONTH], ignore_index=True)


def trend_and_season(n: int, m: int = 12, level: float = 100.0, slope: float = 2.0) -> np.ndarray:
    t = np.arange(n)
    return level + slope * t + 10 * np.sin(2 * np.pi * t / m)


def simulated_ets(n_series: int, n_periods: int, seed: int) -> np.ndarray:
    """Additive-error damped-trend seasonal ETS paths (alpha .2, beta .05, gamma .1, phi .95, sigma 3)."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(50, 150, n_series)
    trend = rng.uniform(-0.5, 1.0, n_series)
    season = 8 * np.sin(2 * np.pi * (np.arange(12)[:, None] + rng.uniform(0, 12, n_series)) / 12)
    paths = np.empty((n_series, n_periods))
    for t in range(n_periods):
        error = rng.normal(0, 3, n_series)
        paths[:, t] = level + 0.95 * trend + season[t % 12] + error
        level, trend = level + 0.95 * trend + 0.2 * error, 0.95 * trend + 0.05 * error
        season[t % 12] += 0.1 * error
    return paths


def holdout_mase(train: pd.DataFrame, test: pd.DataFrame, forecasts: dict[str, pd.DataFrame]) -> dict:
    cutoff = train[MONTH].max()
    scored = test.rename(columns={VALUE: ACTUAL}).assign(**{CUTOFF: cutoff})
    for name, forecast in forecasts.items():
        scored = scored.merge(forecast.rename(columns={MEAN: name}), on=[SERIES_ID, MONTH])
    scales = seasonal_naive_scales(train, [cutoff])
    return {name: mase(scored, name, scales) for name in forecasts}


def test_noise_free_level_and_season_are_forecast_exactly():
    values = trend_and_season(72, slope=0.0)
    y = long_frame({"a": values[:60]})

    forecast = VectorETSForecaster(transform=None).fit(y).predict(12)

    np.testing.assert_allclose(forecast[MEAN], values[60:], atol=1e-6)


def test_noise_free_linear_trend_is_forecast_exactly_when_an_undamped_trend_is_a_candidate():
    values = trend_and_season(72)
    y = long_frame({"a": values[:60]})

    forecast = VectorETSForecaster(phis=(0.9, 1.0), transform=None).fit(y).predict(12)

    np.testing.assert_allclose(forecast[MEAN], values[60:], atol=1e-6)


def test_initial_states_decompose_the_first_two_seasons():
    level, trend, season = initial_states(trend_and_season(24)[None, :], 12)

    np.testing.assert_allclose([level[0], trend[0]], [98.0, 2.0])
    np.testing.assert_allclose(season[:, 0], 10 * np.sin(2 * np.pi * np.arange(12) / 12), atol=1e-12)


def test_quarterly_series_use_a_season_of_four():
    values = trend_and_season(28, m=4, slope=1.0)
    y = long_frame({"q": values[:24]}, freq="QS")

    model = VectorETSForecaster(phis=(0.9, 1.0), transform=None).fit(y)
    forecast = model.predict(4)

    assert model.season_.shape == (1, 4)
    assert forecast[MONTH].tolist() == list(pd.date_range("2026-01-01", periods=4, freq="QS"))
    np.testing.assert_allclose(forecast[MEAN], values[24:], atol=1e-6)


def test_as_accurate_as_statsmodels_and_better_than_seasonal_naive_on_simulated_ets_series():
    paths = simulated_ets(60, 72, seed=7)
    y = long_frame({f"s{i:02d}": p for i, p in enumerate(paths)})
    train, test = y[y[MONTH] <= "2024-12-01"], y[y[MONTH] > "2024-12-01"]
    models = {
        "same form": VectorETSForecaster(criterion="sse", transform=None),
        "aicc": VectorETSForecaster(transform=None),
        "statsmodels": ETSForecaster(),
        "snaive": SeasonalNaive(),
    }

    scores = holdout_mase(train, test, {name: m.fit(train).predict(12) for name, m in models.items()})

    # statsmodels fits the full damped seasonal form, as criterion "sse" does; AICc may pick simpler
    # forms. Both stay within 3% of statsmodels' optimised fits (0.685 and 0.688 against 0.677).
    assert scores["same form"] <= 1.03 * scores["statsmodels"]
    assert scores["aicc"] <= 1.03 * scores["statsmodels"]
    assert max(scores["same form"], scores["aicc"]) < 0.9 * scores["snaive"]


def test_predict_gives_h_months_after_the_last_for_every_series():
    y = long_frame({"b": trend_and_season(40), "a": trend_and_season(40, slope=-1.0)})

    forecast = VectorETSForecaster().fit(y).predict(5)

    assert list(forecast.columns) == [SERIES_ID, MONTH, MEAN]
    assert forecast[SERIES_ID].tolist() == ["a"] * 5 + ["b"] * 5
    assert forecast[MONTH].tolist() == list(pd.date_range("2023-05-01", periods=5, freq="MS")) * 2


def test_zero_constant_and_short_series_fall_back_and_say_why():
    rng = np.random.default_rng(0)
    y = long_frame(
        {
            "noisy": trend_and_season(48) + rng.normal(0, 2, 48),
            "zeros": np.zeros(48),
            "flat": np.full(48, 7.0),
            "short": np.arange(1.0, 16.0),
            "sparse": rng.poisson(0.2, 48),
        }
    )

    model = VectorETSForecaster().fit(y)
    forecast = model.predict(14).set_index(SERIES_ID)[MEAN]

    assert model.fallbacks_ == {"flat": "constant", "short": "short: 15 < 27 periods", "zeros": "constant"}
    assert np.isfinite(forecast).all()
    np.testing.assert_array_equal(forecast["zeros"], np.zeros(14))
    np.testing.assert_array_equal(forecast["flat"], np.full(14, 7.0))
    np.testing.assert_array_equal(forecast["short"], np.resize(np.arange(4.0, 16.0), 14))


def test_fit_is_deterministic_and_leaves_its_input_unchanged():
    y = long_frame({f"s{i}": p for i, p in enumerate(simulated_ets(5, 48, seed=1))})
    before = y.copy()

    first = VectorETSForecaster().fit(y).predict(6)
    second = VectorETSForecaster().fit(y).predict(6)

    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(y, before)


def test_sse_criterion_keeps_the_full_damped_seasonal_form():
    y = long_frame({f"s{i}": p for i, p in enumerate(simulated_ets(4, 48, seed=3))})

    model = VectorETSForecaster(criterion="sse", phis=(0.9,), transform=None).fit(y)

    assert set(model.form_) == {"A,Ad,A"}


def test_log1p_transform_recovers_a_multiplicative_season():
    t = np.arange(60)
    values = np.expm1(np.log1p(200.0) + 0.3 * np.sin(2 * np.pi * t / 12))
    y = long_frame({"m": values[:48]})

    forecast = VectorETSForecaster(transform="log1p").fit(y).predict(12)

    np.testing.assert_allclose(forecast[MEAN], values[48:], rtol=1e-6)


def test_auto_transform_logs_a_multiplicative_series_and_keeps_an_additive_one():
    t = np.arange(60)
    multiplicative = np.exp(np.log(200.0) + 0.02 * t + 0.3 * np.sin(2 * np.pi * t / 12))
    rng = np.random.default_rng(5)
    y = long_frame(
        {
            "additive": trend_and_season(60, slope=0.0) + rng.normal(0, 1, 60),
            "multiplicative": multiplicative * np.exp(rng.normal(0, 0.01, 60)),
            "negative": trend_and_season(60, level=-50.0, slope=0.0) + rng.normal(0, 1, 60),
        }
    )

    model = VectorETSForecaster(transform="auto").fit(y)

    assert model.log_.tolist() == [False, True, False]
    assert model.form_[1].endswith(" on log1p")
    assert np.isfinite(model.predict(12)[MEAN]).all()


def test_mean_back_transform_forecasts_the_mean_of_small_counts_where_the_median_falls_short():
    rng = np.random.default_rng(11)
    counts = rng.poisson(0.8, size=(400, 84)).astype(float)
    y = long_frame({f"s{i:03d}": row[:72] for i, row in enumerate(counts)})
    actual_mean = counts[:, 72:].mean()

    median = VectorETSForecaster(transform="log1p").fit(y).predict(12)[MEAN].mean()
    mean = VectorETSForecaster(transform="log1p", back_transform="mean").fit(y).predict(12)[MEAN].mean()

    assert median < 0.85 * actual_mean  # exp of the log-scale forecast: about the median, well below
    assert mean == pytest.approx(actual_mean, rel=0.05)


def test_forecast_variance_grows_as_the_simulated_errors_do():
    rng = np.random.default_rng(3)
    alpha, sigma, n_train, h = 0.3, 2.0, 72, 12
    errors = rng.normal(0, sigma, size=(2000, n_train + h))
    paths = np.empty_like(errors)
    level = np.full(len(errors), 100.0)
    for t in range(n_train + h):
        paths[:, t] = level + errors[:, t]
        level = level + alpha * errors[:, t]
    y = long_frame({f"s{i:04d}": row[:n_train] for i, row in enumerate(paths)})
    model = VectorETSForecaster(transform=None, seasonal=False).fit(y)
    forecast = model.predict(h)[MEAN].to_numpy().reshape(len(paths), h)

    empirical = ((paths[:, n_train:] - forecast) ** 2).mean(axis=0)
    stated = model.forecast_variance(h).mean(axis=0)
    theory = sigma**2 * (1 + alpha**2 * np.arange(h))

    np.testing.assert_allclose(stated, theory, rtol=0.15)
    np.testing.assert_allclose(empirical[[0, h - 1]], stated[[0, h - 1]], rtol=0.15)
    assert stated[-1] > 1.5 * stated[0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"criterion": "mse"}, "criterion must be one of"),
        ({"transform": "log"}, "transform must be one of"),
        ({"back_transform": "mode"}, "back_transform must be one of"),
        ({"alphas": (0.0, 0.5)}, "alphas must be a non-empty sequence of values in (0, 1]"),
        ({"phis": ()}, "phis must be a non-empty sequence"),
        ({"min_periods": 2}, "min_periods must be at least 4 or None, got 2"),
    ],
)
def test_invalid_hyperparameters_are_refused_at_fit(params, message):
    y = long_frame({"a": trend_and_season(36)})

    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("]", r"\]")):
        VectorETSForecaster(**params).fit(y)


def test_predict_before_fit_is_refused():
    with pytest.raises(InputError, match="VectorETSForecaster is not fitted"):
        VectorETSForecaster().predict(3)


def test_a_model_saved_before_the_back_transform_option_still_forecasts_medians():
    t = np.arange(60)
    rng = np.random.default_rng(2)
    log_values = np.log1p(20.0) + 0.3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.1, 60)
    y = long_frame({"m": np.expm1(log_values)})
    expected = VectorETSForecaster(transform="log1p").fit(y).predict(12)
    old = VectorETSForecaster(transform="log1p", back_transform="mean").fit(y)
    means = old.predict(12)
    for name in ("back_transform", "alpha_", "beta_", "gamma_", "sigma2_"):  # what a saved model lacks
        delattr(old, name)

    pd.testing.assert_frame_equal(old.predict(12), expected)
    assert (means[MEAN] > expected[MEAN]).all()
