"""Spatial lags: queen contiguity on a toy geometry, and neighbour means within the same cell."""

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from demandcast.columns import AREA, MONTH, SERVICE, WARD_CODE
from demandcast.features.spatial import queen_neighbours, spatial_lags

# A and B share an edge; B and C touch only at the corner (2, 1); A and C do not touch.
TOY_WARDS = gpd.GeoDataFrame(
    {WARD_CODE: ["A", "B", "C"]},
    geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)],
)
TOY_NEIGHBOURS = {"A": ["B"], "B": ["A", "C"], "C": ["B"]}


def test_queen_neighbours_include_edge_and_corner_contact():
    assert queen_neighbours(TOY_WARDS) == TOY_NEIGHBOURS


def test_spatial_lag_is_the_neighbours_mean_within_the_same_service_and_month():
    frame = pd.DataFrame(
        {
            AREA: ["A", "B", "C", "A", "B", "C", "A"],
            SERVICE: ["x", "x", "x", "y", "y", "y", "x"],
            MONTH: pd.to_datetime(["2024-01-01"] * 6 + ["2024-02-01"]),
            "lag_1": [1.0, 2.0, 4.0, 10.0, 20.0, 40.0, 7.0],
        }
    )

    lagged = spatial_lags(frame, TOY_NEIGHBOURS, ["lag_1"], cell_cols=[SERVICE])

    # February has only A, whose neighbour B has no row that month: no neighbours, so NaN.
    np.testing.assert_array_equal(lagged["spatial_lag_1"], [2.0, 2.5, 2.0, 20.0, 25.0, 20.0, np.nan])


def test_spatial_lags_do_not_mutate_their_input():
    frame = pd.DataFrame({AREA: ["A", "B"], MONTH: pd.to_datetime(["2024-01-01"] * 2), "lag_1": [1.0, 3.0]})
    snapshot = frame.copy()

    spatial_lags(frame, TOY_NEIGHBOURS, ["lag_1"])

    pd.testing.assert_frame_equal(frame, snapshot)
