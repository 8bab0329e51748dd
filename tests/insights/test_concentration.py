"""Where demand concentrates: age-population rates, Moran's I on the demo wards, and published rates."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import (
    CASELOAD,
    CHILDREN,
    CLIENT_GROUP,
    GEOMETRY,
    MEASURE,
    MONTH,
    OLDER_PEOPLE,
    POP_0_17,
    POP_18_64,
    POP_65_PLUS,
    SERVICE,
    STARTS,
    VALUE,
    WARD_CODE,
    WARD_NAME,
)
from demandcast.data.wards import load_wards
from demandcast.errors import InputError
from demandcast.insights.concentration import (
    CLUSTER,
    COUNT,
    HOT,
    HOT_SPOT,
    RATE_PER_10K,
    getis_ord_hot_spots,
    global_moran,
    local_clusters,
    published_ward_rates,
    ward_counts,
    ward_rates,
)

SEED = 7


@pytest.fixture(scope="module")
def wards():
    return load_wards()


@pytest.fixture(scope="module")
def planted(wards):
    """A rate of 100 in the 12 wards nearest one ward, 10 elsewhere, plus a little seeded noise."""
    centroids = wards.to_crs(27700)[GEOMETRY].centroid
    distance = centroids.distance(centroids.iloc[30]).to_numpy()
    cluster = np.argsort(distance)[:12]
    values = np.full(len(wards), 10.0)
    values[cluster] = 100.0
    values += np.random.default_rng(SEED).normal(0, 1, len(wards))
    return pd.Series(values, index=wards[WARD_CODE].to_numpy()), wards[WARD_CODE].iloc[cluster].tolist()


def test_global_moran_detects_a_planted_cluster(wards, planted):
    values, _ = planted
    result = global_moran(values, wards)
    assert result.i > 0.5
    assert result.p_value < 0.001
    assert result.n == len(wards)


def test_global_moran_is_near_its_expectation_for_shuffled_values(wards, planted):
    values, _ = planted
    shuffled = pd.Series(np.random.default_rng(SEED).permutation(values.to_numpy()), index=values.index)
    result = global_moran(shuffled, wards)
    assert abs(result.i - result.expected_i) < 0.15
    assert result.p_value > 0.05


def test_local_statistics_find_the_planted_cluster_and_are_reproducible(wards, planted):
    values, members = planted
    lisa = local_clusters(values, wards, permutations=199, seed=SEED)
    g_star = getis_ord_hot_spots(values, wards, permutations=199, seed=SEED)
    hot_by_lisa = set(lisa.loc[lisa[CLUSTER] == "high-high", WARD_CODE])
    hot_by_g_star = set(g_star.loc[g_star[HOT_SPOT] == HOT, WARD_CODE])
    assert hot_by_lisa and hot_by_lisa <= set(members)
    assert len(hot_by_g_star & set(members)) >= len(members) // 2
    pd.testing.assert_frame_equal(lisa, local_clusters(values, wards, permutations=199, seed=SEED))


def test_constant_values_have_no_clusters(wards):
    flat = pd.Series(5.0, index=wards[WARD_CODE].to_numpy())
    assert np.isnan(global_moran(flat, wards).i)
    assert set(local_clusters(flat, wards)[CLUSTER]) == {"not significant"}


def test_a_ward_without_a_value_is_refused(wards, planted):
    values, _ = planted
    with pytest.raises(InputError, match="no value for 1 ward"):
        global_moran(values.iloc[1:], wards)


TINY_WARDS = pd.DataFrame(
    {WARD_CODE: ["w1", "w2"], WARD_NAME: ["One", "Two"], POP_0_17: [2000, 1000],
     POP_18_64: [5000, 5000], POP_65_PLUS: [1000, 400]}
)


def tiny_panel():
    rows = []
    for month, children, older in (("2024-03-01", 20, 3), ("2024-04-01", 21, 4), ("2025-03-01", 30, 40)):
        for ward, scale in (("w1", 1), ("w2", 2)):
            rows.append((ward, CHILDREN, "foster_inhouse", month, CASELOAD, children * scale))
            rows.append((ward, CHILDREN, "foster_inhouse", month, STARTS, 1.0))
            rows.append((ward, OLDER_PEOPLE, "nursing", month, CASELOAD, older * scale))
    frame = pd.DataFrame(rows, columns=[WARD_CODE, CLIENT_GROUP, SERVICE, MONTH, MEASURE, VALUE])
    return frame.assign(**{MONTH: pd.to_datetime(frame[MONTH]), VALUE: frame[VALUE].astype(float)})


def test_caseload_is_the_year_end_stock_and_starts_the_year_sum():
    caseload = ward_counts(tiny_panel(), year="2024-25").set_index([WARD_CODE, CLIENT_GROUP])[COUNT]
    assert caseload[("w1", CHILDREN)] == 30
    assert caseload[("w2", OLDER_PEOPLE)] == 80
    starts = ward_counts(tiny_panel(), measure=STARTS, year="2024-25").set_index([WARD_CODE, CLIENT_GROUP])
    assert starts.loc[("w1", CHILDREN), COUNT] == 2


def test_rates_use_the_client_groups_age_population():
    rates = ward_rates(ward_counts(tiny_panel(), year="2024-25"), TINY_WARDS).set_index(
        [WARD_CODE, CLIENT_GROUP])[RATE_PER_10K]
    assert rates[("w1", CHILDREN)] == pytest.approx(30 / 2000 * 10_000)
    assert rates[("w2", OLDER_PEOPLE)] == pytest.approx(80 / 400 * 10_000)


def test_published_rates_come_from_protected_counts():
    counts = ward_counts(tiny_panel(), year="2023-24")  # March 2024: older people 3 and 6
    published = published_ward_rates(counts, TINY_WARDS).set_index([WARD_CODE, CLIENT_GROUP])
    assert published[COUNT].dropna().mod(5).eq(0).all()
    assert not published[COUNT].between(1, 7).any()
    older = published.xs(OLDER_PEOPLE, level=CLIENT_GROUP)
    assert older[COUNT].isna().all() and older[RATE_PER_10K].isna().all()
    assert published.loc[("w1", CHILDREN), RATE_PER_10K] == pytest.approx(20 / 2000 * 10_000)
