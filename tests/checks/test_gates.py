import numpy as np
import pandas as pd

from demandcast.checks.fairness import INSUFFICIENT, OK, FairnessReport, fairness_report
from demandcast.checks.gates import (
    COVERAGE_80,
    FAIL,
    NOT_AVAILABLE,
    PASS,
    UNDER_FORECAST,
    WAPE_RATIO,
    GateConfig,
    evaluate_gates,
)
from demandcast.checks.synthetic import calibrated_ward_backtest, synthetic_ward_groups
from demandcast.checks.ward_groups import IMD_QUINTILE, MINORITY_QUINTILE
from demandcast.columns import (
    ACTUAL,
    AREA,
    HI_80,
    HI_95,
    LO_80,
    LO_95,
    MEASURE,
)


def biased_against_most_deprived(backtest: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Forecast = 0.8 x actual in the most deprived quintile; intervals shrink with it."""
    in_q1 = backtest[AREA].isin(groups.loc[groups[IMD_QUINTILE] == 1, AREA])
    scaled = {col: backtest[col].where(~in_q1, backtest[col] * 0.8) for col in (LO_80, HI_80, LO_95, HI_95)}
    chosen = backtest["chosen"].where(~in_q1, backtest[ACTUAL] * 0.8)
    return backtest.assign(chosen=chosen, **scaled)


def report_of(rows: list[dict]) -> FairnessReport:
    """A report from literal group rows (grouping, group, status, wape, bias and intervals, coverage_80)."""
    return FairnessReport(pd.DataFrame(rows).assign(**{MEASURE: "starts"}), "chosen", 0, 0, 0.95)


def group_row(group: int, *, wape=0.2, bias=0.0, bias_lo=-0.01, bias_hi=0.01, coverage_80=0.8, status=OK):
    return {"grouping": IMD_QUINTILE, "group": group, "status": status, "wape": wape, "bias": bias} | {
        "bias_lo": bias_lo,
        "bias_hi": bias_hi,
        "coverage_80": coverage_80,
    }


def test_an_unbiased_noisy_model_passes_every_gate():
    groups = synthetic_ward_groups()
    result = evaluate_gates(fairness_report(calibrated_ward_backtest(groups), groups, n_boot=100))
    assert result.passed and result.failures == []
    assert set(result.table["check"]) == {WAPE_RATIO, UNDER_FORECAST, COVERAGE_80}
    assert (result.table["status"] == PASS).all()


def test_a_model_biased_against_the_most_deprived_fails_and_names_the_checks():
    groups = synthetic_ward_groups()
    biased = biased_against_most_deprived(calibrated_ward_backtest(groups), groups)
    result = evaluate_gates(fairness_report(biased, groups, n_boot=100))
    assert not result.passed
    failed = result.table[result.table["status"] == FAIL]
    imd_failures = set(failed.loc[failed["grouping"] == IMD_QUINTILE, "check"])
    assert {WAPE_RATIO, UNDER_FORECAST} <= imd_failures
    under = failed[failed["check"] == UNDER_FORECAST].iloc[0]
    assert abs(under["value"] + 0.2) < 1e-9
    assert any(
        text.startswith("under_forecast_most_deprived [imd_quintile, caseload, group 1]: signed bias -20.0%")
        for text in result.failures
    )
    assert any(text.startswith("wape_ratio [imd_quintile, caseload") for text in result.failures)


def test_bias_below_the_floor_passes_when_its_interval_includes_zero():
    wide = report_of([group_row(1, bias=-0.08, bias_lo=-0.2, bias_hi=0.03), group_row(2)])
    narrow = report_of([group_row(1, bias=-0.08, bias_lo=-0.1, bias_hi=-0.06), group_row(2)])
    config = GateConfig(groupings=(IMD_QUINTILE,))
    assert evaluate_gates(wide, config).passed
    assert evaluate_gates(narrow, config).failures == [
        "under_forecast_most_deprived [imd_quintile, starts, group 1]: signed bias -8.0% "
        "(interval -10.0% to -6.0%); needs >= -5.0% or an interval including 0"
    ]


def test_wape_ratio_compares_only_groups_with_enough_data():
    rows = [group_row(1, wape=0.9, status=INSUFFICIENT), group_row(2, wape=0.2), group_row(3, wape=0.24)]
    table = evaluate_gates(report_of(rows), GateConfig(groupings=(IMD_QUINTILE,))).table
    ratio = table[table["check"] == WAPE_RATIO].iloc[0]
    assert ratio["status"] == PASS and abs(ratio["value"] - 1.2) < 1e-12
    statuses = table.set_index(["check", "group"])["status"]
    assert statuses[(UNDER_FORECAST, 1)] == INSUFFICIENT
    assert statuses[(COVERAGE_80, 1)] == INSUFFICIENT


def test_a_lone_judgeable_group_gives_no_ratio():
    rows = [group_row(1, status=INSUFFICIENT), group_row(2, wape=0.2)]
    result = evaluate_gates(report_of(rows), GateConfig(groupings=(IMD_QUINTILE,)))
    ratio = result.table[result.table["check"] == WAPE_RATIO].iloc[0]
    assert ratio["status"] == INSUFFICIENT and np.isnan(ratio["value"])
    assert result.passed


def test_coverage_outside_the_band_or_unavailable_fails():
    rows = [group_row(1, coverage_80=0.7), group_row(2, coverage_80=np.nan), group_row(3, coverage_80=0.85)]
    result = evaluate_gates(report_of(rows), GateConfig(groupings=(IMD_QUINTILE,)))
    coverage = result.table[result.table["check"] == COVERAGE_80].set_index("group")["status"]
    assert coverage.to_dict() == {1: FAIL, 2: NOT_AVAILABLE, 3: PASS}
    assert result.failures == [
        "coverage_80 [imd_quintile, starts, group 1]: 80% interval coverage 70.0% outside [75%, 85%]",
        "coverage_80 [imd_quintile, starts, group 2]: the backtest has no 80% interval for this model",
    ]


def test_a_gate_set_to_none_is_switched_off():
    rows = [group_row(1, wape=0.5, coverage_80=0.5), group_row(2, wape=0.1)]
    config = GateConfig(
        max_wape_ratio=None, coverage_80_range=None, groupings=(IMD_QUINTILE, MINORITY_QUINTILE)
    )
    result = evaluate_gates(report_of(rows), config)
    assert result.passed and set(result.table["check"]) == {UNDER_FORECAST}
    assert result.to_dict()["checks"][0]["status"] == PASS
