"""Seeded ward groups and backtests with known properties, for testing and demonstrating the checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.checks.ward_groups import ward_groups
from demandcast.columns import (
    ACTUAL,
    AREA,
    AREA_LEVEL,
    HI_80,
    HI_95,
    IMD_RANK,
    LO_80,
    LO_95,
    MEASURE,
    MINORITY_SHARE,
    WARD_CODE,
    WARD_LEVEL,
)

Z_80, Z_95 = 1.2816, 1.96


def synthetic_ward_groups(n_wards: int = 30, seed: int = 1) -> pd.DataFrame:
    """Wards W00.. with IMD rank = ward number + 1 and a minority share unrelated to it."""
    shares = np.random.default_rng(seed).uniform(0.1, 0.9, n_wards)
    wards = pd.DataFrame(
        {WARD_CODE: [f"W{i:02d}" for i in range(n_wards)], IMD_RANK: np.arange(1, n_wards + 1)}
    )
    return ward_groups(wards.assign(**{MINORITY_SHARE: shares}))


def calibrated_ward_backtest(
    groups: pd.DataFrame, *, sd: float = 0.15, n_cells: int = 120, seed: int = 0, model_column: str = "chosen"
) -> pd.DataFrame:
    """Ward rows of an unbiased model with calibrated intervals: actual = level x (1 + N(0, sd)).

    Args:
        groups: `ward_groups` output (needs `area`).
    """
    rng = np.random.default_rng(seed)
    areas = np.repeat(groups[AREA].to_numpy(), n_cells)
    level = rng.gamma(4.0, 5.0, len(areas))
    return pd.DataFrame(
        {
            AREA_LEVEL: WARD_LEVEL,
            AREA: areas,
            MEASURE: "caseload",
            ACTUAL: level * (1 + sd * rng.standard_normal(len(areas))),
            model_column: level,
            LO_80: level * (1 - Z_80 * sd),
            HI_80: level * (1 + Z_80 * sd),
            LO_95: level * (1 - Z_95 * sd),
            HI_95: level * (1 + Z_95 * sd),
        }
    )
