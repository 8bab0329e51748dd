import json

import numpy as np
import pandas as pd
import pytest

from demandcast.checks.fairness import INSUFFICIENT, METRICS, OK, fairness_report
from demandcast.checks.synthetic import calibrated_ward_backtest, synthetic_ward_groups
from demandcast.checks.ward_groups import IMD_QUINTILE, MINORITY_QUINTILE, ward_groups
from demandcast.columns import (
    ACTUAL,
    AREA,
    AREA_LEVEL,
    DISTRICT_LEVEL,
    HI_80,
    HI_95,
    IMD_DECILE,
    IMD_RANK,
    LO_80,
    LO_95,
    MEASURE,
    MINORITY_SHARE,
    WARD_CODE,
    WARD_LEVEL,
)
from demandcast.data.wards import load_wards
from demandcast.errors import InputError


def test_ward_groups_split_birmingham_into_fifths_with_rank_1_most_deprived():
    wards = load_wards()
    groups = ward_groups(wards)
    assert groups[IMD_QUINTILE].value_counts().sort_index().tolist() == [14, 14, 13, 14, 14]
    most_deprived = wards.loc[wards[IMD_RANK].idxmin(), WARD_CODE]
    highest_share = wards.loc[wards[MINORITY_SHARE].idxmax(), WARD_CODE]
    by_area = groups.set_index(AREA)
    assert by_area.loc[most_deprived, IMD_QUINTILE] == 1
    assert by_area.loc[highest_share, MINORITY_QUINTILE] == 5


def test_ward_groups_map_a_national_decile_to_its_quintile():
    wards = pd.DataFrame({AREA: ["a", "b", "c", "d"], IMD_DECILE: [1, 2, 3, 10]})
    groups = ward_groups(wards)
    assert groups[IMD_QUINTILE].tolist() == [1, 1, 2, 5]
    assert groups[MINORITY_QUINTILE].isna().all()


def test_ward_groups_refuse_a_table_without_deprivation():
    with pytest.raises(InputError, match="imd_rank"):
        ward_groups(pd.DataFrame({AREA: ["a"]}))


def test_report_on_a_tiny_backtest_matches_hand_computed_metrics():
    groups = pd.DataFrame({AREA: ["a", "b", "c"], IMD_QUINTILE: [1, 1, 2]})
    backtest = pd.DataFrame(
        {
            AREA_LEVEL: WARD_LEVEL,
            AREA: ["a", "a", "b", "c", "c"],
            MEASURE: "starts",
            ACTUAL: [10.0, 20.0, 10.0, 4.0, 6.0],
            "chosen": [8.0, 18.0, 12.0, 5.0, 6.0],
            LO_80: [9.0, 15.0, 11.0, 3.0, 5.0],
            HI_80: [11.0, 25.0, 13.0, 5.0, 7.0],
        }
    )
    report = fairness_report(backtest, groups, groupings=[IMD_QUINTILE], n_boot=20, min_wards=1, min_actual=1)
    table = report.table.set_index("group")
    # group 1: errors -2, -2, +2 on actuals 10, 20, 10; ward b's actual 10 is below its interval
    assert table.loc[1, ["n_wards", "n", "actual_total"]].tolist() == [2, 3, 40.0]
    assert table.loc[1, "mae"] == pytest.approx(2.0)
    assert table.loc[1, "wape"] == pytest.approx(6 / 40)
    assert table.loc[1, "bias"] == pytest.approx(-2 / 40)
    assert table.loc[1, "coverage_80"] == pytest.approx(2 / 3)
    # group 2: errors +1, 0 on actuals 4, 6, both inside
    assert table.loc[2, ["mae", "wape", "bias", "coverage_80"]].tolist() == pytest.approx(
        [0.5, 0.1, 0.1, 1.0]
    )
    assert table["coverage_95"].isna().all()


def test_report_has_an_estimate_and_an_interval_for_every_metric():
    groups = synthetic_ward_groups()
    report = fairness_report(calibrated_ward_backtest(groups), groups, n_boot=100)
    table = report.table
    assert len(table) == 10 and set(table["grouping"]) == {IMD_QUINTILE, MINORITY_QUINTILE}
    assert (table["status"] == OK).all()
    for metric in METRICS:
        assert (table[f"{metric}_lo"] <= table[metric]).all()
        assert (table[metric] <= table[f"{metric}_hi"]).all()
    assert table["coverage_80"].between(0.75, 0.85).all()


def test_bootstrap_is_reproducible_for_a_seed_and_varies_with_it():
    groups = synthetic_ward_groups()
    backtest = calibrated_ward_backtest(groups)
    first = fairness_report(backtest, groups, n_boot=50, seed=7).table
    again = fairness_report(backtest, groups, n_boot=50, seed=7).table
    other = fairness_report(backtest, groups, n_boot=50, seed=8).table
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["wape_hi"], other["wape_hi"])
    pd.testing.assert_series_equal(first["wape"], other["wape"])


def test_groups_with_too_few_wards_or_too_little_volume_are_marked_insufficient():
    groups = synthetic_ward_groups(n_wards=30)
    backtest = calibrated_ward_backtest(groups)
    few_wards = fairness_report(backtest, groups, n_boot=10, min_wards=7).table
    assert (few_wards["status"] == INSUFFICIENT).all()
    quiet = backtest.assign(**{ACTUAL: np.where(backtest[AREA] < "W06", 0.01, backtest[ACTUAL])})
    table = fairness_report(quiet, groups, n_boot=10, min_actual=100).table
    imd = table[table["grouping"] == IMD_QUINTILE].set_index("group")["status"]
    assert imd.to_dict() == {1: INSUFFICIENT, 2: OK, 3: OK, 4: OK, 5: OK}


def test_only_ward_rows_count_and_inputs_are_left_untouched():
    groups = synthetic_ward_groups()
    backtest = calibrated_ward_backtest(groups)
    districts = backtest.head(50).assign(**{AREA_LEVEL: DISTRICT_LEVEL, "chosen": 0.0})
    combined = pd.concat([backtest, districts], ignore_index=True)
    before = combined.copy()
    with_districts = fairness_report(combined, groups, n_boot=10).table
    pd.testing.assert_frame_equal(with_districts, fairness_report(backtest, groups, n_boot=10).table)
    pd.testing.assert_frame_equal(combined, before)


def test_areas_without_a_group_are_listed_not_silently_judged():
    groups = synthetic_ward_groups()
    report = fairness_report(calibrated_ward_backtest(groups), groups[groups[AREA] != "W03"], n_boot=10)
    assert report.ungrouped_areas == ("W03",)
    assert report.table.loc[report.table["grouping"] == IMD_QUINTILE, "n_wards"].sum() == 29


def test_missing_model_column_is_named():
    groups = synthetic_ward_groups()
    with pytest.raises(InputError, match=r"\['challenger'\]"):
        fairness_report(calibrated_ward_backtest(groups), groups, model_column="challenger")


def test_report_without_intervals_leaves_coverage_missing_and_serialises_to_json():
    groups = synthetic_ward_groups()
    backtest = calibrated_ward_backtest(groups).drop(columns=[LO_80, HI_80, LO_95, HI_95])
    report = fairness_report(backtest, groups, n_boot=10)
    assert report.table["coverage_80"].isna().all()
    payload = json.loads(json.dumps(report.to_dict()))
    assert payload["groups"][0]["coverage_80"] is None
    assert payload["n_boot"] == 10 and len(payload["groups"]) == 10
