"""Ward groups for fairness checks: deprivation quintile and minority-ethnic-share quintile.

Protected characteristics and deprivation are used only here, to evaluate outputs by group at
ward level; they are never model features (see `proxy_audit.assert_no_protected_features`).
"""

from __future__ import annotations

import pandas as pd

from demandcast.columns import AREA, IMD_DECILE, IMD_RANK, IMD_SCORE, MINORITY_SHARE, WARD_CODE
from demandcast.errors import InputError

IMD_QUINTILE = "imd_quintile"
MINORITY_QUINTILE = "minority_quintile"
GROUPINGS: tuple[str, ...] = (IMD_QUINTILE, MINORITY_QUINTILE)
MOST_DEPRIVED = 1
N_QUINTILES = 5


def ward_groups(wards: pd.DataFrame) -> pd.DataFrame:
    """The IMD quintile and minority-share quintile of every ward.

    Args:
        wards: one row per ward, keyed by `ward_code` or `area`, with at least one of `imd_rank`
            (1 = most deprived), `imd_score` (higher = more deprived) or `imd_decile` (national,
            1 = most deprived); optionally `minority_ethnic_share`.

    Returns:
        Columns `area`, `imd_quintile` (1 = most deprived fifth of the wards) and
        `minority_quintile` (5 = highest minority-ethnic share; missing when the share is absent).
        Quintiles from a rank or score split the wards given into equal fifths; a national
        decile maps to the national quintile (deciles 1-2 -> 1), which can leave fifths uneven.
    """
    areas = _area_keys(wards)
    groups = pd.DataFrame({AREA: areas.to_numpy()})
    groups[IMD_QUINTILE] = _imd_quintile(wards).to_numpy()
    if MINORITY_SHARE in wards.columns:
        groups[MINORITY_QUINTILE] = equal_fifths(wards[MINORITY_SHARE]).to_numpy()
    else:
        groups[MINORITY_QUINTILE] = pd.array([pd.NA] * len(wards), dtype="Int64")
    return groups


def equal_fifths(values: pd.Series) -> pd.Series:
    """Quintile 1..5 of each value, low to high, ties broken by order so fifths stay equal."""
    order = values.rank(method="first")
    return pd.qcut(order, N_QUINTILES, labels=False).astype("Int64") + 1


def _area_keys(wards: pd.DataFrame) -> pd.Series:
    for key in (AREA, WARD_CODE):
        if key in wards.columns:
            return wards[key].astype("str")
    raise InputError(f"ward table: needs a '{AREA}' or '{WARD_CODE}' column; found {list(wards.columns)}")


def _imd_quintile(wards: pd.DataFrame) -> pd.Series:
    if IMD_RANK in wards.columns:
        return equal_fifths(wards[IMD_RANK])
    if IMD_SCORE in wards.columns:
        return equal_fifths(-wards[IMD_SCORE])
    if IMD_DECILE in wards.columns:
        return ((wards[IMD_DECILE].astype("Int64") + 1) // 2).astype("Int64")
    raise InputError(
        f"ward table: needs '{IMD_RANK}', '{IMD_SCORE}' or '{IMD_DECILE}' to group wards by deprivation"
    )
