"""The forecast hierarchy: areas (ward -> district -> council) x services (service -> group -> all).

A node is one (area_level, area, client_group, service). Aggregated nodes carry the `all` marker
(demandcast.columns.ALL) in `client_group` and/or `service`; the `area_level` column says which
area level the `area` key belongs to. Either side may be flat: without an area table the wards sum
straight to a single council named `all`; without service groups every bottom `client_group` is
`all` and services sum straight to the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from demandcast.columns import (
    ALL,
    AREA,
    AREA_LEVEL,
    CLIENT_GROUP,
    COUNCIL,
    COUNCIL_LEVEL,
    DISTRICT,
    DISTRICT_LEVEL,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
    VALUE,
    WARD_LEVEL,
)

SERVICE_LEVEL, GROUP_LEVEL, TOTAL_LEVEL = "service", "client_group", "all"
NODE_KEYS: tuple[str, ...] = (AREA_LEVEL, AREA, CLIENT_GROUP, SERVICE)
_AREA_COLUMN_OF_LEVEL = {WARD_LEVEL: AREA, DISTRICT_LEVEL: DISTRICT, COUNCIL_LEVEL: COUNCIL}


@dataclass(frozen=True)
class Hierarchy:
    """Which bottom areas and (client_group, service) pairs exist and how they sum.

    Attributes:
        areas: columns area, district, council; one row per bottom area, sorted by area.
        services: columns client_group, service; one row per bottom pair, sorted.
        area_levels: area levels from the bottom up, e.g. ("ward", "district", "council").
        service_levels: service levels from the bottom up, e.g. ("service", "client_group", "all").
    """

    areas: pd.DataFrame
    services: pd.DataFrame
    area_levels: tuple[str, ...]
    service_levels: tuple[str, ...]

    @property
    def levels(self) -> list[str]:
        """Every crossed level name, e.g. "ward/service" (the bottom) ... "council/all" (the top)."""
        return [level_name(a, s) for a, s in product(self.area_levels, self.service_levels)]

    @property
    def bottom_level(self) -> str:
        """The name of the bottom level."""
        return level_name(self.area_levels[0], self.service_levels[0])

    def nodes(self) -> pd.DataFrame:
        """Every node, top levels first and the bottom last (the order a summing matrix uses).

        Returns:
            Columns level, area_level, area, client_group, service, unique_id.
        """
        frames = [self._level_nodes(a, s) for a, s in product(self.area_levels, self.service_levels)]
        nodes = pd.concat(frames[::-1], ignore_index=True)
        nodes[SERIES_ID] = node_ids(nodes)
        return nodes

    def bottom_map(self, area_level: str, service_level: str) -> pd.DataFrame:
        """Each bottom node beside its ancestor at the given levels.

        Returns:
            Columns area, client_group, service (the bottom keys) and the ancestor's
            parent_area, parent_client_group, parent_service.
        """
        bottom = self.areas.merge(self.services, how="cross")
        return pd.DataFrame(
            {
                AREA: bottom[AREA],
                CLIENT_GROUP: bottom[CLIENT_GROUP],
                SERVICE: bottom[SERVICE],
                "parent_area": bottom[_AREA_COLUMN_OF_LEVEL[area_level]],
                "parent_client_group": bottom[CLIENT_GROUP] if service_level != TOTAL_LEVEL else ALL,
                "parent_service": bottom[SERVICE] if service_level == SERVICE_LEVEL else ALL,
            }
        )

    def _level_nodes(self, area_level: str, service_level: str) -> pd.DataFrame:
        parents = self.bottom_map(area_level, service_level)
        keys = ["parent_area", "parent_client_group", "parent_service"]
        unique = parents[keys].drop_duplicates().sort_values(keys, ignore_index=True)
        return pd.DataFrame(
            {
                "level": level_name(area_level, service_level),
                AREA_LEVEL: area_level,
                AREA: unique["parent_area"],
                CLIENT_GROUP: unique["parent_client_group"],
                SERVICE: unique["parent_service"],
            }
        )


def level_name(area_level: str, service_level: str) -> str:
    """The crossed level's name, e.g. "district/client_group"."""
    return f"{area_level}/{service_level}"


def node_ids(frame: pd.DataFrame) -> pd.Series:
    """One series id per node: area_level|area|client_group|service (columns of NODE_KEYS)."""
    return (
        frame[AREA_LEVEL].astype("str")
        + "|"
        + frame[AREA].astype("str")
        + "|"
        + frame[CLIENT_GROUP].astype("str")
        + "|"
        + frame[SERVICE].astype("str")
    )


def build_hierarchy(
    bottom: pd.DataFrame, areas: pd.DataFrame | None = None, service_groups: bool = True
) -> Hierarchy:
    """The hierarchy of a bottom panel, with districts and councils from `areas` when given.

    Args:
        bottom: the bottom panel; columns area, client_group, service.
        areas: columns area, district, council (one row per area), or None for a flat area side.
        service_groups: whether `client_group` groups services (False when every group is `all`).
    """
    pairs = bottom[[CLIENT_GROUP, SERVICE]].drop_duplicates()
    services = pairs.sort_values([CLIENT_GROUP, SERVICE], ignore_index=True)
    area_keys = pd.DataFrame({AREA: sorted(bottom[AREA].unique())})
    if areas is None:
        area_table = area_keys.assign(**{DISTRICT: ALL, COUNCIL: ALL})
        area_levels: tuple[str, ...] = (WARD_LEVEL, COUNCIL_LEVEL)
    else:
        area_table = area_keys.merge(areas[[AREA, DISTRICT, COUNCIL]], on=AREA, how="left")
        area_levels = (WARD_LEVEL, DISTRICT_LEVEL, COUNCIL_LEVEL)
    # one group (or none) makes the group level a copy of the total: leave it out
    grouped = (
        service_groups and services[CLIENT_GROUP].nunique() > 1 and not (services[CLIENT_GROUP] == ALL).all()
    )
    service_levels = (SERVICE_LEVEL, GROUP_LEVEL, TOTAL_LEVEL) if grouped else (SERVICE_LEVEL, TOTAL_LEVEL)
    return Hierarchy(area_table, services, area_levels, service_levels)


def aggregate(bottom: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """The bottom panel summed to every node of the hierarchy, for every month and measure.

    Args:
        bottom: columns area, client_group, service, month, measure, value (the hpanel contract).

    Returns:
        Columns level, area_level, area, client_group, service, month, measure, value, one row
        per node, month and measure; sorted by level (top first), node, measure and month.
    """
    frames = []
    for area_level, service_level in product(hierarchy.area_levels, hierarchy.service_levels):
        mapping = hierarchy.bottom_map(area_level, service_level)
        joined = bottom.merge(mapping, on=[AREA, CLIENT_GROUP, SERVICE], how="inner")
        keys = ["parent_area", "parent_client_group", "parent_service", MEASURE, MONTH]
        summed = joined.groupby(keys, sort=True, as_index=False)[VALUE].sum()
        frames.append(
            summed.rename(
                columns={"parent_area": AREA, "parent_client_group": CLIENT_GROUP, "parent_service": SERVICE}
            ).assign(level=level_name(area_level, service_level), **{AREA_LEVEL: area_level})
        )
    columns = ["level", *NODE_KEYS, MONTH, MEASURE, VALUE]
    return pd.concat(frames[::-1], ignore_index=True)[columns]


def summing_matrix(hierarchy: Hierarchy) -> pd.DataFrame:
    """The summing matrix S in hierarchicalforecast's `S_df` shape.

    Returns:
        Column unique_id (every node, top first, bottom last) and one 0/1 column per bottom node id;
        the bottom block is the identity.
    """
    nodes = hierarchy.nodes()
    bottom_keys = hierarchy.areas[[AREA]].merge(hierarchy.services, how="cross")
    bottom_ids = node_ids(bottom_keys.assign(**{AREA_LEVEL: hierarchy.area_levels[0]}))
    position = pd.Series(np.arange(len(nodes)), index=nodes[SERIES_ID])
    matrix = np.zeros((len(nodes), len(bottom_ids)))
    for area_level, service_level in product(hierarchy.area_levels, hierarchy.service_levels):
        mapping = hierarchy.bottom_map(area_level, service_level)
        parent_ids = node_ids(
            pd.DataFrame(
                {
                    AREA_LEVEL: area_level,
                    AREA: mapping["parent_area"],
                    CLIENT_GROUP: mapping["parent_client_group"],
                    SERVICE: mapping["parent_service"],
                }
            )
        )
        matrix[position[parent_ids].to_numpy(), np.arange(len(bottom_ids))] = 1.0
    s_df = pd.DataFrame(matrix, columns=bottom_ids.to_list())
    s_df.insert(0, SERIES_ID, nodes[SERIES_ID].to_numpy())
    return s_df


def tags(hierarchy: Hierarchy) -> dict[str, np.ndarray]:
    """hierarchicalforecast's `tags`: level name -> the ids of that level's nodes."""
    nodes = hierarchy.nodes()
    return {level: nodes.loc[nodes["level"] == level, SERIES_ID].to_numpy() for level in hierarchy.levels}


def level_series(bottom: pd.DataFrame, hierarchy: Hierarchy) -> dict[str, pd.DataFrame]:
    """Each level's series in the estimator contract, for one measure.

    Args:
        bottom: the hpanel of one measure (area, client_group, service, month, measure, value).

    Returns:
        level -> frame with columns unique_id, month, value, area, client_group, service, measure,
        sorted by (unique_id, month); the bottom level first.
    """
    summed = aggregate(bottom, hierarchy)
    summed[SERIES_ID] = node_ids(summed)
    columns = [SERIES_ID, MONTH, VALUE, AREA, CLIENT_GROUP, SERVICE, MEASURE]
    return {
        level: summed.loc[summed["level"] == level, columns].sort_values(
            [SERIES_ID, MONTH], ignore_index=True
        )
        for level in hierarchy.levels
    }
