"""Metrics on literal golden numbers."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ACTUAL, CUTOFF, MONTH, SERIES_ID, VALUE
from demandcast.models.metrics import (
    SCALE,
    accuracy,
    bias,
    coverage,
    mase,
    mean_width,
    seasonal_naive_scales,
    wape,
)

ACTUALS = np.array([10.0, 20.0, 30.0, 40.0])
FORECASTS = np.array([12.0, 18.0, 33.0, 40.0])


def test_wape_is_total_absolute_error_over_total_actual():
    assert wape(ACTUALS, FORECASTS) == pytest.approx(7 / 100)


def test_bias_is_signed_total_error_over_total_actual():
    assert bias(ACTUALS, FORECASTS) == pytest.approx(3 / 100)
    assert bias(ACTUALS, ACTUALS - 5) == pytest.approx(-0.2)


def test_wape_of_all_zero_actuals_is_nan():
    assert np.isnan(wape([0.0, 0.0], [1.0, 2.0]))


def test_coverage_counts_actuals_inside_the_closed_interval_and_width_is_the_mean_span():
    lo, hi = np.array([9.0, 21.0, 25.0, 40.0]), np.array([11.0, 25.0, 35.0, 44.0])

    assert coverage(ACTUALS, lo, hi) == 0.75
    assert mean_width(lo, hi) == pytest.approx((2 + 4 + 10 + 4) / 4)


def test_seasonal_naive_scale_is_the_in_sample_mae_of_the_value_a_season_earlier_up_to_the_cutoff():
    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    y = pd.DataFrame({SERIES_ID: "a", MONTH: months, VALUE: [1.0, 2.0, 4.0, 3.0, 2.0, 100.0]})

    scales = seasonal_naive_scales(y, [months[4]], season_length=2)

    # errors up to the cutoff (May): |4-1|, |3-2|, |2-4| -> mean 2; June's 100 is not seen
    assert scales[SCALE].tolist() == [2.0]
    assert scales[CUTOFF].tolist() == [months[4]]


def test_a_constant_series_has_no_scale():
    months = pd.date_range("2024-01-01", periods=4, freq="MS")
    y = pd.DataFrame({SERIES_ID: "a", MONTH: months, VALUE: 5.0})

    assert seasonal_naive_scales(y, [months[-1]], season_length=1)[SCALE].isna().all()


def test_mase_averages_scaled_errors_per_series_then_over_series():
    cutoff = pd.Timestamp("2024-06-01")
    backtest = pd.DataFrame(
        {
            SERIES_ID: ["a", "a", "b", "b"],
            CUTOFF: cutoff,
            ACTUAL: [10.0, 10.0, 100.0, 100.0],
            "m": [12, 10, 90, 80],
        }
    )
    scales = pd.DataFrame({SERIES_ID: ["a", "b"], CUTOFF: cutoff, SCALE: [2.0, 10.0]})

    # series a: mean(|2|, |0|) / 2 = 0.5; series b: mean(10, 20) / 10 = 1.5; mean over series = 1.0
    assert mase(backtest, "m", scales) == pytest.approx(1.0)
    assert accuracy(backtest, ["m"], scales) == {
        "m": {"mase": pytest.approx(1.0), "wape": pytest.approx(32 / 220), "bias": pytest.approx(-28 / 220)}
    }
