"""The area x service hierarchy: nodes, summing matrix and aggregation."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ALL, AREA, CLIENT_GROUP, MEASURE, MONTH, SERIES_ID, SERVICE, VALUE
from demandcast.models.hierarchy import aggregate, build_hierarchy, summing_matrix, tags

PAIRS = [("older_people", "home_care"), ("older_people", "nursing"), ("children", "kinship")]
AREAS = pd.DataFrame({AREA: ["w1", "w2", "w3"], "district": ["d1", "d1", "d2"], "council": ["c", "c", "c"]})


def _bottom() -> pd.DataFrame:
    keys = pd.DataFrame(
        [(a, g, s) for a in ["w1", "w2", "w3"] for g, s in PAIRS], columns=[AREA, CLIENT_GROUP, SERVICE]
    )
    months = pd.DataFrame({MONTH: pd.date_range("2021-01-01", periods=2, freq="MS")})
    bottom = keys.merge(months, how="cross").assign(**{MEASURE: "caseload"})
    return bottom.assign(**{VALUE: np.arange(len(bottom), dtype=float)})


def test_crossed_hierarchy_has_nine_levels_and_36_nodes():
    hierarchy = build_hierarchy(_bottom(), AREAS)
    assert hierarchy.levels[0] == "ward/service" and hierarchy.levels[-1] == "council/all"
    assert len(hierarchy.levels) == 9
    # (3 wards + 2 districts + 1 council) x (3 pairs + 2 groups + 1 total)
    assert len(hierarchy.nodes()) == 36


def test_summing_matrix_ends_in_the_identity_and_counts_bottom_nodes_per_parent():
    s_df = summing_matrix(build_hierarchy(_bottom(), AREAS))
    matrix = s_df.drop(columns=SERIES_ID).to_numpy()
    assert np.array_equal(matrix[-9:], np.eye(9))
    by_id = dict(zip(s_df[SERIES_ID], matrix.sum(axis=1), strict=True))
    assert by_id["council|c|all|all"] == 9
    assert by_id["district|d1|older_people|all"] == 4
    assert by_id["ward|w3|all|all"] == 3


def test_aggregate_sums_every_node_from_the_bottom():
    bottom = _bottom()
    out = aggregate(bottom, build_hierarchy(bottom, AREAS))
    top = out[(out["level"] == "council/all")]
    assert top[VALUE].to_list() == [bottom[VALUE][bottom[MONTH] == m].sum() for m in top[MONTH]]
    d1_children = out[(out[AREA] == "d1") & (out[CLIENT_GROUP] == "children") & (out[SERVICE] == ALL)]
    # w1 and w2 kinship rows: indices 4,5 and 10,11
    assert d1_children[VALUE].to_list() == [4.0 + 10.0, 5.0 + 11.0]
    assert out.groupby("level")[VALUE].sum().nunique() == 1


def test_flat_hierarchy_without_area_table_or_groups():
    bottom = _bottom().assign(**{CLIENT_GROUP: ALL})
    hierarchy = build_hierarchy(bottom)
    assert hierarchy.levels == ["ward/service", "ward/all", "council/service", "council/all"]
    nodes = hierarchy.nodes()
    assert nodes.loc[0, SERIES_ID] == "council|all|all|all"
    assert set(tags(hierarchy)) == set(hierarchy.levels)


def test_aggregate_does_not_mutate_its_input():
    bottom = _bottom()
    copy = bottom.copy()
    aggregate(bottom, build_hierarchy(bottom, AREAS))
    pd.testing.assert_frame_equal(bottom, copy)


@pytest.mark.parametrize("level", ["ward/client_group", "district/service"])
def test_tags_list_the_nodes_of_each_level(level):
    hierarchy = build_hierarchy(_bottom(), AREAS)
    ids = tags(hierarchy)[level]
    assert all(i.startswith(level.split("/")[0]) for i in ids)
    assert len(ids) == {"ward/client_group": 6, "district/service": 6}[level]
