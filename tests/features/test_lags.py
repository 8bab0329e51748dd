"""Lags and rolling means: golden values on a literal frame, and no leakage from the row's own month."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import MONTH, SERIES_ID, VALUE
from demandcast.features.lags import lagged_values, rolling_means


@pytest.fixture
def two_series() -> pd.DataFrame:
    return pd.DataFrame(
        {
            SERIES_ID: ["a", "a", "a", "a", "b", "b", "b"],
            MONTH: pd.to_datetime([f"2024-0{m}-01" for m in (1, 2, 3, 4, 1, 2, 3)]),
            VALUE: [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0],
        }
    )


def test_lagged_values_hold_the_value_k_months_earlier_within_each_series(two_series):
    lagged = lagged_values(two_series, lags=(1, 2))

    np.testing.assert_array_equal(lagged["lag_1"], [np.nan, 1.0, 2.0, 3.0, np.nan, 10.0, 20.0])
    np.testing.assert_array_equal(lagged["lag_2"], [np.nan, np.nan, 1.0, 2.0, np.nan, np.nan, 10.0])


def test_rolling_means_average_the_previous_months_only(two_series):
    means = rolling_means(two_series, windows=(2, 3))

    np.testing.assert_array_equal(means["rolling_mean_2"], [np.nan, 1.0, 1.5, 2.5, np.nan, 10.0, 15.0])
    np.testing.assert_array_equal(means["rolling_mean_3"], [np.nan, 1.0, 1.5, 2.0, np.nan, 10.0, 15.0])


def test_no_feature_uses_the_current_or_a_future_month(two_series):
    changed = two_series.copy()
    changed[VALUE] = [1.0, 2.0, 999.0, -999.0, 10.0, 20.0, 30.0]  # series a from March on

    features = ["lag_1", "lag_2", "lag_3", "rolling_mean_3"]
    before = rolling_means(lagged_values(two_series, (1, 2, 3)), (3,))[features]
    after = rolling_means(lagged_values(changed, (1, 2, 3)), (3,))[features]

    march_of_a = 2
    pd.testing.assert_series_equal(before.loc[march_of_a], after.loc[march_of_a])


def test_features_do_not_mutate_their_input(two_series):
    snapshot = two_series.copy()

    rolling_means(lagged_values(two_series))

    pd.testing.assert_frame_equal(two_series, snapshot)


def test_lags_must_be_positive(two_series):
    with pytest.raises(ValueError, match="lags must be positive whole months"):
        lagged_values(two_series, lags=(0, 1))


def _rolling_means_series_by_series(frame: pd.DataFrame, windows: tuple[int, ...]) -> pd.DataFrame:
    """The straightforward computation: pandas' groupby rolling, one series at a time."""
    previous = frame.groupby(SERIES_ID, sort=False)[VALUE].shift(1)
    by_series = previous.groupby(frame[SERIES_ID], sort=False)
    means = {f"rolling_mean_{w}": by_series.rolling(w, min_periods=1).mean().droplevel(0) for w in windows}
    return frame.assign(**means)


@pytest.mark.parametrize("layout", ["sorted", "interleaved", "categorical"])
def test_rolling_means_equal_groupby_rolling_bit_for_bit(layout):
    rng = np.random.default_rng(7)
    lengths = rng.integers(1, 30, size=40)
    values = rng.lognormal(3.0, 2.0, lengths.sum()) * rng.choice([1.0, 1e-7, 1e9], lengths.sum())
    values[rng.random(lengths.sum()) < 0.05] = np.nan
    frame = pd.DataFrame({SERIES_ID: np.repeat([f"s{i}" for i in range(40)], lengths), VALUE: values})
    if layout == "interleaved":
        frame = frame.sample(frac=1.0, random_state=3)
    if layout == "categorical":
        frame[SERIES_ID] = frame[SERIES_ID].astype("category")

    windows = (1, 3, 12)
    pd.testing.assert_frame_equal(
        rolling_means(frame, windows), _rolling_means_series_by_series(frame, windows), check_exact=True
    )
