"""Reconciliation: coherent, non-negative forecasts from hierarchicalforecast."""

import numpy as np
import pandas as pd
import pytest
from hierarchicalforecast.core import HierarchicalReconciliation

from demandcast.columns import ACTUAL, AREA, CLIENT_GROUP, MEAN, MONTH, SERIES_ID, SERVICE
from demandcast.models.hierarchy import build_hierarchy, summing_matrix, tags
from demandcast.models.reconcile import (
    ALL_METHODS,
    METHODS,
    TOP_DOWN_FORMS,
    _reconciler,
    non_negative,
    reconcile,
    share_scales,
    top_down,
    whole_history_scales,
    wls_var_keeping_top,
    wls_var_level_by_level,
)

AREAS = pd.DataFrame({AREA: ["w1", "w2", "w3"], "district": ["d1", "d1", "d2"], "council": ["c", "c", "c"]})
PAIRS = [("older_people", "home_care"), ("older_people", "nursing"), ("children", "kinship")]


@pytest.fixture(scope="module")
def hierarchy():
    keys = pd.DataFrame(
        [(a, g, s) for a in AREAS[AREA] for g, s in PAIRS], columns=[AREA, CLIENT_GROUP, SERVICE]
    )
    return build_hierarchy(keys, AREAS)


def _frame(ids, months, values):
    frame = pd.DataFrame({SERIES_ID: ids}).merge(pd.DataFrame({MONTH: months}), how="cross")
    return frame.assign(**{MEAN: values(len(frame))})


def test_every_method_is_coherent_and_non_negative(hierarchy):
    rng = np.random.default_rng(0)
    s_df = summing_matrix(hierarchy)
    months = pd.date_range("2024-01-01", periods=3, freq="MS")
    base = _frame(s_df[SERIES_ID], months, lambda n: rng.normal(3, 3, n))
    past = _frame(
        s_df[SERIES_ID], pd.date_range("2022-01-01", periods=24, freq="MS"), lambda n: rng.normal(5, 1, n)
    )
    past[ACTUAL] = past[MEAN] + rng.normal(0, 1, len(past))
    out = reconcile(base, s_df, tags(hierarchy), ALL_METHODS, residuals=past)
    matrix = s_df.drop(columns=SERIES_ID).to_numpy()
    for frame in out.values():
        wide = frame.pivot(index=MONTH, columns=SERIES_ID, values=MEAN)[s_df[SERIES_ID]].to_numpy()
        bottom = wide[:, -matrix.shape[1] :]
        np.testing.assert_allclose(wide, bottom @ matrix.T, rtol=1e-9)
        assert (wide >= 0).all()


def _frame_api(base, s_df, node_tags, method, residuals):
    """hierarchicalforecast's own HierarchicalReconciliation on the frames, in the order of `base`."""
    engine = HierarchicalReconciliation(reconcilers=[_reconciler(method)])
    out = engine.reconcile(
        Y_hat_df=base,
        tags=node_tags,
        S_df=s_df,
        Y_df=residuals,
        id_col=SERIES_ID,
        time_col=MONTH,
        target_col=ACTUAL,
    )
    column = next(c for c in out.columns if c.startswith(f"{MEAN}/"))
    return base[[SERIES_ID, MONTH]].merge(out[[SERIES_ID, MONTH, column]], on=[SERIES_ID, MONTH], how="left")


def _positive_base_and_gappy_residuals(s_df, rng):
    """Nearly coherent base forecasts far from zero (nothing to clip), shuffled; residuals with gaps."""
    months = pd.date_range("2024-01-01", periods=4, freq="MS")
    matrix = s_df.drop(columns=SERIES_ID).to_numpy()
    coherent = matrix @ rng.uniform(20, 80, (matrix.shape[1], len(months)))
    noisy = (coherent * rng.normal(1, 0.05, coherent.shape)).ravel()  # node by node, month by month
    base = _frame(s_df[SERIES_ID], months, lambda n: noisy).sample(frac=1, random_state=0)
    past = _frame(
        s_df[SERIES_ID], pd.date_range("2022-01-01", periods=24, freq="MS"), lambda n: rng.normal(5, 1, n)
    )
    past[ACTUAL] = past[MEAN] + rng.normal(0, 1, len(past))
    return base, past.drop(index=rng.choice(len(past), 40, replace=False))


@pytest.mark.parametrize("method", [m for m in METHODS if m not in TOP_DOWN_FORMS])
def test_each_method_gives_what_hierarchicalforecasts_frame_api_gives(hierarchy, method):
    rng = np.random.default_rng(3)
    s_df, node_tags = summing_matrix(hierarchy), tags(hierarchy)
    base, past = _positive_base_and_gappy_residuals(s_df, rng)
    expected = _frame_api(base, s_df, node_tags, method, past)
    assert (expected.iloc[:, -1] > 0).all()  # nothing clipped: the reconciler's output itself is compared
    got = reconcile(base, s_df, node_tags, (method,), residuals=past)[method]
    np.testing.assert_array_equal(got[[SERIES_ID, MONTH]], base[[SERIES_ID, MONTH]])
    np.testing.assert_allclose(got[MEAN], expected.iloc[:, -1], rtol=1e-12)


@pytest.mark.parametrize("method", ["wls_struct", "ols"])
def test_a_projection_fitted_on_one_hierarchy_is_not_reused_on_another(hierarchy, method):
    rng = np.random.default_rng(4)
    two_wards = [(a, g, s) for a in ["w1", "w2"] for g, s in PAIRS]
    flat = build_hierarchy(pd.DataFrame(two_wards, columns=[AREA, CLIENT_GROUP, SERVICE]))
    for each in (hierarchy, flat, hierarchy):
        s_df, node_tags = summing_matrix(each), tags(each)
        base, past = _positive_base_and_gappy_residuals(s_df, rng)
        got = reconcile(base, s_df, node_tags, (method,), residuals=past)[method]
        expected = _frame_api(base, s_df, node_tags, method, None)
        np.testing.assert_allclose(got[MEAN], expected.iloc[:, -1], rtol=1e-12)


def test_non_negative_clips_the_bottom_and_sums_again(hierarchy):
    s_df = summing_matrix(hierarchy)
    ids = s_df[SERIES_ID]
    frame = _frame(ids, [pd.Timestamp("2024-01-01")], lambda n: np.full(n, 1.0))
    frame.loc[frame[SERIES_ID] == "ward|w1|children|kinship", MEAN] = -5.0
    out = non_negative(frame, s_df).set_index(SERIES_ID)[MEAN]
    assert out["ward|w1|children|kinship"] == 0.0
    assert out["council|c|all|all"] == 8.0
    assert out["ward|w1|all|all"] == 2.0


def test_mint_shrink_without_residuals_is_refused(hierarchy):
    s_df = summing_matrix(hierarchy)
    base = _frame(s_df[SERIES_ID], [pd.Timestamp("2024-01-01")], lambda n: np.ones(n))
    with pytest.raises(ValueError, match="mint_shrink needs residuals"):
        reconcile(base, s_df, tags(hierarchy), ("mint_shrink",))


def _block_coherent_base(hierarchy, rng):
    """Ward/service forecasts drawn at random; council nodes coherent among themselves but not
    equal to the wards' sum; districts and ward totals arbitrary."""
    s_df = summing_matrix(hierarchy)
    base = _frame(s_df[SERIES_ID], [pd.Timestamp("2024-01-01")], lambda n: rng.uniform(1, 9, n))
    council_service = {"older_people|home_care": 30.0, "older_people|nursing": 12.0, "children|kinship": 5.0}
    council = {f"council|c|{key}": value for key, value in council_service.items()}
    council |= {"council|c|older_people|all": 42.0, "council|c|children|all": 5.0, "council|c|all|all": 47.0}
    base[MEAN] = base[SERIES_ID].map(council).fillna(base[MEAN])
    return s_df, base, council_service


def test_top_down_keeps_coherent_council_totals_and_shares_them_by_ward_forecasts(hierarchy):
    rng = np.random.default_rng(1)
    s_df, base, council_service = _block_coherent_base(hierarchy, rng)
    past = _frame(
        s_df[SERIES_ID], pd.date_range("2022-01-01", periods=24, freq="MS"), lambda n: rng.normal(5, 1, n)
    )
    past[ACTUAL] = past[MEAN] + rng.normal(0, 1, len(past))
    out = reconcile(base, s_df, tags(hierarchy), ("top_down",), residuals=past)["top_down"]
    got, given = out.set_index(SERIES_ID)[MEAN], base.set_index(SERIES_ID)[MEAN]
    for pair, total in council_service.items():
        wards = [f"ward|{area}|{pair}" for area in AREAS[AREA]]
        assert got[f"council|c|{pair}"] == pytest.approx(total)
        np.testing.assert_allclose(got[wards], given[wards] / given[wards].sum() * total)
    assert got["council|c|all|all"] == pytest.approx(47.0)
    assert got["district|d1|all|all"] == pytest.approx(got["ward|w1|all|all"] + got["ward|w2|all|all"])


def test_top_down_shares_equally_where_the_wards_forecast_nothing(hierarchy):
    rng = np.random.default_rng(2)
    s_df, base, _ = _block_coherent_base(hierarchy, rng)
    base.loc[base[SERIES_ID].str.startswith("ward|") & base[SERIES_ID].str.endswith("|kinship"), MEAN] = 0.0
    past = _frame(
        s_df[SERIES_ID], pd.date_range("2022-01-01", periods=24, freq="MS"), lambda n: rng.normal(5, 1, n)
    )
    past[ACTUAL] = past[MEAN] + rng.normal(0, 1, len(past))
    got = reconcile(base, s_df, tags(hierarchy), ("top_down",), residuals=past)["top_down"].set_index(
        SERIES_ID
    )
    kinship = [f"ward|{area}|children|kinship" for area in AREAS[AREA]]
    np.testing.assert_allclose(got.loc[kinship, MEAN], got.loc["council|c|children|kinship", MEAN] / 3)
    assert got.loc["council|c|children|kinship", MEAN] > 0


def test_top_down_without_residuals_is_refused(hierarchy):
    s_df = summing_matrix(hierarchy)
    base = _frame(s_df[SERIES_ID], [pd.Timestamp("2024-01-01")], lambda n: np.ones(n))
    with pytest.raises(ValueError, match="top_down needs residuals"):
        reconcile(base, s_df, tags(hierarchy), ("top_down",))


BLOCK = pd.DataFrame(  # all -> groups g1 (s1 + s2), g2 (s3): top first
    [[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]],
    columns=["s1", "s2", "s3"],
    dtype=float,
).assign(**{SERIES_ID: ["all", "g1", "g2", "s1", "s2", "s3"]})[[SERIES_ID, "s1", "s2", "s3"]]


def _block_base_and_residuals(rng, months):
    """Nearly coherent base forecasts far from zero (nothing to clip); residuals of different sizes."""
    coherent = BLOCK.drop(columns=SERIES_ID).to_numpy() @ rng.uniform(20, 60, (3, len(months)))
    noisy = (coherent * rng.normal(1, 0.1, coherent.shape)).ravel()
    base = _frame(BLOCK[SERIES_ID], months, lambda n: noisy)
    past = _frame(BLOCK[SERIES_ID], pd.date_range("2022-01-01", periods=12, freq="MS"), lambda n: np.zeros(n))
    past[ACTUAL] = rng.normal(0, 1, len(past)) * past[SERIES_ID].map({"all": 9, "g1": 6, "g2": 2}).fillna(3)
    return base, past


def test_wls_var_keeping_top_solves_the_constrained_least_squares(hierarchy):
    rng = np.random.default_rng(7)
    months = pd.date_range("2024-01-01", periods=2, freq="MS")
    base, past = _block_base_and_residuals(rng, months)
    got = wls_var_keeping_top(base, BLOCK, past, kept=["all"])
    got = got.pivot(index=SERIES_ID, columns=MONTH, values=MEAN)
    S = BLOCK.drop(columns=SERIES_ID).to_numpy()
    ids = list(BLOCK[SERIES_ID])
    squared = ((past[ACTUAL] - past[MEAN]) ** 2).groupby(past[SERIES_ID]).mean()
    weights = squared.reindex(ids).to_numpy() + 2e-8  # hierarchicalforecast's wls_var variances
    y_hat = base.pivot(index=SERIES_ID, columns=MONTH, values=MEAN).reindex(ids).to_numpy()
    # KKT system of min (S b - y)' W^-1 (S b - y) subject to the top row of S b equal to the base top
    kkt = np.block([[2 * S.T @ np.diag(1 / weights) @ S, S[:1].T], [S[:1], np.zeros((1, 1))]])
    for j in range(len(months)):
        rhs = np.concatenate([2 * S.T @ (y_hat[:, j] / weights), y_hat[:1, j]])
        expected = S @ np.linalg.solve(kkt, rhs)[:3]
        np.testing.assert_allclose(got.reindex(ids).iloc[:, j], expected, rtol=1e-9)
    np.testing.assert_allclose(got.loc["all"], y_hat[0], rtol=1e-12)
    np.testing.assert_allclose(got.loc["g1"], got.loc["s1"] + got.loc["s2"], rtol=1e-12)


def test_wls_var_keeping_top_leaves_coherent_forecasts_alone(hierarchy):
    rng = np.random.default_rng(8)
    base, past = _block_base_and_residuals(rng, [pd.Timestamp("2024-01-01")])
    bottom = rng.uniform(5, 20, 3)
    coherent = dict(zip(BLOCK[SERIES_ID], BLOCK.drop(columns=SERIES_ID).to_numpy() @ bottom, strict=True))
    base[MEAN] = base[SERIES_ID].map(coherent)
    got = wls_var_keeping_top(base, BLOCK, past, kept=["all"])
    np.testing.assert_allclose(got[MEAN], base[MEAN], rtol=1e-9)


def test_wls_var_keeping_top_keeps_several_disjoint_nodes(hierarchy):
    rng = np.random.default_rng(9)
    base, past = _block_base_and_residuals(rng, pd.date_range("2024-01-01", periods=2, freq="MS"))
    got = wls_var_keeping_top(base, BLOCK, past, kept=["g1", "g2"]).set_index([SERIES_ID, MONTH])[MEAN]
    given = base.set_index([SERIES_ID, MONTH])[MEAN]
    for node in ("g1", "g2"):
        np.testing.assert_allclose(got[node], given[node], rtol=1e-12)
    np.testing.assert_allclose(got["all"], got["g1"] + got["g2"], rtol=1e-12)
    np.testing.assert_allclose(got["g1"], got["s1"] + got["s2"], rtol=1e-12)
    assert not np.allclose(got["s1"], given["s1"])  # the bottom moved to meet the kept totals


def test_wls_var_keeping_top_refuses_a_kept_id_that_is_not_a_node(hierarchy):
    rng = np.random.default_rng(10)
    base, past = _block_base_and_residuals(rng, pd.date_range("2024-01-01", periods=2, freq="MS"))

    with pytest.raises(ValueError, match=r"kept node\(s\) \['total'\]: not nodes"):
        wls_var_keeping_top(base, BLOCK, past, kept=["total"])


def _residuals_of_size(sd_by_node: dict[str, float]) -> pd.DataFrame:
    """Past forecasts of zero and actuals of +sd or -sd: each node's mean squared residual is sd^2."""
    months = pd.date_range("2022-01-01", periods=12, freq="MS")
    past = _frame(BLOCK[SERIES_ID], months, lambda n: np.zeros(n))
    sign = np.where(past[MONTH].dt.month <= 8, 1.0, -1.0)
    return past.assign(**{ACTUAL: sign * past[SERIES_ID].map(sd_by_node).to_numpy()})


BLOCK_LEVELS = [["all"], ["g1", "g2"], ["s1", "s2", "s3"]]


def _one_month_of(means: dict[str, float]) -> pd.DataFrame:
    month = pd.Timestamp("2024-01-01")
    return pd.DataFrame({SERIES_ID: list(means), MONTH: month, MEAN: list(means.values())})


def test_level_by_level_gives_each_level_its_parents_gap_in_proportion_to_variance():
    base = _one_month_of({"all": 100.0, "g1": 60.0, "g2": 30.0, "s1": 35.0, "s2": 30.0, "s3": 28.0})
    past = _residuals_of_size({"all": 9.0, "g1": 6.0, "g2": 2.0, "s1": 3.0, "s2": 3.0, "s3": 3.0})

    got = wls_var_level_by_level(base, BLOCK, past, BLOCK_LEVELS)

    # groups share the total's gap of 10 as 36 : 4; g1's children share its gap of 4 as 9 : 9
    expected = {"all": 100.0, "g1": 69.0, "g2": 31.0, "s1": 37.0, "s2": 32.0, "s3": 31.0}
    got_means = got.set_index(SERIES_ID)[MEAN][list(expected)]
    np.testing.assert_allclose(got_means, list(expected.values()), rtol=1e-6)


def test_level_by_level_keeps_groups_that_add_up_to_the_total_whatever_the_services_say():
    base = _one_month_of({"all": 90.0, "g1": 60.0, "g2": 30.0, "s1": 45.0, "s2": 40.0, "s3": 20.0})
    past = _residuals_of_size({"all": 9.0, "g1": 6.0, "g2": 6.0, "s1": 1.0, "s2": 1.0, "s3": 1.0})

    by_level = wls_var_level_by_level(base, BLOCK, past, BLOCK_LEVELS)
    at_once = wls_var_keeping_top(base, BLOCK, past, kept=["all"])

    kept = by_level.set_index(SERIES_ID)[MEAN]
    assert kept["g1"] == pytest.approx(60.0) and kept["g2"] == pytest.approx(30.0)
    assert kept["s1"] + kept["s2"] == pytest.approx(60.0) and kept["s3"] == pytest.approx(30.0)
    pulled = at_once.set_index(SERIES_ID)[MEAN]
    assert pulled["g1"] > 61.0  # reconciled at once, the precise services draw their group up


def test_level_by_level_refuses_a_node_with_no_parent_a_level_up():
    base = _one_month_of(dict.fromkeys(BLOCK[SERIES_ID], 1.0))
    past = _residuals_of_size(dict.fromkeys(BLOCK[SERIES_ID], 1.0))

    with pytest.raises(ValueError, match="exactly one parent"):
        wls_var_level_by_level(base, BLOCK, past, [["g1"], ["s1", "s2", "s3"]])


def _reconciled_means(hierarchy, s_df, base, method, rng) -> pd.Series:
    """`method`'s means by node id, with 24 months of past forecasts near 5 off by a unit normal."""
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    past = _frame(s_df[SERIES_ID], months, lambda n: rng.normal(5, 1, n))
    past = past.assign(**{ACTUAL: past[MEAN] + rng.normal(0, 1, len(past))})
    out = reconcile(base, s_df, tags(hierarchy), (method,), residuals=past)[method]
    return out.set_index(SERIES_ID)[MEAN]


def test_top_down_by_level_keeps_the_council_total_and_groups_where_they_add_up(hierarchy):
    rng = np.random.default_rng(3)
    s_df, base, _ = _block_coherent_base(hierarchy, rng)
    home_care = base[SERIES_ID] == "council|c|older_people|home_care"
    base.loc[home_care, MEAN] = 40.0  # the group's services now sum to more than the group

    council = _reconciled_means(hierarchy, s_df, base, "top_down_by_level", rng)

    kept = ["council|c|all|all", "council|c|older_people|all", "council|c|children|all"]
    np.testing.assert_allclose(council[kept], [47.0, 42.0, 5.0])
    assert council["council|c|older_people|home_care"] < 40.0


def test_level_by_level_from_the_middle_keeps_the_groups_and_sums_the_total():
    base = _one_month_of({"all": 100.0, "g1": 60.0, "g2": 30.0, "s1": 35.0, "s2": 30.0, "s3": 28.0})
    past = _residuals_of_size({"all": 9.0, "g1": 6.0, "g2": 2.0, "s1": 1.0, "s2": 3.0, "s3": 3.0})

    got = wls_var_level_by_level(base, BLOCK, past, BLOCK_LEVELS, kept_level=1)

    # the total's base (100) is dropped for the groups' sum; g1's services share its gap of -5 as 1 : 9
    expected = {"all": 90.0, "g1": 60.0, "g2": 30.0, "s1": 34.5, "s2": 25.5, "s3": 30.0}
    got_means = got.set_index(SERIES_ID)[MEAN][list(expected)]
    np.testing.assert_allclose(got_means, list(expected.values()), rtol=1e-6)


def test_middle_out_keeps_the_council_client_groups_and_their_sum(hierarchy):
    rng = np.random.default_rng(4)
    s_df, base, _ = _block_coherent_base(hierarchy, rng)
    base.loc[base[SERIES_ID] == "council|c|all|all", MEAN] = 60.0  # the total no longer the groups' sum

    council = _reconciled_means(hierarchy, s_df, base, "middle_out", rng)

    groups_and_their_sum = ["council|c|older_people|all", "council|c|children|all", "council|c|all|all"]
    np.testing.assert_allclose(council[groups_and_their_sum], [42.0, 5.0, 47.0])


def _with_home_care_wards(base, values):
    """`base` with wards w1, w2, w3's older people's home care set to `values`, and those wards' ids."""
    wards = {
        f"ward|{area}|older_people|home_care": value for area, value in zip(AREAS[AREA], values, strict=True)
    }
    return base.assign(**{MEAN: base[SERIES_ID].map(wards).fillna(base[MEAN])}), list(wards)


def test_top_down_by_error_gives_the_wards_their_services_gap_in_proportion_to_their_errors(hierarchy):
    rng = np.random.default_rng(5)
    s_df, base, council_service = _block_coherent_base(hierarchy, rng)
    base, wards = _with_home_care_wards(base, [8.0, 10.0, 6.0])  # sum 24 against the council's 30
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    past = _frame(s_df[SERIES_ID], months, lambda n: rng.normal(5, 1, n))
    past[ACTUAL] = past[MEAN] + rng.normal(0, 1, len(past))
    alternating = np.tile([1.0, -1.0], len(months) // 2)  # root mean square error 1 x the size
    for ward, size in zip(wards, [1.0, 3.0, 0.0], strict=True):
        rows = past[SERIES_ID] == ward
        past.loc[rows, ACTUAL] = past.loc[rows, MEAN] + size * alternating

    got = reconcile(base, s_df, tags(hierarchy), ("top_down_by_error",), residuals=past)["top_down_by_error"]

    got = got.set_index(SERIES_ID)[MEAN]
    # the gap of 6 shared 1 : 3 : 0; a ward never forecast wrong keeps its forecast
    np.testing.assert_allclose(got[wards], [9.5, 14.5, 6.0])
    assert got["council|c|older_people|home_care"] == pytest.approx(council_service["older_people|home_care"])


def test_top_down_refuses_an_unknown_share_rule(hierarchy):
    rng = np.random.default_rng(6)
    s_df, base, _ = _block_coherent_base(hierarchy, rng)
    past = _frame(s_df[SERIES_ID], [pd.Timestamp("2023-01-01")], lambda n: rng.normal(5, 1, n))
    past[ACTUAL] = past[MEAN]
    with pytest.raises(ValueError, match="shares 'median'"):
        top_down(base, s_df, tags(hierarchy), past, shares="median")


def test_middle_out_by_service_keeps_the_council_services_and_sums_the_groups_and_total(hierarchy):
    rng = np.random.default_rng(7)
    s_df, base, council_service = _block_coherent_base(hierarchy, rng)
    base.loc[base[SERIES_ID] == "council|c|all|all", MEAN] = 60.0  # neither the total
    base.loc[base[SERIES_ID] == "council|c|older_people|all", MEAN] = 50.0  # nor a group adds up

    council = _reconciled_means(hierarchy, s_df, base, "middle_out_by_service", rng)

    services = [f"council|c|{pair}" for pair in council_service]
    np.testing.assert_allclose(council[services], list(council_service.values()))
    sums = ["council|c|older_people|all", "council|c|children|all", "council|c|all|all"]
    np.testing.assert_allclose(council[sums], [42.0, 5.0, 47.0])
    home_care = [f"ward|{area}|older_people|home_care" for area in AREAS[AREA]]
    given = base.set_index(SERIES_ID)[MEAN]
    np.testing.assert_allclose(council[home_care], given[home_care] / given[home_care].sum() * 30.0)


def _past(s_df, rng):
    past = _frame(
        s_df[SERIES_ID], pd.date_range("2022-01-01", periods=24, freq="MS"), lambda n: rng.normal(5, 1, n)
    )
    return past.assign(**{ACTUAL: past[MEAN] + rng.normal(0, 1, len(past))})


def test_with_scales_the_wards_share_their_services_gap_by_squared_scale(hierarchy):
    rng = np.random.default_rng(8)
    s_df, base, council_service = _block_coherent_base(hierarchy, rng)
    base, wards = _with_home_care_wards(base, [8.0, 10.0, 6.0])  # sum 24 against the council's 30
    scales = pd.Series([1.0, 2.0, 0.0], index=wards)  # squared 1 : 4 : 0

    got = reconcile(base, s_df, tags(hierarchy), ("top_down",), _past(s_df, rng), scales)["top_down"]

    got = got.set_index(SERIES_ID)[MEAN]
    np.testing.assert_allclose(got[wards], [8.0 + 6 / 5, 10.0 + 6 * 4 / 5, 6.0])
    assert got["council|c|older_people|home_care"] == pytest.approx(council_service["older_people|home_care"])


def test_a_share_by_scale_never_takes_a_ward_below_zero_and_the_others_take_the_rest(hierarchy):
    rng = np.random.default_rng(9)
    s_df, base, _ = _block_coherent_base(hierarchy, rng)
    council = {"older_people|home_care": 12.0, "older_people|all": 24.0, "all|all": 29.0}
    base[MEAN] = base[SERIES_ID].map({f"council|c|{k}": v for k, v in council.items()}).fillna(base[MEAN])
    base, wards = _with_home_care_wards(base, [1.0, 20.0, 9.0])  # sum 30 against the council's 12
    scales = pd.Series([10.0, 1.0, 1.0], index=wards)  # w1 would take 100/102 of the gap

    got = reconcile(base, s_df, tags(hierarchy), ("top_down",), _past(s_df, rng), scales)["top_down"]

    got = got.set_index(SERIES_ID)[MEAN]
    # w1 stops at zero (-1); the other -17 is shared 1 : 1
    np.testing.assert_allclose(got[wards], [0.0, 11.5, 0.5])
    assert got["council|c|older_people|home_care"] == pytest.approx(12.0)
    assert got["council|c|all|all"] == pytest.approx(29.0)


def test_wards_without_a_scale_share_by_forecast(hierarchy):
    rng = np.random.default_rng(10)
    s_df, base, _ = _block_coherent_base(hierarchy, rng)
    past = _past(s_df, rng)
    no_scales = pd.Series(np.nan, index=[f"ward|{area}|{g}|{s}" for area in AREAS[AREA] for g, s in PAIRS])

    by_forecast = reconcile(base, s_df, tags(hierarchy), ("top_down",), past)["top_down"]
    got = reconcile(base, s_df, tags(hierarchy), ("top_down",), past, no_scales)["top_down"]

    pd.testing.assert_frame_equal(got, by_forecast)


@pytest.mark.parametrize("method", sorted(set(TOP_DOWN_FORMS) - {"top_down_by_error"}))
def test_shares_by_scale_keep_the_top_block_coherent_and_non_negative(hierarchy, method):
    rng = np.random.default_rng(11)
    s_df = summing_matrix(hierarchy)
    months = pd.date_range("2024-01-01", periods=4, freq="MS")
    base = _frame(s_df[SERIES_ID], months, lambda n: rng.gamma(1.0, 3.0, n))
    past = _past(s_df, rng)
    bottom = s_df.columns[1:]
    scales = pd.Series(rng.gamma(1.0, 2.0, len(bottom)), index=bottom)

    by_forecast = reconcile(base, s_df, tags(hierarchy), (method,), past)[method]
    got = reconcile(base, s_df, tags(hierarchy), (method,), past, scales)[method]

    matrix = s_df.drop(columns=SERIES_ID).to_numpy()
    wide = got.pivot(index=MONTH, columns=SERIES_ID, values=MEAN)[s_df[SERIES_ID]].to_numpy()
    np.testing.assert_allclose(wide, wide[:, -matrix.shape[1] :] @ matrix.T, rtol=1e-9)
    assert (wide >= 0).all()
    council = got[SERIES_ID].str.startswith("council|")
    np.testing.assert_allclose(got.loc[council, MEAN], by_forecast.loc[council, MEAN], rtol=1e-9, atol=1e-9)


def test_share_scales_are_the_seasonal_naive_mae_up_to_each_cutoff():
    months = pd.date_range("2020-01-01", periods=14, freq="MS")
    bottom = pd.DataFrame({SERIES_ID: "a", MONTH: months, "value": [1.0] * 12 + [3.0, 7.0]})

    got = share_scales(bottom, [months[12], months[13]], "MS")

    assert got[months[12]]["a"] == pytest.approx(2.0)  # |3 - 1|
    assert got[months[13]]["a"] == pytest.approx(4.0)  # (|3 - 1| + |7 - 1|) / 2
    assert whole_history_scales(bottom)["a"] == pytest.approx(4.0)


def test_shares_by_scale_need_the_scales(hierarchy):
    rng = np.random.default_rng(12)
    s_df, base, _ = _block_coherent_base(hierarchy, rng)
    with pytest.raises(ValueError, match="needs the bottom nodes' scales"):
        top_down(base, s_df, tags(hierarchy), _past(s_df, rng), shares="scale")
