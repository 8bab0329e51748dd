"""The design frame: one month's rows built alone equal those rows of the full frame."""

import numpy as np
import pandas as pd

from demandcast.columns import AREA, CLIENT_GROUP, MEASURE, MONTH, POPULATION, SERIES_ID, SERVICE, VALUE
from demandcast.features.design import design_frame

RING = {f"w{a}": [f"w{(a - 1) % 5}", f"w{(a + 1) % 5}"] for a in range(5)}


def _history(n_months: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    months = pd.date_range("2021-01-01", periods=n_months, freq="MS")
    frames = [
        pd.DataFrame(
            {
                SERIES_ID: f"{area}/{service}",
                AREA: area,
                CLIENT_GROUP: "older_people",
                SERVICE: service,
                MEASURE: "caseload",
                MONTH: months,
                VALUE: rng.poisson(20.0, n_months).astype(float),
            }
        )
        for area in RING
        for service in ("home_care", "residential")
    ]
    history = pd.concat(frames, ignore_index=True)
    last = history[MONTH] == months[-1]
    history.loc[last, VALUE] = np.nan  # the month being forecast
    return history


def test_one_months_design_equals_that_month_of_the_full_design():
    history = _history()
    month = history[MONTH].max()
    options = {
        "start": history[MONTH].min(),
        "lags": (1, 2, 12),
        "windows": (3, 12),
        "covariates": pd.DataFrame({AREA: list(RING), POPULATION: np.arange(5) * 100.0}),
        "neighbours": RING,
    }

    full = design_frame(history, **options)

    pd.testing.assert_frame_equal(
        design_frame(history, only_month=month, **options), full[full[MONTH] == month], check_exact=True
    )
