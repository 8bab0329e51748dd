"""Stand-in ward geometry: Voronoi cells of the ward centroids, clipped to a city outline.

Real ward boundaries cannot ship with the product, so the demo city draws its wards from the
published centroids. Cells are built in the British National Grid (EPSG:27700), where distances
are metres, and returned in EPSG:4326.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

WORK_CRS = "EPSG:27700"
OUTPUT_CRS = "EPSG:4326"
OUTLINE_BUFFER_M = 1_500.0


def voronoi_wards(
    codes: list[str], lat: np.ndarray, lon: np.ndarray, buffer_m: float = OUTLINE_BUFFER_M
) -> gpd.GeoSeries:
    """One polygon per centroid: its Voronoi cell clipped to the buffered hull of all centroids.

    Args:
        codes: ward codes, used as the index of the result.
        lat: centroid latitudes (degrees).
        lon: centroid longitudes (degrees).
        buffer_m: how far the city outline reaches beyond the outermost centroids, in metres.

    Returns:
        A GeoSeries in EPSG:4326 indexed by code, in the order given.
    """
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=OUTPUT_CRS).to_crs(WORK_CRS)
    outline = city_outline(points, buffer_m)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(list(points)), extend_to=outline)
    cell_of_point = _match_cells_to_points(list(shapely.get_parts(cells)), points)
    clipped = [shapely.make_valid(cell.intersection(outline)) for cell in cell_of_point]
    return gpd.GeoSeries(clipped, index=codes, crs=WORK_CRS).to_crs(OUTPUT_CRS)


def city_outline(points: gpd.GeoSeries, buffer_m: float = OUTLINE_BUFFER_M) -> shapely.Geometry:
    """The convex hull of the points, buffered outwards by `buffer_m` (points in a metric CRS)."""
    return shapely.convex_hull(shapely.MultiPoint(list(points))).buffer(buffer_m)


def _match_cells_to_points(cells: list[shapely.Geometry], points: gpd.GeoSeries) -> list[shapely.Geometry]:
    # voronoi_polygons does not promise to return cells in the order of the input points
    tree = shapely.STRtree(cells)
    matched = []
    for point in points:
        hits = tree.query(point, predicate="intersects")
        matched.append(cells[int(hits[0])])
    return matched
