"""Seeded synthetic series and hierarchical panels with known structure, for tests and benchmarks.

Each series is a positive level with a linear trend and a yearly sine seasonality, plus noise
(Poisson counts, or Gaussian with a known standard deviation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.columns import (
    AREA,
    CASELOAD,
    CLIENT_GROUP,
    COUNCIL,
    DISTRICT,
    HIERARCHICAL_PANEL_COLUMNS,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
    VALUE,
)

SYNTHETIC_SERVICES: tuple[tuple[str, str], ...] = (
    ("older_people", "home_care"),
    ("older_people", "residential_care"),
    ("working_age", "supported_living"),
)
"""The (client_group, service) pairs of a synthetic panel."""


def expected_values(
    levels: np.ndarray, n_months: int, *, trend: float = 0.005, amplitude: float = 0.2
) -> np.ndarray:
    """The noise-free means, shape (len(levels), n_months): level x (1 + trend t) x (1 + seasonal)."""
    t = np.arange(n_months)
    shape = (1 + trend * t) * (1 + amplitude * np.sin(2 * np.pi * t / 12))
    return np.outer(levels, shape)


def synthetic_series(
    n_series: int = 20,
    n_months: int = 72,
    *,
    seed: int = 0,
    noise: str = "poisson",
    sigma: float = 2.0,
    start: str = "2019-01-01",
) -> pd.DataFrame:
    """A long frame of independent monthly series (columns unique_id, month, value).

    Args:
        n_series: how many series; levels are drawn uniformly from 5 to 200.
        n_months: months per series, all ending at the same month.
        seed: the random seed; the same seed gives the same frame.
        noise: "poisson" (counts around the mean) or "gaussian" (mean plus N(0, sigma^2)).
        sigma: the Gaussian noise's standard deviation.
        start: the first month.
    """
    rng = np.random.default_rng(seed)
    means = expected_values(rng.uniform(5, 200, n_series), n_months)
    if noise == "poisson":
        values = rng.poisson(means).astype(float)
    elif noise == "gaussian":
        values = means + rng.normal(0.0, sigma, means.shape)
    else:
        raise ValueError(f"noise must be 'poisson' or 'gaussian', got {noise!r}")
    ids = [f"s{i:0{max(3, len(str(n_series - 1)))}d}" for i in range(n_series)]  # sorted as strings
    months = pd.date_range(start, periods=n_months, freq="MS")
    return pd.DataFrame(
        {
            SERIES_ID: pd.array(np.repeat(ids, n_months), dtype="str"),
            MONTH: np.tile(months, n_series),
            VALUE: values.ravel(),
        }
    )


def synthetic_areas(n_areas: int = 6, n_districts: int = 2) -> pd.DataFrame:
    """Columns area, district, council: areas a00.. assigned round-robin to districts d0.. of one council."""
    areas = [f"a{i:02d}" for i in range(n_areas)]
    districts = [f"d{i % n_districts}" for i in range(n_areas)]
    return pd.DataFrame({AREA: areas, DISTRICT: districts, COUNCIL: "c0"}).astype("str")


def synthetic_panel(
    n_areas: int = 6, n_months: int = 48, *, seed: int = 0, start: str = "2020-01-01"
) -> pd.DataFrame:
    """A hierarchical panel of Poisson caseload counts (demandcast.columns.HIERARCHICAL_PANEL_COLUMNS).

    One series per (area, client_group, service) over SYNTHETIC_SERVICES, sorted by keys and month.
    """
    rng = np.random.default_rng(seed)
    keys = pd.MultiIndex.from_product(
        [synthetic_areas(n_areas)[AREA], range(len(SYNTHETIC_SERVICES))], names=[AREA, "pair"]
    ).to_frame(index=False)
    counts = rng.poisson(expected_values(rng.uniform(5, 60, len(keys)), n_months)).astype(float)
    groups, services = zip(*(SYNTHETIC_SERVICES[p] for p in keys["pair"]), strict=True)
    panel = pd.DataFrame(
        {
            AREA: np.repeat(keys[AREA].to_numpy(), n_months),
            CLIENT_GROUP: np.repeat(groups, n_months),
            SERVICE: np.repeat(services, n_months),
            MONTH: np.tile(pd.date_range(start, periods=n_months, freq="MS"), len(keys)),
            MEASURE: CASELOAD,
            VALUE: counts.ravel(),
        }
    )
    panel = panel.astype({AREA: "str", CLIENT_GROUP: "str", SERVICE: "str", MEASURE: "str"})
    return panel.sort_values([AREA, CLIENT_GROUP, SERVICE, MONTH], ignore_index=True)[
        list(HIERARCHICAL_PANEL_COLUMNS)
    ]
