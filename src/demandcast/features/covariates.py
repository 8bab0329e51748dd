"""Area covariates joined onto each row: age-group population and deprivation.

Protected characteristics (ethnic composition, sex, ethnicity) are kept for fairness evaluation
and are never model inputs: asking for one is an error, and a covariate table that carries them
simply has those columns left out.
"""

from collections.abc import Sequence

import pandas as pd

from demandcast.checks.proxy_audit import assert_no_protected_features
from demandcast.columns import (
    AREA,
    IMD_DECILE,
    POP_0_17,
    POP_18_64,
    POP_65_PLUS,
    POPULATION,
)

DEFAULT_COVARIATES: tuple[str, ...] = (POPULATION, POP_0_17, POP_18_64, POP_65_PLUS, IMD_DECILE)


def area_covariates(
    frame: pd.DataFrame,
    covariates: pd.DataFrame,
    columns: Sequence[str] = DEFAULT_COVARIATES,
    *,
    area_col: str = AREA,
) -> pd.DataFrame:
    """The frame plus the chosen covariate columns of each row's area (NaN for unknown areas).

    Args:
        frame: needs ``area_col``.
        covariates: one row per area; needs ``area_col`` and every name in ``columns``.
        columns: covariates to join; none may be a protected characteristic.
        area_col: the area key in both frames.

    Returns:
        A copy of ``frame`` with the covariate columns, in the input's row order.

    Raises:
        ValueError: a requested column is protected, missing, or an area appears twice.
    """
    _check_covariate_columns(covariates, columns, area_col)
    table = covariates.set_index(covariates[area_col].astype("str"))[list(columns)]
    joined = table.reindex(frame[area_col].astype("str").to_numpy())
    return frame.assign(**{name: joined[name].to_numpy() for name in columns})


def _check_covariate_columns(covariates: pd.DataFrame, columns: Sequence[str], area_col: str) -> None:
    assert_no_protected_features(columns)
    missing = sorted(set(columns).difference(covariates.columns))
    if missing:
        raise ValueError(f"covariates lack columns {missing}")
    repeated = covariates[area_col][covariates[area_col].duplicated()].unique().tolist()
    if repeated:
        raise ValueError(f"covariates list these areas more than once: {repeated[:5]}")
