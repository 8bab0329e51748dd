import numpy as np
import pandas as pd
import pytest

from demandcast.checks.proxy_audit import (
    AUDIT_COLUMNS,
    ProtectedFeatureError,
    assert_no_protected_features,
    protected_features,
    proxy_audit,
    strongest_proxies,
    ward_model_inputs,
)
from demandcast.columns import (
    AREA,
    CLIENT_GROUP,
    IMD_DECILE,
    IMD_SCORE,
    MEASURE,
    MINORITY_SHARE,
    MONTH,
    POP_0_17,
    POP_65_PLUS,
    POPULATION,
    SERVICE,
    VALUE,
    WARD_CODE,
)
from demandcast.data.wards import load_wards
from demandcast.errors import InputError


@pytest.fixture(scope="module")
def wards() -> pd.DataFrame:
    return load_wards()


@pytest.fixture(scope="module")
def planted_audit(wards) -> pd.DataFrame:
    """The audit of inputs where `planted` is the minority share plus a little noise."""
    rng = np.random.default_rng(0)
    inputs = wards[[WARD_CODE, POPULATION, POP_0_17, POP_65_PLUS, IMD_DECILE]].rename(
        columns={WARD_CODE: AREA}
    )
    inputs["planted"] = wards[MINORITY_SHARE] + rng.normal(0, 0.03, len(wards))
    inputs["noise"] = rng.normal(size=len(wards))
    return proxy_audit(inputs, wards, seed=0)


def test_audit_finds_the_planted_proxy_of_minority_share(planted_audit):
    minority = planted_audit[planted_audit["target"] == MINORITY_SHARE].set_index("feature")
    assert minority["rank"].idxmin() == "planted"
    assert minority["correlation"].abs().idxmax() == "planted"
    assert minority["r2_linear"].iloc[0] > 0.9 and minority["r2_forest"].iloc[0] > 0.9
    assert strongest_proxies(planted_audit, n=1)[MINORITY_SHARE] == ["planted"]


def test_audit_names_the_deprivation_decile_as_the_imd_proxy(planted_audit):
    assert strongest_proxies(planted_audit, n=1)[IMD_SCORE] == ["imd_decile"]


def test_audit_has_one_ranked_row_per_target_and_feature(planted_audit):
    assert tuple(planted_audit.columns) == AUDIT_COLUMNS
    assert len(planted_audit) == 2 * 6
    for _, rows in planted_audit.groupby("target"):
        assert sorted(rows["rank"]) == [1, 2, 3, 4, 5, 6]
    assert (planted_audit["n_wards"] == 69).all()


def test_audit_is_reproducible_for_a_seed(wards):
    inputs = wards[[WARD_CODE, POPULATION, POP_0_17, IMD_DECILE]].rename(columns={WARD_CODE: AREA})
    first = proxy_audit(inputs, wards, targets=[MINORITY_SHARE], cv=3, n_repeats=2, seed=3)
    again = proxy_audit(inputs, wards, targets=[MINORITY_SHARE], cv=3, n_repeats=2, seed=3)
    pd.testing.assert_frame_equal(first, again)


def test_audit_refuses_a_protected_characteristic_among_the_inputs(wards):
    inputs = wards[[WARD_CODE, POPULATION, MINORITY_SHARE]].rename(columns={WARD_CODE: AREA})
    with pytest.raises(ProtectedFeatureError, match="minority_ethnic_share"):
        proxy_audit(inputs, wards)


def test_audit_needs_enough_matching_wards(wards):
    inputs = pd.DataFrame({AREA: ["X1", "X2"], POPULATION: [1.0, 2.0]})
    with pytest.raises(InputError, match="only 0 wards"):
        proxy_audit(inputs, wards)


@pytest.mark.parametrize(
    "name",
    ["sex", "Gender", "ethnicity", "minority_ethnic_share", "religion_code", "has_disability", "pop_female"],
)
def test_protected_characteristics_are_recognised(name):
    assert protected_features([name]) == [name]


@pytest.mark.parametrize(
    "name", ["pop_65_plus", "essex_flag", "imd_decile", "mean_caseload_children", "segment"]
)
def test_ordinary_features_are_not_mistaken_for_protected_ones(name):
    assert protected_features([name]) == []


def test_assert_no_protected_features_names_every_offender():
    with pytest.raises(ProtectedFeatureError, match=r"\['sex', 'ethnicity'\]"):
        assert_no_protected_features(["population", "sex", "imd_decile", "ethnicity"])
    assert_no_protected_features(["population", "imd_decile"])


def test_ward_model_inputs_average_monthly_demand_per_measure_and_group():
    hpanel = pd.DataFrame(
        {
            AREA: ["a"] * 4 + ["b"] * 2,
            CLIENT_GROUP: ["children", "children", "older_people", "children", "children", "children"],
            SERVICE: ["foster", "home", "home_care", "foster", "foster", "foster"],
            MONTH: pd.to_datetime(["2024-01-01"] * 3 + ["2024-02-01", "2024-01-01", "2024-02-01"]),
            MEASURE: "caseload",
            VALUE: [2.0, 1.0, 5.0, 4.0, 1.0, 3.0],
        }
    )
    inputs = ward_model_inputs(hpanel, pd.DataFrame({AREA: ["a", "b"], POPULATION: [100, 200]}))
    by_area = inputs.set_index(AREA)
    assert by_area.loc["a", "mean_caseload"] == pytest.approx((8 + 4) / 2)
    assert by_area.loc["a", "mean_caseload_children"] == pytest.approx((3 + 4) / 2)
    assert by_area.loc["b", "mean_caseload_children"] == pytest.approx(2.0)
    assert np.isnan(by_area.loc["b", "mean_caseload_older_people"])
    assert by_area[POPULATION].tolist() == [100, 200]
