"""The promotion rule: only a challenger that passes the checks and beats the champion is promoted."""

import math

import pytest

from demandcast.tracking.promotion import decide, promotion_score


def test_score_is_the_mean_over_measures_of_the_bottom_reconciled_mase():
    metrics = {
        "caseload": {
            "ward/service": {"reconciled": {"mase": 0.6}},
            "council/all": {"reconciled": {"mase": 9}},
        },
        "cost": {"ward/service": {"reconciled": {"mase": 0.8}}},
    }
    assert promotion_score(metrics, "ward/service") == pytest.approx(0.7)


def test_first_model_that_passes_the_checks_is_promoted():
    decision = decide(0.8, None)
    assert decision.promote
    assert decision.reason.startswith("promoted: no champion yet")


def test_worse_challenger_does_not_replace_the_champion():
    decision = decide(0.9, 0.8, champion_version="3")
    assert not decision.promote
    assert decision.reason == "not promoted: bottom_mase_reconciled 0.9000 >= 0.8000 (champion v3)"


def test_equal_score_is_not_enough():
    assert not decide(0.8, 0.8).promote


def test_better_challenger_replaces_the_champion():
    decision = decide(0.7, 0.8, champion_version="3")
    assert decision.promote
    assert "0.7000 < 0.8000 (champion v3)" in decision.reason


def test_better_challenger_failing_a_check_is_not_promoted_and_the_check_is_named():
    decision = decide(0.1, 0.8, failures=["wape_ratio [imd_quintile, caseload, group max/min]: 1.40 > 1.25"])
    assert not decision.promote
    assert "failed 1 check(s): wape_ratio [imd_quintile" in decision.reason


def test_a_score_that_is_not_a_number_is_not_promoted():
    assert not decide(math.nan, None).promote
