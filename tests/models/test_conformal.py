"""Conformal intervals: near-nominal coverage on series with known noise, widening with the horizon."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ACTUAL, HI_80, HI_95, HORIZON_STEP, LO_80, LO_95, MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.backtest import rolling_origin_backtest
from demandcast.models.baselines import SeasonalNaive
from demandcast.models.conformal import ConformalIntervals, stretched
from demandcast.models.metrics import coverage
from demandcast.models.synthetic import synthetic_series


def held_out_coverage(noise: str, seed: int) -> tuple[float, float]:
    """Calibrate on all but the last year of 300 series, then score the last year."""
    y = synthetic_series(n_series=300, n_months=84, seed=seed, noise=noise, sigma=5.0)
    train, test = y[y[MONTH] <= "2024-12-01"], y[y[MONTH] > "2024-12-01"]
    backtest = rolling_origin_backtest(train, {"snaive": SeasonalNaive()}, h=12, n_windows=3)
    intervals = ConformalIntervals().fit(backtest, "snaive").apply(SeasonalNaive().fit(train).predict(12))
    scored = intervals.merge(test, on=[SERIES_ID, MONTH])
    return coverage(scored[VALUE], scored[LO_80], scored[HI_80]), coverage(
        scored[VALUE], scored[LO_95], scored[HI_95]
    )


@pytest.mark.parametrize("noise", ["gaussian", "poisson"])
def test_coverage_is_near_nominal_on_series_with_known_noise(noise):
    coverage_80, coverage_95 = held_out_coverage(noise, seed=11)

    assert coverage_80 == pytest.approx(0.80, abs=0.04)
    assert coverage_95 == pytest.approx(0.95, abs=0.03)


def backtest_steps(n_series: int, h: int, origins: int = 1) -> np.ndarray:
    """The horizon step of each row of `backtest_of`'s frame: steps 1..h, per origin, per series."""
    return np.tile(np.arange(1, h + 1), n_series * origins)


def backtest_of(residuals: np.ndarray, n_series: int, h: int, origins: int = 1) -> pd.DataFrame:
    """A backtest of forecast "m" = 100 for series s0, s1, ... whose actuals miss it by `residuals`
    (ordered as `backtest_steps`)."""
    return pd.DataFrame(
        {
            SERIES_ID: np.repeat([f"s{i}" for i in range(n_series)], h * origins),
            HORIZON_STEP: backtest_steps(n_series, h, origins),
            "m": 100.0,
            ACTUAL: 100.0 + residuals,
        }
    )


def random_walk_backtest(n_series: int = 200, h: int = 6) -> pd.DataFrame:
    """Backtest of a naive forecast of random walks: error variance grows linearly with the step."""
    residuals = np.random.default_rng(5).normal(0, np.sqrt(backtest_steps(n_series, h)))
    return backtest_of(residuals, n_series, h)


def forecasts(ids: list[str], h: int, mean: float = 100.0) -> pd.DataFrame:
    months = pd.date_range("2025-01-01", periods=h, freq="MS")
    return pd.DataFrame({SERIES_ID: np.repeat(ids, h), MONTH: np.tile(months, len(ids)), MEAN: mean})


def test_intervals_widen_with_the_horizon():
    intervals = ConformalIntervals().fit(random_walk_backtest(), "m").apply(forecasts(["s0"], 6))

    widths_80, widths_95 = intervals[HI_80] - intervals[LO_80], intervals[HI_95] - intervals[LO_95]
    assert widths_80.is_monotonic_increasing and widths_95.is_monotonic_increasing
    assert widths_80.iloc[-1] > 1.5 * widths_80.iloc[0]
    assert (widths_95 > widths_80).all()


def stationary_backtest(seed: int, n_series: int = 20, h: int = 12) -> pd.DataFrame:
    """Three origins of 20 series whose errors (sd 5) do not grow with the step, as a flow's."""
    residuals = np.random.default_rng(seed).normal(0, 5, n_series * h * 3)
    return backtest_of(residuals, n_series, h, origins=3)


def test_bounds_do_not_ratchet_up_over_the_horizon_when_errors_do_not_grow():
    """A running maximum of noisy per-step quantiles would sit 20-30% above the true bound by step 12."""
    upper = np.array(
        [ConformalIntervals().fit(stationary_backtest(seed), "m").quantiles_[HI_80] for seed in range(20)]
    )

    normal_80 = 1.2816 / np.sqrt(2 / np.pi)  # the 90th percentile in units of the mean absolute error
    assert upper.mean() == pytest.approx(normal_80, rel=0.05)
    assert upper.mean(axis=0)[-1] == pytest.approx(normal_80, rel=0.15)
    assert (np.diff(upper, axis=1) >= 0).all()


def test_a_series_with_larger_errors_gets_wider_intervals():
    backtest = pd.DataFrame(
        {
            SERIES_ID: ["small"] * 4 + ["large"] * 4,
            HORIZON_STEP: 1,
            "m": 10.0,
            ACTUAL: [9, 11, 9, 11, 0, 20, 0, 20],
        }
    )

    intervals = (
        ConformalIntervals(levels=(80,)).fit(backtest, "m").apply(forecasts(["small", "large"], 1, 10.0))
    )

    assert (intervals[HI_80] - intervals[LO_80]).tolist() == [2.0, 20.0]


def test_lower_bounds_are_clipped_at_zero_for_counts():
    intervals = ConformalIntervals().fit(random_walk_backtest(), "m").apply(forecasts(["s0"], 6, mean=0.5))

    assert (intervals[LO_95] == 0.0).all()
    assert (intervals[HI_95] > 0.5).all()


def test_unknown_series_and_steps_beyond_the_backtest_still_get_intervals():
    fitted = ConformalIntervals().fit(random_walk_backtest(h=6), "m")

    intervals = fitted.apply(forecasts(["s0", "new"], 9))

    assert intervals[[LO_80, HI_80, LO_95, HI_95]].notna().all().all()


def _coverage_beyond(backtest: pd.DataFrame, sd_at_step, steps: range, seed: int = 11) -> float:
    """Share of fresh errors (sd `sd_at_step(step)`) at `steps` inside the 80% intervals fitted on
    `backtest`."""
    fitted = ConformalIntervals().fit(backtest, "m")
    ids = sorted(backtest[SERIES_ID].unique())
    applied = fitted.apply(forecasts(ids, max(steps)))
    applied = applied.assign(**{HORIZON_STEP: applied.groupby(SERIES_ID).cumcount() + 1})
    beyond = applied[applied[HORIZON_STEP].isin(steps)]
    errors = np.random.default_rng(seed).normal(0, sd_at_step(beyond[HORIZON_STEP].to_numpy()))
    actual = beyond[MEAN].to_numpy() + errors
    return float(((actual >= beyond[LO_80]) & (actual <= beyond[HI_80])).mean())


def test_beyond_the_backtest_a_random_walks_bounds_keep_growing_and_keep_their_coverage():
    """Errors of a random walk (a stock's) grow as the root of the step: fitted on 12 steps, the 80%
    intervals still cover about 80% of its errors 13-24 steps ahead (step 12's bounds reused there
    cover 68%)."""
    walk = random_walk_backtest(h=12)

    assert ConformalIntervals().fit(walk, "m").growth_ > 0.3
    assert _coverage_beyond(walk, np.sqrt, range(13, 25)) == pytest.approx(0.80, abs=0.05)


def test_beyond_the_backtest_a_flows_bounds_barely_grow():
    """Errors that do not grow with the step (a flow's) give a growth near 0 on average over samples."""
    growth = [ConformalIntervals().fit(stationary_backtest(seed), "m").growth_ for seed in range(10)]

    assert np.mean(growth) < 0.1
    assert min(growth) >= 0.0


def test_beyond_the_backtest_a_drifts_bounds_grow_in_proportion_to_the_step():
    """A trend learnt wrong makes errors that grow in proportion to the step, faster than a random
    walk's: the growth comes out near 1, not capped at a random walk's 1/2."""
    rng = np.random.default_rng(3)
    n_series, h = 50, 12
    steps = backtest_steps(n_series, h)
    drift = np.repeat(rng.normal(0, 1, n_series), h) * steps + rng.normal(0, 0.1, n_series * h)
    backtest = backtest_of(drift, n_series, h)

    growth = ConformalIntervals().fit(backtest, "m").growth_

    assert growth == pytest.approx(1.0, abs=0.1)
    assert ConformalIntervals().fit(random_walk_backtest(h=12), "m").growth_ == pytest.approx(0.5, abs=0.15)


def test_intervals_fitted_before_the_growth_was_learnt_stay_flat_beyond_the_backtest():
    fitted = ConformalIntervals().fit(random_walk_backtest(h=6), "m")
    del fitted.growth_  # as unpickled from a model saved before it

    s0 = fitted.apply(forecasts(["s0"], 9))

    assert s0[HI_80].iloc[6:].tolist() == [s0[HI_80].iloc[5]] * 3


def test_an_unknown_series_is_scaled_by_the_pooled_relative_error_times_its_mean_forecast():
    fitted = ConformalIntervals().fit(random_walk_backtest(h=6), "m")
    unknown = forecasts(["new"], 6).assign(**{MEAN: [40.0, 60.0, 80.0, 100.0, 120.0, 140.0]})

    intervals = fitted.apply(unknown)

    scale = fitted.relative_scale_ * 90.0  # the mean of its absolute forecasts
    expected_hi = unknown[MEAN].to_numpy() + fitted.quantiles_[HI_80].to_numpy() * scale
    np.testing.assert_allclose(intervals[HI_80].to_numpy(), expected_hi)


def test_apply_adds_columns_without_changing_the_forecasts():
    given = forecasts(["s0"], 3)

    intervals = ConformalIntervals().fit(random_walk_backtest(), "m").apply(given)

    pd.testing.assert_frame_equal(intervals[given.columns], given)
    assert intervals.columns.tolist()[-4:] == [LO_80, HI_80, LO_95, HI_95]


def test_levels_must_be_percentages():
    with pytest.raises(InputError, match="levels must be whole percentages between 1 and 99"):
        ConformalIntervals(levels=(0.8,)).fit(random_walk_backtest(), "m")


def _lone_series(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One series' backtest (three origins x 12 steps, forecast 100, noise sd 5) and 12 forecasts of 100."""
    rng = np.random.default_rng(seed)
    steps = np.tile(np.arange(1, 13), 3)
    backtest = pd.DataFrame(
        {SERIES_ID: "a", HORIZON_STEP: steps, ACTUAL: 100 + rng.normal(0, 5, len(steps)), "model": 100.0}
    )
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    return backtest, pd.DataFrame({SERIES_ID: "a", MONTH: months, MEAN: 100.0})


def test_a_lone_series_borrows_residuals_from_nearby_steps_so_levels_differ():
    """One series and three origins give three residuals a step: alone, 80% and 95% would coincide."""
    backtest, forecasts = _lone_series(2)

    pooled = ConformalIntervals(min_per_step=20).fit(backtest, "model").apply(forecasts)
    alone = ConformalIntervals(min_per_step=1).fit(backtest, "model").apply(forecasts)

    assert (pooled[HI_95] > pooled[HI_80]).all() and (pooled[LO_95] < pooled[LO_80]).all()
    assert (alone[HI_95] == alone[HI_80]).iloc[0]


@pytest.mark.parametrize("growth", [0.0, 0.25, 0.5])
def test_borrowed_residuals_keep_the_widening_with_the_horizon(growth):
    """Every step of a lone series borrows all 36 residuals, each rescaled by (step / its own)^growth."""
    backtest, forecasts = _lone_series(4)

    fitted = ConformalIntervals(min_per_step=40, borrowed_growth=growth).fit(backtest, "model")
    out = fitted.apply(forecasts)

    width = (out[HI_80] - out[LO_80]).to_numpy()
    assert width[-1] == pytest.approx(width[0] * 12**growth, rel=1e-9)
    assert fitted.growth_ == pytest.approx(growth, abs=0.15)


def test_borrowed_growth_must_lie_between_a_flows_and_a_trends():
    with pytest.raises(InputError, match="borrowed_growth must be between 0 and 1"):
        ConformalIntervals(borrowed_growth=1.5).fit(random_walk_backtest(), "m")


def test_widened_intervals_stretch_about_their_centre_by_level():
    fitted = ConformalIntervals().fit(random_walk_backtest(), "m")

    plain, wide = fitted.apply(forecasts(["s0"], 6)), fitted.widened({80: 1.2}).apply(forecasts(["s0"], 6))

    np.testing.assert_allclose(wide[HI_80] - wide[LO_80], 1.2 * (plain[HI_80] - plain[LO_80]))
    np.testing.assert_allclose(wide[HI_80] + wide[LO_80], plain[HI_80] + plain[LO_80])
    np.testing.assert_allclose(wide[LO_95], plain[LO_95])


def test_a_widened_80_interval_never_ends_outside_a_narrowed_95_interval():
    fitted = ConformalIntervals().fit(random_walk_backtest(), "m")

    out = fitted.widened({80: 2.0, 95: 0.6}).apply(forecasts(["s0"], 6))

    assert (out[HI_80] > out[LO_80]).all()
    np.testing.assert_allclose(out[LO_95], out[LO_80])
    np.testing.assert_allclose(out[HI_95], out[HI_80])


def test_stretched_bounds_move_away_from_their_centre():
    lower, upper = stretched(np.array([2.0, -1.0]), np.array([4.0, 3.0]), 2.0)

    np.testing.assert_allclose(lower, [1.0, -3.0])
    np.testing.assert_allclose(upper, [5.0, 5.0])


def test_widening_an_interval_learnt_from_errors_of_one_sign_never_narrows_it():
    # every backtest forecast was too high: the interval lies wholly below the next forecast
    residuals = -np.abs(np.random.default_rng(8).normal(5.0, 1.0, size=6 * 50))
    fitted = ConformalIntervals().fit(backtest_of(residuals, n_series=50, h=6), "m")
    plain = fitted.apply(forecasts(["s0"], 6))
    assert (plain[HI_95] < 100).all()

    wide = fitted.widened({80: 2.0, 95: 2.0}).apply(forecasts(["s0"], 6))

    for lo, hi in ((LO_80, HI_80), (LO_95, HI_95)):
        assert (wide[lo] <= plain[lo]).all() and (wide[hi] >= plain[hi]).all()
