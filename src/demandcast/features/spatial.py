"""Spatial lags: the mean of a feature over an area's neighbours, within the same service cell.

Neighbours come from queen contiguity of the ward boundaries (two wards touching at an edge or a
corner are neighbours), built once with libpysal and passed around as a plain dict.
"""

import warnings
from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd

from demandcast.columns import AREA, MONTH, WARD_CODE

NEIGHBOUR = "_neighbour"
"""The neighbouring area's column of `neighbour_edges`."""


def spatial_lag_name(column: str) -> str:
    """Name of the column holding the neighbours' mean of ``column``."""
    return f"spatial_{column}"


def queen_neighbours(wards: gpd.GeoDataFrame, *, id_col: str = WARD_CODE) -> dict[str, list[str]]:
    """Each area's queen-contiguous neighbours (sharing an edge or a corner), sorted.

    Args:
        wards: needs ``id_col`` and a geometry column of polygons.
        id_col: the area key.

    Returns:
        ``{area: [neighbouring areas]}``; islands map to an empty list.
    """
    from libpysal.weights import Queen  # imported here: libpysal is slow to import

    with warnings.catch_warnings():
        # libpysal and esda warn about their own API migrations and about islands; neither is ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        weights = Queen.from_dataframe(wards, ids=id_col, use_index=False)
    return {str(area): sorted(str(n) for n in neighbours) for area, neighbours in weights.neighbors.items()}


def spatial_lags(
    frame: pd.DataFrame,
    neighbours: Mapping[str, Sequence[str]],
    columns: Sequence[str],
    *,
    cell_cols: Sequence[str] = (),
    area_col: str = AREA,
    month_col: str = MONTH,
) -> pd.DataFrame:
    """The frame plus ``spatial_<column>`` for each column: its mean over the area's neighbours.

    The mean is taken over neighbouring areas in the same cell (same ``cell_cols`` values, e.g.
    client group and service) and month. Areas without neighbours in the frame get NaN.

    Args:
        frame: needs ``area_col``, ``month_col``, ``cell_cols`` and ``columns``; one row per
            (area, cell, month).
        neighbours: ``{area: [neighbouring areas]}``, e.g. from :func:`queen_neighbours`.
        columns: the (already lagged) feature columns to average; lag them first so no current value leaks.
        cell_cols: the keys that, with the area, identify a series.
        area_col: the area key.
        month_col: the month column.

    Returns:
        A copy of ``frame`` with one ``spatial_<column>`` column per input column, in the input's row order.
    """
    keys = [*cell_cols, month_col]
    edges = neighbour_edges(neighbours, area_col)
    values = frame[[area_col, *keys, *columns]].rename(columns={area_col: NEIGHBOUR})
    means = (
        edges.merge(values, on=NEIGHBOUR)
        .groupby([area_col, *keys], observed=True, sort=False)[list(columns)]
        .mean()
        .rename(columns=spatial_lag_name)
    )
    joined = frame[[area_col, *keys]].join(means, on=[area_col, *keys])
    return frame.assign(**{name: joined[name].to_numpy() for name in means.columns})


def neighbour_edges(neighbours: Mapping[str, Sequence[str]], area_col: str = AREA) -> pd.DataFrame:
    """One row per (area, neighbouring area): columns ``area_col`` and NEIGHBOUR."""
    pairs = [(area, other) for area, others in neighbours.items() for other in others]
    return pd.DataFrame(pairs, columns=[area_col, NEIGHBOUR], dtype="str")
