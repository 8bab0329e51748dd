from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandcast.checks.fairness import FairnessReport
from demandcast.checks.gates import GateResult
from demandcast.checks.model_card import NOT_AVAILABLE, CardDetails, model_card

TIER_2_HEADINGS = (
    "### Owner and responsibility",
    "### Purpose and scope",
    "### Data",
    "### Features",
    "### Models and selection",
    "### Performance by level",
    "### Fairness by group",
    "### Privacy measures",
    "### Risks and limitations",
    "### Human oversight",
)


@dataclass
class TinyConfig:
    horizon: int = 12
    n_windows: int = 3
    seed: int = 0


METRICS = {
    "caseload": {
        "ward": {"chosen": {"mase": 0.8731, "wape": 0.1234, "bias": -0.0123, "coverage_80": 0.79}},
        "council": {"chosen": {"mase": 0.4567, "wape": 0.0321, "bias": 0.004, "coverage_80": 0.82}},
    }
}
FAIRNESS = FairnessReport(
    table=pd.DataFrame(
        {
            "grouping": ["imd_quintile", "imd_quintile"],
            "group": [1, 2],
            "measure": ["caseload", "caseload"],
            "status": ["ok", "insufficient data"],
            "n_wards": [14, 3],
            "mae": [2.345, 1.0],
            "wape": [0.1567, 0.11],
            "wape_lo": [0.141, np.nan],
            "wape_hi": [0.172, np.nan],
            "bias": [-0.0321, 0.01],
            "bias_lo": [-0.05, np.nan],
            "bias_hi": [-0.01, np.nan],
            "coverage_80": [0.777, np.nan],
            "coverage_95": [0.951, np.nan],
        }
    ),
    model_column="chosen",
    n_boot=200,
    seed=0,
    confidence=0.95,
)
FAILED_GATES = GateResult(
    passed=False,
    failures=["under_forecast_most_deprived [imd_quintile, caseload, group 1]: signed bias -8.0%"],
    table=pd.DataFrame(),
)
PRIVACY = {"disclosure rule": "NHS England: 1-7 suppressed, others rounded to 5", "k_anonymity": {"k": 12}}
DATA = {
    "period_start": "2019-04",
    "period_end": "2025-03",
    "n_wards": 69,
    "features": ["pop_65_plus", "imd_decile"],
}


def full_card() -> str:
    return model_card(
        metrics=METRICS,
        fairness=FAIRNESS,
        gates=FAILED_GATES,
        privacy=PRIVACY,
        config=TinyConfig(),
        data_summary=DATA,
        details=CardDetails(contact="forecasting@council.example", version="7"),
    )


def test_card_has_the_transparency_standard_headings_in_order():
    card = full_card()
    assert card.startswith("# Algorithmic transparency record: ")
    positions = [card.index(heading) for heading in ("## Tier 1: summary", "## Tier 2", *TIER_2_HEADINGS)]
    assert positions == sorted(positions)
    for field in (
        "**Name**",
        "**Description**",
        "**How it is used**",
        "**Contact**: forecasting@council.example",
    ):
        assert field in card


def test_card_shows_the_performance_numbers_passed_in():
    card = full_card()
    assert (
        "| caseload | ward | chosen | 0.87 | 12.3% | -1.2% | 79.0% | not available | not available |" in card
    )
    assert "| caseload | council | chosen | 0.46 | 3.2% | 0.4% | 82.0% |" in card


def test_card_shows_fairness_by_group_with_intervals_and_insufficient_groups():
    card = full_card()
    row_1 = (
        "| imd_quintile | 1 | caseload | ok | 14 | 2.35 | 15.7% (14.1% to 17.2%) | -3.2% (-5.0% to -1.0%) "
        "| 77.7% | 95.1% |"
    )
    assert row_1 in card
    assert (
        "| imd_quintile | 2 | caseload | insufficient data | 3 | 1.00 | 11.0% | 1.0% | not available |"
        in card
    )
    assert "Fairness gates: **failed**" in card
    assert "- under_forecast_most_deprived [imd_quintile, caseload, group 1]: signed bias -8.0%" in card


def test_card_states_the_data_the_privacy_measures_and_the_known_limitation():
    card = full_card()
    assert "for 2019-04 to 2025-03" in card and "No person-level data" in card
    assert "| n_wards | 69 |" in card and "`pop_65_plus`, `imd_decile`" in card
    assert "- disclosure rule: NHS England: 1-7 suppressed, others rounded to 5" in card
    assert "- k_anonymity:\n  - k: 12" in card
    assert "| horizon | 12 |" in card
    assert "Historical demand records council practice as well as need" in card


def test_card_with_nothing_passed_in_says_not_available_instead_of_failing():
    card = model_card(metrics=None, fairness=None, gates=None, privacy=None, config=None, data_summary=None)
    for heading in TIER_2_HEADINGS:
        assert heading in card
    assert f"### Performance by level\n\nRolling-origin backtest.\n\n{NOT_AVAILABLE}" in card
    assert f"Fairness gates: {NOT_AVAILABLE}." in card
    assert f"### Privacy measures\n\n{NOT_AVAILABLE}" in card
    assert "<contact email or team to be set by the council>" in card


def test_card_accepts_the_json_forms_of_the_fairness_report_and_gates():
    card = model_card(
        metrics=METRICS,
        fairness=FAIRNESS.to_dict(),
        gates={"passed": True, "failures": [], "checks": []},
        privacy=PRIVACY,
        config={"horizon": 6},
        data_summary=DATA,
    )
    assert "| imd_quintile | 1 | caseload | ok | 14 | 2.35 | 15.7% (14.1% to 17.2%)" in card
    assert "Fairness gates: **passed**." in card
    assert "| horizon | 6 |" in card


def test_card_lists_the_strongest_proxies_of_each_target():
    proxies = pd.DataFrame(
        {
            "target": ["minority_ethnic_share"] * 2,
            "feature": ["mean_starts_children", "pop_65_plus"],
            "rank": [1, 2],
            "correlation": [0.612, -0.55],
            "r2_linear": [0.71, 0.71],
            "r2_forest": [0.64, 0.64],
        }
    )
    card = model_card(
        metrics=None, fairness=None, gates=None, privacy=None, config=None, data_summary=None, proxies=proxies
    )
    assert "| minority_ethnic_share | 1 | mean_starts_children | 0.61 | 0.71 | 0.64 |" in card
