"""The data-value versus data-protection curve: protected panels, the contribution bound, the curve."""

import numpy as np
import pandas as pd
import pytest

from demandcast.checks.value_protection import (
    DERIVED,
    EXACT,
    NOISED,
    PROTECTION,
    ROUNDED,
    WITHHELD,
    ProtectionLevel,
    contribution_bound,
    discrete_laplace,
    dp_noise_scale,
    privacy_value_curve,
    protect_panel,
    protection_levels,
)
from demandcast.checks.ward_groups import IMD_QUINTILE
from demandcast.columns import (
    AREA,
    CASELOAD,
    CLIENT_GROUP,
    COST,
    END_DATE,
    MEASURE,
    MONTH,
    PERSON_ID,
    SERVICE,
    START_DATE,
    STARTS,
    VALUE,
    WARD_CODE,
)
from demandcast.models.hierarchy import build_hierarchy
from demandcast.models.synthetic import synthetic_areas, synthetic_panel
from demandcast.models.training import TrainConfig, train


def _one_month(caseload, starts, cost) -> pd.DataFrame:
    areas = ["A", "B", "C"]
    frames = [
        pd.DataFrame({AREA: areas, CLIENT_GROUP: "older_people", SERVICE: "home_care",
                      MONTH: pd.Timestamp("2024-01-01"), MEASURE: measure, VALUE: np.asarray(values, float)})
        for measure, values in ((CASELOAD, caseload), (STARTS, starts), (COST, cost))
    ]
    return pd.concat(frames, ignore_index=True)


def _values(panel: pd.DataFrame, measure: str, column: str = VALUE) -> list:
    return panel.loc[panel[MEASURE] == measure, column].tolist()


def test_no_protection_returns_the_panel_unchanged():
    panel = _one_month([3, 20, 12], [0, 9, 1], [300.0, 2000.0, 1200.0])
    protected, share = protect_panel(panel, ProtectionLevel("none"))
    pd.testing.assert_frame_equal(protected.drop(columns=[PROTECTION]), panel)
    assert share == 0.0


def test_nhs_rule_withholds_small_cells_and_their_complements_and_shares_out_the_council_remainder():
    panel = _one_month([3, 20, 12], [0, 9, 1], [300.0, 2000.0, 1200.0])
    protected, share = protect_panel(panel, protection_levels(1)[1])
    # caseload 3 is hidden, 12 hidden beside it (the total would give 3 away); 20 published as 20
    assert _values(protected, CASELOAD, PROTECTION) == [WITHHELD, EXACT, WITHHELD]
    assert _values(protected, CASELOAD) == [7.5, 20.0, 7.5]
    # starts: 0 stays 0, 1 hidden, 9 hidden as its complement; they share 10 - 0
    assert _values(protected, STARTS, PROTECTION) == [EXACT, WITHHELD, WITHHELD]
    assert _values(protected, STARTS) == [0.0, 5.0, 5.0]
    # cost covering 3 people is hidden, then the smallest other cost
    assert _values(protected, COST) == [750.0, 2000.0, 750.0]
    assert share == pytest.approx(6 / 9)


def test_ons_rule_rounds_published_counts_to_fives():
    panel = _one_month([13, 22, 31], [0, 0, 0], [1.0, 2.0, 3.0])
    protected, _ = protect_panel(panel, protection_levels(1)[2])
    assert _values(protected, CASELOAD) == [15.0, 20.0, 30.0]
    assert _values(protected, CASELOAD, PROTECTION) == [ROUNDED, ROUNDED, ROUNDED]


def test_dp_noises_counts_derives_cost_and_is_reproducible_with_a_seed():
    panel = _one_month([3, 20, 12], [0, 9, 1], [300.0, 2000.0, 1200.0])
    level = ProtectionLevel("dp", epsilon=1.0, contributions_per_person=5)
    first, _ = protect_panel(panel, level, seed=4)
    again, _ = protect_panel(panel, level, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert set(_values(first, CASELOAD, PROTECTION)) == {NOISED}
    assert set(_values(first, COST, PROTECTION)) == {DERIVED}
    assert min(first[VALUE]) >= 0
    per_person = 3500.0 / 35
    assert _values(first, COST) == pytest.approx([v * per_person for v in _values(first, CASELOAD)])


def test_discrete_laplace_noise_has_the_laplace_spread():
    noise = discrete_laplace(np.random.default_rng(0), 10.0, 200_000)
    assert abs(noise.mean()) < 0.1
    assert noise.std() == pytest.approx(10.0 * np.sqrt(2), rel=0.02)


def test_protection_levels_are_none_the_rules_then_dp_by_epsilon():
    levels = protection_levels(30, epsilons=(0.5, 2))
    assert [level.name for level in levels] == ["none", "nhs", "ons_10_5", "dp_eps_0.5", "dp_eps_2"]
    assert levels[-1].contributions_per_person == 30


def test_contribution_bound_counts_distinct_caseload_cells_plus_starts():
    records = pd.DataFrame({
        PERSON_ID: ["p1", "p1", "p2"],
        WARD_CODE: ["W1", "W1", "W2"],
        CLIENT_GROUP: ["older_people"] * 3,
        SERVICE: ["home_care"] * 3,
        START_DATE: pd.to_datetime(["2023-11-20", "2024-02-10", "2024-01-05"]),
        END_DATE: pd.to_datetime(["2024-02-15", None, "2024-01-06"]),
    })
    months = pd.date_range("2024-01-01", "2024-06-01", freq="MS")
    # p1: Jan-Feb from the first record, Feb-Jun from the second -> 6 distinct cells, 1 start in window
    assert contribution_bound(records, months) == 7


@pytest.fixture(scope="module")
def small_city():
    caseload = synthetic_panel(n_areas=10, n_months=30, seed=5)
    rng = np.random.default_rng(5)
    cost = caseload.assign(**{MEASURE: COST, VALUE: caseload[VALUE] * rng.uniform(300, 500, len(caseload))})
    panel = pd.concat([caseload, cost], ignore_index=True)
    areas = synthetic_areas(10)
    groups = pd.DataFrame({AREA: areas[AREA], IMD_QUINTILE: np.repeat([1, 2, 3, 4, 5], 2)})
    config = TrainConfig(horizon=3, n_windows=3, allowed_models=("seasonal_naive", "mean_of_last_year"),
                         methods=("bottom_up",))
    return panel, build_hierarchy(panel, areas), config, groups


@pytest.mark.slow
def test_curve_scores_every_level_against_the_true_panel(small_city):
    panel, hierarchy, config, groups = small_city
    levels = protection_levels(12, epsilons=(), rules=("nhs",))
    table = privacy_value_curve(panel, hierarchy, config, levels, groups=groups, seed=1)
    assert list(table["level"].unique()) == ["none", "nhs"]
    assert len(table) == 2 * 2
    unprotected = table[table["level"] == "none"].set_index(MEASURE)
    assert (unprotected[["cells_altered_share", "ward_wape_change", "council_mase_change"]] == 0).all().all()
    direct = train(panel[panel[MEASURE] == CASELOAD], hierarchy, config).metrics[CASELOAD]["council/all"]
    assert unprotected.loc[CASELOAD, "council_wape"] == pytest.approx(direct["reconciled"]["wape"])
    nhs = table[table["level"] == "nhs"].set_index(MEASURE)
    assert nhs.loc[CASELOAD, "cells_withheld_share"] > 0
    assert {f"bias_imd_{q}" for q in range(1, 6)} <= set(table.columns)


def test_dp_noise_scale_is_the_bound_over_epsilon():
    panel = _one_month([3, 20, 12], [0, 9, 1], [300.0, 2000.0, 1200.0])
    assert dp_noise_scale(panel, ProtectionLevel("dp", epsilon=2.0, contributions_per_person=12)) == (
        pytest.approx(6.0, rel=0.01)
    )
