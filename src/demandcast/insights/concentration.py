"""Where demand concentrates: rates per 10,000 of the relevant age population per ward, and spatial clusters.

Children are counted against the 0-17 population, working-age adults against 18-64 and older
people against 65+. Clustering uses Queen contiguity (wards touching at an edge or a corner):
global Moran's I and local Moran (LISA) on row-standardised weights, Getis-Ord G* on binary
weights. The statistics are computed on exact rates; only published tables
(`published_ward_rates`) may leave the council, and they carry protected counts.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from demandcast.checks.disclosure import NHS, DisclosureRule, protect_table
from demandcast.columns import (
    CASELOAD,
    CHILDREN,
    CLIENT_GROUP,
    MEASURE,
    MONTH,
    OLDER_PEOPLE,
    POP_0_17,
    POP_18_64,
    POP_65_PLUS,
    STARTS,
    VALUE,
    WARD_CODE,
    WARD_NAME,
    WORKING_AGE,
)
from demandcast.errors import InputError
from demandcast.insights.cost_trends import FISCAL_YEAR, MONTHS_IN_YEAR, fiscal_year

AGE_POPULATION: dict[str, str] = {CHILDREN: POP_0_17, WORKING_AGE: POP_18_64, OLDER_PEOPLE: POP_65_PLUS}
COUNT = "count"
AGE_POPULATION_COLUMN = "age_population"
RATE_PER_10K = "rate_per_10k"
PER = 10_000
LOCAL_I, P_VALUE, QUADRANT, CLUSTER = "local_i", "p_value", "quadrant", "cluster"
G_STAR_Z, HOT_SPOT = "g_star_z", "hot_spot"
HIGH_HIGH, LOW_LOW, HIGH_LOW, LOW_HIGH = "high-high", "low-low", "high-low", "low-high"
HOT, COLD, NOT_SIGNIFICANT = "hot spot", "cold spot", "not significant"
_QUADRANTS = {1: HIGH_HIGH, 2: LOW_HIGH, 3: LOW_LOW, 4: HIGH_LOW}


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I with its expectation under no autocorrelation and a normal-approximation test."""

    i: float
    expected_i: float
    z: float
    p_value: float
    """Two-sided, under the randomisation assumption."""
    n: int


def ward_counts(
    panel: pd.DataFrame, *, measure: str = CASELOAD, year: str | None = None
) -> pd.DataFrame:
    """Counts per ward and client group in one fiscal year, summed over services.

    Caseload is a stock: the count in the year's last month in the panel (31 March for a complete
    year), with a person in two services of a group counted in each. Starts are summed over the year.

    Args:
        panel: the long monthly panel (ward_code, client_group, service, month, measure, value).
        measure: 'caseload' or 'starts'.
        year: fiscal year label such as '2024-25'; default the latest complete year in the panel
            (the latest year when none is complete).

    Returns:
        Columns ward_code, client_group, fiscal_year, count.
    """
    if measure not in (CASELOAD, STARTS):
        raise InputError(f"{MEASURE}: {measure!r} is not a count; use {CASELOAD!r} or {STARTS!r}")
    rows = panel[panel[MEASURE] == measure]
    rows = rows.assign(**{FISCAL_YEAR: fiscal_year(rows[MONTH]).to_numpy()})
    chosen = _chosen_year(rows, year)
    rows = rows[rows[FISCAL_YEAR] == chosen]
    if measure == CASELOAD:
        rows = rows[rows[MONTH] == rows[MONTH].max()]
    counts = rows.groupby([WARD_CODE, CLIENT_GROUP], observed=True, sort=True)[VALUE].sum()
    return counts.rename(COUNT).reset_index().assign(**{FISCAL_YEAR: chosen})[
        [WARD_CODE, CLIENT_GROUP, FISCAL_YEAR, COUNT]]


def ward_rates(counts: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """Exact rates per 10,000 of each client group's age population; for analysis, not publication.

    Args:
        counts: ward_code, client_group and count (e.g. from `ward_counts`).
        wards: ward_code, ward_name, pop_0_17, pop_18_64, pop_65_plus.

    Returns:
        `counts` with ward_name, age_population and rate_per_10k (NaN where the population is 0).
    """
    unknown = sorted(set(counts[CLIENT_GROUP]) - set(AGE_POPULATION))
    if unknown:
        raise InputError(f"{CLIENT_GROUP}: no age population for {unknown}; expected {list(AGE_POPULATION)}")
    people = wards.set_index(WARD_CODE)[[WARD_NAME, *AGE_POPULATION.values()]]
    joined = counts.join(people, on=WARD_CODE)
    population = np.select(
        [joined[CLIENT_GROUP] == group for group in AGE_POPULATION],
        [joined[column].to_numpy(dtype=float) for column in AGE_POPULATION.values()],
        default=np.nan,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(population > 0, joined[COUNT].to_numpy(dtype=float) / population * PER, np.nan)
    return joined.drop(columns=list(AGE_POPULATION.values())).assign(
        **{AGE_POPULATION_COLUMN: population, RATE_PER_10K: rate})


def published_ward_rates(
    counts: pd.DataFrame, wards: pd.DataFrame, *, rule: DisclosureRule | str = NHS
) -> pd.DataFrame:
    """Ward rates fit to publish: protected counts, and rates from them (NaN where the count is suppressed).

    Client-group totals over wards are treated as published, so secondary suppression applies.

    Args:
        counts: ward_code, client_group and count (e.g. from `ward_counts`).
        wards: ward_code, ward_name, pop_0_17, pop_18_64, pop_65_plus.
        rule: the disclosure rule for the counts.

    Returns:
        The columns of `ward_rates` plus count_status, with count and rate_per_10k protected.
    """
    protected = protect_table(counts, rule=rule, count_columns=(COUNT,), totals=[(CLIENT_GROUP,)]).frame
    return ward_rates(protected, wards)[[*protected.columns, WARD_NAME, AGE_POPULATION_COLUMN, RATE_PER_10K]]


def queen_weights(wards: gpd.GeoDataFrame, *, transform: str = "r"):
    """Queen contiguity weights over `wards` in their row order; 'r' row-standardised, 'b' binary."""
    from libpysal.weights import Queen  # imported here: libpysal is slow to import

    with _quiet_pysal():
        weights = Queen.from_dataframe(wards, use_index=False)
        weights.transform = transform
    return weights


def global_moran(values: pd.Series, wards: gpd.GeoDataFrame) -> MoranResult:
    """Global Moran's I of `values` (indexed by ward_code) on row-standardised Queen weights.

    NaN statistics when the values are constant.
    """
    import esda

    y = _aligned(values, wards)
    if np.ptp(y) == 0:
        return MoranResult(np.nan, -1 / (len(y) - 1), np.nan, np.nan, len(y))
    with _quiet_pysal():
        moran = esda.Moran(y, queen_weights(wards, transform="r"), permutations=0)
    return MoranResult(float(moran.I), float(moran.EI), float(moran.z_rand), float(moran.p_rand), len(y))


def local_clusters(
    values: pd.Series, wards: gpd.GeoDataFrame, *, permutations: int = 999, seed: int = 0,
    significance: float = 0.05,
) -> pd.DataFrame:
    """Local Moran (LISA) per ward: its quadrant and, when significant, a cluster or outlier label.

    Hot spots are high-high, cold spots low-low; high-low and low-high are outliers. p-values are
    pseudo p-values from conditional permutations (seeded), not corrected for multiple testing.

    Returns:
        Columns ward_code, local_i, p_value, quadrant, cluster.
    """
    import esda

    _check_permutations(permutations)
    y = _aligned(values, wards)
    if np.ptp(y) == 0:
        return _flat_result(wards, [LOCAL_I, P_VALUE, QUADRANT], CLUSTER)
    with _quiet_pysal():
        lisa = esda.Moran_Local(y, queen_weights(wards, transform="r"), permutations=permutations,
                                seed=seed, n_jobs=1)
    quadrant = pd.Series(lisa.q).map(_QUADRANTS).to_numpy()
    significant = lisa.p_sim <= significance
    return pd.DataFrame({
        WARD_CODE: wards[WARD_CODE].to_numpy(), LOCAL_I: lisa.Is, P_VALUE: lisa.p_sim, QUADRANT: quadrant,
        CLUSTER: np.where(significant, quadrant, NOT_SIGNIFICANT),
    })


def getis_ord_hot_spots(
    values: pd.Series, wards: gpd.GeoDataFrame, *, permutations: int = 999, seed: int = 0,
    significance: float = 0.05,
) -> pd.DataFrame:
    """Getis-Ord G* per ward on binary Queen weights (the ward itself included).

    Returns:
        Columns ward_code, g_star_z (positive where high values gather), p_value (seeded
        permutation pseudo p-value) and hot_spot ('hot spot', 'cold spot' or 'not significant').
    """
    import esda

    _check_permutations(permutations)
    y = _aligned(values, wards)
    if np.ptp(y) == 0:
        return _flat_result(wards, [G_STAR_Z, P_VALUE], HOT_SPOT)
    with _quiet_pysal():
        g_star = esda.G_Local(y, queen_weights(wards, transform="b"), transform="B", star=True,
                              permutations=permutations, seed=seed, n_jobs=1)
    z = np.asarray(g_star.Zs, dtype=float)
    label = np.where(z > 0, HOT, COLD)
    return pd.DataFrame({
        WARD_CODE: wards[WARD_CODE].to_numpy(), G_STAR_Z: z, P_VALUE: g_star.p_sim,
        HOT_SPOT: np.where(g_star.p_sim <= significance, label, NOT_SIGNIFICANT),
    })


def _chosen_year(rows: pd.DataFrame, year: str | None) -> str:
    months_per_year = rows.groupby(FISCAL_YEAR)[MONTH].nunique()
    if months_per_year.empty:
        raise InputError("panel: no rows for the measure asked for")
    if year is not None:
        if year not in months_per_year.index:
            known = list(months_per_year.index)
            raise InputError(f"{FISCAL_YEAR}: {year!r} is not in the panel; it has {known}")
        return year
    complete = months_per_year[months_per_year == MONTHS_IN_YEAR]
    return str((complete if len(complete) else months_per_year).index.max())


def _check_permutations(permutations: int) -> None:
    if permutations < 1:
        raise InputError(f"permutations: {permutations} given; local statistics need at least 1")


def _aligned(values: pd.Series, wards: pd.DataFrame) -> np.ndarray:
    y = values.reindex(wards[WARD_CODE]).to_numpy(dtype=float)
    missing = wards[WARD_CODE][np.isnan(y)].tolist()
    if missing:
        raise InputError(f"values: no value for {len(missing)} ward(s), e.g. {missing[:5]}")
    return y


def _flat_result(wards: pd.DataFrame, numeric: list[str], label: str) -> pd.DataFrame:
    frame = pd.DataFrame({WARD_CODE: wards[WARD_CODE].to_numpy()})
    return frame.assign(**dict.fromkeys(numeric, np.nan), **{label: NOT_SIGNIFICANT})


@contextmanager
def _quiet_pysal() -> Iterator[None]:
    with warnings.catch_warnings():
        # libpysal and esda warn about their own API migrations and about islands; neither is ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        # esda divides by the spread of its permutations, which is zero when most wards share a value
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
