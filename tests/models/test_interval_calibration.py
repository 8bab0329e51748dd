"""Calibrated intervals: stretched on held-out origins, widened for the few independent errors of a level."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ACTUAL, CUTOFF, HORIZON_STEP, MEAN, MONTH, SERIES_ID
from demandcast.models.conformal import FLOW_GROWTH, RANDOM_WALK_GROWTH, ConformalIntervals
from demandcast.models.effective_sample import small_sample_factor
from demandcast.models.interval_calibration import _stretch_factor, borrowed_growth, calibrated_intervals

LEVELS = (80, 95)


def backtest(errors: np.ndarray, n_series: int, origins: int = 3, h: int = 12) -> pd.DataFrame:
    """A backtest of forecast "m" = 100 from origins six months apart; `errors` is (series, origins, h)."""
    cutoffs = pd.date_range("2023-06-01", periods=origins, freq="6MS")
    rows = [
        pd.DataFrame(
            {
                SERIES_ID: f"s{s}",
                CUTOFF: cutoff,
                MONTH: pd.date_range(cutoff + pd.DateOffset(months=1), periods=h, freq="MS"),
                HORIZON_STEP: np.arange(1, h + 1),
                "m": 100.0,
                ACTUAL: 100.0 + errors[s, o],
            }
        )
        for s in range(n_series)
        for o, cutoff in enumerate(cutoffs)
    ]
    return pd.concat(rows, ignore_index=True).assign(level="council/all")


def test_errors_shared_within_an_origin_widen_the_intervals_by_students_t():
    rng = np.random.default_rng(3)
    shared = rng.normal(size=(1, 3, 1)) + rng.normal(scale=0.1, size=(1, 3, 12))
    frame = backtest(shared, n_series=1)

    intervals, reported, _ = calibrated_intervals(frame, LEVELS, column="m")

    council = reported["council/all"]
    assert 3 <= council["effective_sample_size"] < 4
    assert council["small_sample_widening_80"] == pytest.approx(
        small_sample_factor(council["effective_sample_size"], 80)
    )
    assert council["small_sample_widening_80"] > 1.2
    stretched = (
        ConformalIntervals(levels=LEVELS)
        .fit(frame, "m")
        .widened({level: council[f"widening_{level}"] for level in LEVELS})
    )
    forecast = pd.DataFrame(
        {SERIES_ID: "s0", MONTH: pd.date_range("2025-01-01", periods=12, freq="MS"), MEAN: 100.0}
    )
    wide, narrow = intervals["council/all"].apply(forecast), stretched.apply(forecast)
    for level in LEVELS:
        lo, hi = f"lo_{level}", f"hi_{level}"
        expected = (narrow[hi] - narrow[lo]) * council[f"small_sample_widening_{level}"]
        np.testing.assert_allclose(wide[hi] - wide[lo], expected)


def test_independent_errors_of_many_series_are_left_as_calibrated():
    errors = np.random.default_rng(4).normal(size=(50, 3, 12))

    _, reported, _ = calibrated_intervals(backtest(errors, n_series=50), LEVELS, column="m")

    assert reported["council/all"]["effective_sample_size"] > 1000
    assert reported["council/all"]["small_sample_widening_95"] < 1.01


def test_origins_that_all_erred_one_way_do_not_drive_the_stretch_to_its_cap():
    # two origins over-forecast, the third under-forecasts: leaving the third out, the fit on the
    # other two lies wholly below the forecast; stretched about the forecast it could never reach
    rng = np.random.default_rng(5)
    errors = np.array([-5.0, -4.0, 1.0])[None, :, None] + rng.normal(scale=0.5, size=(1, 3, 12))

    _, reported, _ = calibrated_intervals(backtest(errors, n_series=1), LEVELS, column="m")

    council = reported["council/all"]
    assert council["widening_80"] < 3.0 and council["widening_95"] < 3.0
    assert council["coverage_95"] >= council["coverage_80"] >= 0.8


def held_out_intervals(needed: np.ndarray, half_width: float = 10.0) -> pd.DataFrame:
    """Held-out 80% intervals 100 +/- `half_width` whose actuals need each `needed` stretch to be covered."""
    signs = np.where(np.arange(len(needed)) % 2 == 0, 1.0, -1.0)
    actual = 100.0 + signs * needed * half_width
    return pd.DataFrame({ACTUAL: actual, "lo_80": 100.0 - half_width, "hi_80": 100.0 + half_width})


def covered(held_out: pd.DataFrame, factor: float) -> float:
    half = (held_out["hi_80"] - held_out["lo_80"]) / 2 * factor
    return float(((held_out[ACTUAL] - 100.0).abs() <= half + 1e-9).mean())


def test_intervals_that_over_cover_their_held_out_origins_are_narrowed_to_nominal():
    # every actual inside; a fifth of them beyond 0.8 of the half-width
    held_out = held_out_intervals(np.linspace(0.01, 1.0, 100))

    factor = _stretch_factor(held_out, 80)

    assert 0.8 <= factor < 1.0
    assert covered(held_out, factor) >= 0.8 > covered(held_out, factor - 0.1)


def test_intervals_that_under_cover_are_widened_and_the_narrowing_stops_at_half():
    held_out = held_out_intervals(np.linspace(0.02, 2.0, 100))
    factor = _stretch_factor(held_out, 80)
    assert 1.6 <= factor <= 1.7
    assert covered(held_out, factor) >= 0.8 > covered(held_out, factor - 0.1)
    assert _stretch_factor(held_out_intervals(np.zeros(100)), 80) == pytest.approx(0.5)


def two_levels(bottom_errors: np.ndarray) -> pd.DataFrame:
    """A backtest of a ward level whose series miss by `bottom_errors` (series, origins, h) and of
    their council total, one series."""
    wards = backtest(bottom_errors, n_series=len(bottom_errors)).assign(level="ward/all")
    council = backtest(bottom_errors.sum(axis=0, keepdims=True), n_series=1)
    return pd.concat([wards, council], ignore_index=True)


def test_a_flow_borrows_without_rescaling_and_a_stock_as_a_random_walk():
    """Told apart on the level of most series: a flow's errors do not grow with the step, a walk's do."""
    rng = np.random.default_rng(8)
    flow = rng.normal(0, 5, size=(60, 3, 12))
    walk = rng.normal(0, 5, size=(60, 3, 12)).cumsum(axis=2)

    assert borrowed_growth(two_levels(flow), LEVELS, "m") == FLOW_GROWTH
    assert borrowed_growth(two_levels(walk), LEVELS, "m") == RANDOM_WALK_GROWTH


def test_errors_growing_slower_than_a_walks_still_borrow_as_a_walk():
    """A stock whose ward errors grow as step^0.35 (the demo caseload's ~0.4) keeps the root of the step."""
    rng = np.random.default_rng(11)
    errors = rng.normal(0, 5, size=(60, 3, 12)) * np.arange(1, 13) ** 0.35

    wards = two_levels(errors).query("level == 'ward/all'")
    assert 0.25 < ConformalIntervals(levels=LEVELS).fit(wards, "m").growth_ < 0.5
    assert borrowed_growth(two_levels(errors), LEVELS, "m") == RANDOM_WALK_GROWTH


def test_without_a_level_of_many_series_the_growth_borrowed_is_a_random_walks():
    few = backtest(np.random.default_rng(9).normal(0, 5, size=(4, 3, 12)), n_series=4)

    assert borrowed_growth(few, LEVELS, "m") == RANDOM_WALK_GROWTH


def test_a_council_flow_total_keeps_its_intervals_flat_beyond_the_first_steps():
    """The council's one series borrows its residuals unrescaled, its wards' errors being a flow's."""
    flow = np.random.default_rng(10).normal(0, 5, size=(60, 3, 12))

    intervals, reported, _ = calibrated_intervals(two_levels(flow), LEVELS, column="m")

    assert reported["council/all"]["borrowed_growth"] == FLOW_GROWTH
    council = intervals["council/all"]
    assert council.growth_ < 0.15
    forecast = pd.DataFrame(
        {SERIES_ID: "s0", MONTH: pd.date_range("2025-01-01", periods=24, freq="MS"), MEAN: 1000.0}
    )
    out = council.apply(forecast)
    width = (out["hi_80"] - out["lo_80"]).to_numpy()
    assert width[11] < 1.3 * width[0] and width[23] < 1.3 * width[0]
