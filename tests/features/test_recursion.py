"""The recursive forecast's next-month features: equal to the design frame built from the whole history."""

import numpy as np
import pandas as pd

from demandcast.columns import AREA, CLIENT_GROUP, MEASURE, MONTH, POPULATION, SERIES_ID, SERVICE, VALUE
from demandcast.features.design import design_frame
from demandcast.features.recursion import RecursiveFeatures

RING = {f"w{a}": [f"w{(a - 1) % 5}", f"w{(a + 1) % 5}"] for a in range(5)}
LAGS, WINDOWS = (1, 2, 12), (3, 12)
START = pd.Timestamp("2021-01-01")


def _history(rng) -> pd.DataFrame:
    """Five ring areas x two services x two measures, costs not whole numbers; one series starts late."""
    months = pd.date_range(START, periods=30, freq="MS")
    frames = [
        pd.DataFrame(
            {
                SERIES_ID: f"{area}/{service}/{measure}",
                AREA: area,
                CLIENT_GROUP: "older_people",
                SERVICE: service,
                MEASURE: measure,
                MONTH: months,
                VALUE: rng.gamma(2.0, 700.0, 30) if measure == "cost" else rng.poisson(20.0, 30) * 1.0,
            }
        )
        for area in RING
        for service in ("home_care", "residential")
        for measure in ("caseload", "cost")
    ]
    history = pd.concat(frames, ignore_index=True)
    late = (history[SERIES_ID] == "w2/home_care/cost") & (history[MONTH] < months[-5])
    return history[~late].sort_values([SERIES_ID, MONTH]).reset_index(drop=True)


def _with_month(history: pd.DataFrame, month: pd.Timestamp, values: pd.Series | None = None) -> pd.DataFrame:
    """The history plus one row per series at `month`, its value given (by unique_id) or NaN."""
    last = history.drop_duplicates(SERIES_ID, keep="last")
    value = last[SERIES_ID].map(values) if values is not None else np.nan
    rows = last.assign(**{MONTH: month, VALUE: value})
    return pd.concat([history, rows]).sort_values([SERIES_ID, MONTH], kind="stable").reset_index(drop=True)


def test_each_next_month_equals_the_design_frame_of_the_whole_history():
    rng = np.random.default_rng(0)
    history = _history(rng)
    covariates = pd.DataFrame({AREA: list(RING), POPULATION: [1000.0, 2000.0, 3000.0, 4000.0, 5000.0]})
    options = {"start": START, "lags": LAGS, "windows": WINDOWS, "covariates": covariates, "neighbours": RING}
    tail = history[history[MONTH] > history[MONTH].max() - pd.DateOffset(months=12)]
    months = pd.date_range(history[MONTH].max() + pd.DateOffset(months=1), periods=4, freq="MS")
    first = design_frame(_with_month(history, months[0]), only_month=months[0], **options)
    features = RecursiveFeatures(first, tail, start=START, lags=LAGS, windows=WINDOWS, neighbours=RING)

    step, known = features.first, history
    for before, month in zip(months[:-1], months[1:], strict=True):
        forecast = pd.Series(rng.gamma(2.0, 10.0, len(step)), index=step[SERIES_ID].to_numpy())
        step = features.after(forecast.to_numpy(), month)
        known = _with_month(known, before, forecast)
        expected = design_frame(_with_month(known, month), only_month=month, **options)

        expected = expected.set_index(SERIES_ID).loc[step[SERIES_ID]].reset_index()
        assert list(step.columns) == list(expected.columns)
        for column in step.columns:
            if pd.api.types.is_numeric_dtype(expected[column]):
                np.testing.assert_allclose(step[column], expected[column], rtol=1e-12, err_msg=column)
            else:
                assert step[column].equals(expected[column]), column
    assert step["spatial_lag_1"].notna().all() and step["lag_12"].isna().sum() == 1  # the late series
