"""Calibrated intervals: stretched on held-out origins, widened for the few independent errors of a level."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ACTUAL, CUTOFF, HORIZON_STEP, MEAN, MONTH, SERIES_ID
from demandcast.models.conformal import ConformalIntervals
from demandcast.models.effective_sample import small_sample_factor
from demandcast.models.interval_calibration import calibrated_intervals

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
