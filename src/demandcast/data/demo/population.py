"""Where packages start: each ward's share of a client group's starts.

A ward's weight is its population in the group's age band, times a deprivation gradient, times a
ward random effect and a few smooth spatial clusters (neighbouring wards that share a practice or
a provider market). Children's rates rise about a third per IMD decile step (Child Welfare
Inequalities Project); adults' gradients are gentler.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from demandcast.columns import (
    CHILDREN,
    CLIENT_GROUPS,
    IMD_DECILE,
    OLDER_PEOPLE,
    POP_0_17,
    POP_18_64,
    POP_65_PLUS,
    WORKING_AGE,
)

AGE_BAND = {CHILDREN: POP_0_17, WORKING_AGE: POP_18_64, OLDER_PEOPLE: POP_65_PLUS}
DEPRIVATION_STEP = {CHILDREN: 4 / 3, WORKING_AGE: 1.10, OLDER_PEOPLE: 1.06}
WARD_EFFECT_SD = 0.20
N_CLUSTERS = 3
CLUSTER_UPLIFT = 0.5  # on the log scale at the cluster's centre
CLUSTER_RADIUS_M = 2_500.0


def ward_start_weights(wards: gpd.GeoDataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """For each client group, the probability that a start falls in each ward (ward table order).

    Args:
        wards: the ward table; needs pop_0_17, pop_18_64, pop_65_plus, imd_decile and geometry.
        rng: the generator's random stream (ward effects and cluster centres are drawn from it).
    """
    points = wards.geometry.to_crs("EPSG:27700").centroid
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    clusters = _cluster_effects(xy, rng)
    weights = {}
    for group in CLIENT_GROUPS:
        steps_from_least = 10 - wards[IMD_DECILE].to_numpy(dtype=float)
        log_rate = steps_from_least * np.log(DEPRIVATION_STEP[group])
        log_rate += rng.normal(0.0, WARD_EFFECT_SD, len(wards)) + clusters[group]
        raw = wards[AGE_BAND[group]].to_numpy(dtype=float) * np.exp(log_rate)
        weights[group] = raw / raw.sum()
    return weights


def _cluster_effects(xy: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    effects = {group: np.zeros(len(xy)) for group in CLIENT_GROUPS}
    centres = rng.choice(len(xy), size=N_CLUSTERS, replace=False)
    for group, centre in zip(CLIENT_GROUPS, centres, strict=True):
        squared = ((xy - xy[centre]) ** 2).sum(axis=1)
        effects[group] = CLUSTER_UPLIFT * np.exp(-squared / (2 * CLUSTER_RADIUS_M**2))
    return effects
