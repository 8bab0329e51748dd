"""The ward table: embedded demo wards, real boundary files, and writing GeoJSON."""

from pathlib import Path

import geopandas as gpd
import libpysal
import pandas as pd
import pytest

from demandcast.columns import (
    COUNCIL,
    DISTRICT,
    IMD_DECILE,
    IMD_SCORE,
    LOCALITY,
    MINORITY_SHARE,
    POP_0_17,
    POP_18_64,
    POP_65_PLUS,
    POPULATION,
    WARD_CODE,
    WARD_NAME,
)
from demandcast.data.wards import WARD_COLUMNS, load_wards, ward_attributes, write_wards
from demandcast.errors import InputError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
REAL_WARDS = SHARED / "data" / "birmingham_boundaries" / "birmingham_ward.geojson"
needs_real_wards = pytest.mark.skipif(not REAL_WARDS.exists(), reason="shared boundary files absent")


@pytest.fixture(scope="module")
def wards() -> gpd.GeoDataFrame:
    return load_wards()


def test_embedded_wards_are_birminghams_69_with_every_column(wards):
    assert len(wards) == 69
    assert wards[WARD_CODE].tolist() == [f"E0501{n}" for n in range(1118, 1187)]
    assert list(wards.columns) == [*WARD_COLUMNS, "geometry"]
    assert wards.crs.to_epsg() == 4326
    assert set(wards[COUNCIL]) == {"E08000025"}
    assert wards[DISTRICT].nunique() == 10
    assert wards[LOCALITY].nunique() == 5


def test_population_sums_to_the_mid_2024_city_total(wards):
    assert wards[POPULATION].sum() == 1_183_618
    assert (wards[POP_0_17] + wards[POP_18_64] + wards[POP_65_PLUS] == wards[POPULATION]).all()


def test_age_bands_match_the_city_census_shares(wards):
    total = wards[POPULATION].sum()
    assert wards[POP_0_17].sum() / total == pytest.approx(0.251, abs=0.0005)
    assert wards[POP_65_PLUS].sum() / total == pytest.approx(0.132, abs=0.0005)


def test_named_older_and_younger_wards_sit_in_their_census_bands(wards):
    share_65 = (wards[POP_65_PLUS] / wards[POPULATION]).set_axis(wards[WARD_NAME])
    assert share_65[["Sutton Four Oaks", "Northfield", "Quinton", "Sheldon"]].between(0.20, 0.28).all()
    assert (
        share_65[["Ladywood", "Nechells", "Alum Rock", "Bournbrook & Selly Park"]].between(0.05, 0.09).all()
    )


def test_minority_share_is_bounded_ordered_and_matches_the_city(wards):
    share = wards[MINORITY_SHARE]
    assert share.between(0.01, 0.99).all()
    assert (share * wards[POPULATION]).sum() / wards[POPULATION].sum() == pytest.approx(0.514, abs=0.001)
    highest = wards.loc[share.idxmax()]
    lowest = wards.loc[share.idxmin()]
    assert highest[LOCALITY] in ("East", "Central", "West") and highest[IMD_DECILE] == 1
    assert lowest[DISTRICT] == "Sutton Coldfield"
    sutton = wards[DISTRICT] == "Sutton Coldfield"
    assert share[sutton].mean() < 0.2 < 0.75 < share[wards[IMD_DECILE].eq(1) & ~sutton].max()


def test_imd_score_runs_from_most_deprived_one_to_least_deprived_zero(wards):
    by_rank = wards.sort_values("imd_rank")
    assert by_rank[IMD_SCORE].iloc[0] == 1.0 and by_rank[IMD_SCORE].iloc[-1] == 0.0
    assert by_rank[IMD_SCORE].is_monotonic_decreasing


def test_voronoi_wards_are_valid_and_each_has_a_queen_neighbour(wards):
    assert wards.geometry.is_valid.all()
    assert (wards.geometry.geom_type == "Polygon").all()
    contiguity = libpysal.weights.Queen.from_dataframe(wards, use_index=False)
    assert min(contiguity.cardinalities.values()) >= 1
    assert contiguity.n_components == 1


def test_each_voronoi_ward_contains_its_centroid(wards):
    facts = ward_attributes()
    points = gpd.points_from_xy(facts["lon"], facts["lat"], crs="EPSG:4326")
    assert wards.geometry.contains(gpd.GeoSeries(points, crs="EPSG:4326")).all()


def test_write_then_read_round_trips_the_table(wards, tmp_path):
    path = write_wards(wards, tmp_path / "out" / "wards.geojson")
    assert [p.name for p in path.parent.iterdir()] == ["wards.geojson"]
    back = load_wards(path)
    pd.testing.assert_frame_equal(
        back.drop(columns="geometry"), wards.drop(columns="geometry"), check_dtype=False, rtol=1e-9
    )
    assert back.geometry.geom_equals_exact(wards.geometry, tolerance=1e-9).all()


@needs_real_wards
def test_real_ons_boundaries_load_and_join_the_embedded_attributes(wards):
    real = load_wards(REAL_WARDS)
    assert len(real) == 69
    assert list(real.columns) == [*WARD_COLUMNS, "geometry"]
    assert real[WARD_CODE].tolist() == wards[WARD_CODE].tolist()
    assert real[POPULATION].sum() == 1_183_618
    assert real.geometry.is_valid.all()


@needs_real_wards
def test_a_file_with_unknown_codes_and_no_attributes_names_the_file_and_column(tmp_path):
    other = gpd.read_file(REAL_WARDS).head(3)
    other["WD25CD"] = ["E05999991", "E05999992", "E05999993"]
    path = tmp_path / "other.geojson"
    other.to_file(path, driver="GeoJSON")
    with pytest.raises(InputError, match=r"other\.geojson: column 'WD25CD' has 3 ward codes .*E05999991"):
        load_wards(path)


def test_a_file_without_a_code_column_is_refused(wards, tmp_path):
    path = tmp_path / "nocode.geojson"
    wards[["geometry"]].assign(name="x").to_file(path, driver="GeoJSON")
    with pytest.raises(InputError, match=r"nocode\.geojson: no ward code column"):
        load_wards(path)


def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("not json")
    with pytest.raises(InputError, match=r"broken\.geojson: cannot read"):
        load_wards(path)
