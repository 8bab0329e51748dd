"""Interval floors: never narrower than the noise the records give, and untouched where they give none."""

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ACTUAL, CUTOFF, HORIZON_STEP, MEAN, MONTH, SERIES_ID
from demandcast.features.caseload_paths import ORIGIN, VARIANCE
from demandcast.models.interval_calibration import calibrated_intervals
from demandcast.models.noise_floor import NOISE_SD, noise_floor, with_noise_floor

MONTHS = pd.date_range("2024-04-01", periods=2, freq="MS")
Z_80 = NormalDist().inv_cdf(0.9)


def _forecasts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            SERIES_ID: ["a", "a", "b", "b"],
            MONTH: list(MONTHS) * 2,
            MEAN: [100.0, 100.0, 5.0, 5.0],
            "lo_80": [99.0, 90.0, 4.0, 4.0],
            "hi_80": [101.0, 110.0, 6.0, 6.0],
        }
    )


def test_intervals_are_widened_to_the_noise_and_no_further():
    floor = pd.DataFrame(
        {SERIES_ID: ["a", "a", "b"], MONTH: list(MONTHS) + [MONTHS[0]], NOISE_SD: [4.0, 4.0, 10.0]}
    )
    out = with_noise_floor(_forecasts(), floor, (80,))
    half = Z_80 * 4.0
    # a, month 1: 99-101 is narrower than +/- 5.13, so it widens; month 2: 90-110 is wider, so it stays
    assert out["lo_80"].tolist()[:2] == pytest.approx([100 - half, 90.0])
    assert out["hi_80"].tolist()[:2] == pytest.approx([100 + half, 110.0])
    # b, month 1: the floor's lower bound would be negative, so it stops at zero; month 2 has no floor
    assert out["lo_80"].tolist()[2:] == pytest.approx([0.0, 4.0])
    assert out["hi_80"].tolist()[2:] == pytest.approx([5.0 + Z_80 * 10.0, 6.0])


def test_a_whole_floor_replaces_the_intervals_it_names_narrower_or_wider():
    floor = pd.DataFrame({SERIES_ID: ["a", "a"], MONTH: list(MONTHS), NOISE_SD: [4.0, 4.0]})
    out = with_noise_floor(_forecasts().assign(**{HORIZON_STEP: [1, 2, 1, 2]}), floor, (80,), whole_through=2)
    half = Z_80 * 4.0
    # a: month 1 (99-101) widens and month 2 (90-110) narrows to the same +/- 5.13; b has no floor
    assert out["lo_80"].tolist() == pytest.approx([100 - half, 100 - half, 4.0, 4.0])
    assert out["hi_80"].tolist() == pytest.approx([100 + half, 100 + half, 6.0, 6.0])


def test_beyond_the_whole_steps_the_floor_only_widens():
    floor = pd.DataFrame({SERIES_ID: ["a", "a"], MONTH: list(MONTHS), NOISE_SD: [4.0, 4.0]})
    out = with_noise_floor(_forecasts().assign(**{HORIZON_STEP: [1, 2, 1, 2]}), floor, (80,), whole_through=1)
    half = Z_80 * 4.0
    # a: step 1 (99-101) is replaced by the noise's band; step 2 (90-110) is wider than it, so it stays
    assert out["lo_80"].tolist() == pytest.approx([100 - half, 90.0, 4.0, 4.0])
    assert out["hi_80"].tolist() == pytest.approx([100 + half, 110.0, 6.0, 6.0])


def test_no_floor_leaves_the_intervals_and_the_input_unchanged():
    forecasts = _forecasts()
    before = forecasts.copy()
    pd.testing.assert_frame_equal(with_noise_floor(forecasts, None, (80,)), before)
    with_noise_floor(forecasts, pd.DataFrame({SERIES_ID: ["a"], MONTH: [MONTHS[0]], NOISE_SD: [50.0]}), (80,))
    pd.testing.assert_frame_equal(forecasts, before)


def test_the_floor_keys_each_paths_node_to_its_series_and_takes_the_square_root():
    paths = pd.DataFrame(
        {
            ORIGIN: pd.Timestamp("2024-03-01"),
            "area": "C1",
            "client_group": ["older_people", "all"],
            "service": ["home_care", "all"],
            MONTH: MONTHS[0],
            MEAN: [50.0, 80.0],
            VARIANCE: [9.0, 16.0],
        }
    )
    nodes = pd.DataFrame(
        {
            "level": ["council/service", "council/all", "ward/all"],
            "area_level": ["council", "council", "ward"],
            "area": ["C1", "C1", "C1"],
            "client_group": ["older_people", "all", "all"],
            "service": ["home_care", "all", "all"],
            SERIES_ID: ["c-oh", "c-all", "w-all"],
        }
    )
    floor = noise_floor(paths, nodes, "council").sort_values(SERIES_ID, ignore_index=True)
    assert floor[SERIES_ID].tolist() == ["c-all", "c-oh"]
    assert floor[NOISE_SD].tolist() == [4.0, 3.0]
    assert (floor[CUTOFF] == pd.Timestamp("2024-03-01")).all()


def test_levels_of_more_series_than_the_limit_get_no_floor():
    paths = pd.DataFrame(
        {
            ORIGIN: pd.Timestamp("2024-03-01"),
            "area": "C1",
            "client_group": "older_people",
            "service": [f"s{i}" for i in range(3)] + ["all"],
            MONTH: MONTHS[0],
            MEAN: 50.0,
            VARIANCE: 9.0,
        }
    )
    nodes = pd.DataFrame(
        {
            "level": ["council/service"] * 3 + ["council/client_group"],
            "area_level": "council",
            "area": "C1",
            "client_group": "older_people",
            "service": [f"s{i}" for i in range(3)] + ["all"],
            SERIES_ID: ["s0", "s1", "s2", "older"],
        }
    )
    assert noise_floor(paths, nodes, "council", max_series=2)[SERIES_ID].tolist() == ["older"]
    assert len(noise_floor(paths, nodes, "council", max_series=3)) == 4


def _council_backtest() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    cutoffs = pd.to_datetime(["2023-03-01", "2023-09-01", "2024-03-01"])
    rows = []
    for cutoff in cutoffs:
        for step in range(1, 13):
            actual = 1000 + rng.normal(0, 30)
            rows.append(
                {
                    "level": "council/all",
                    SERIES_ID: "c-all",
                    CUTOFF: cutoff,
                    MONTH: cutoff + pd.DateOffset(months=step),
                    HORIZON_STEP: step,
                    ACTUAL: actual,
                    "reconciled": 1000.0 + rng.normal(0, 1),
                }
            )
    return pd.DataFrame(rows)


def test_held_out_coverage_is_scored_on_the_floored_intervals():
    backtest = _council_backtest()
    floor = backtest[[SERIES_ID, CUTOFF, MONTH]].assign(**{NOISE_SD: 1000.0})
    _, plain, _ = calibrated_intervals(backtest, (80,), column="reconciled")
    _, floored, held_out = calibrated_intervals(backtest, (80,), column="reconciled", floor=floor)
    assert floored["council/all"]["coverage_80"] == 1.0
    assert floored["council/all"]["width_80"] > plain["council/all"]["width_80"]
    assert (held_out["hi_80"] - held_out["lo_80"]).min() >= Z_80 * 1000.0


def test_a_whole_floor_gives_the_held_out_intervals_and_their_coverage_alone():
    backtest = _council_backtest()  # errors of sd 30 around the forecast
    floor = backtest[[SERIES_ID, CUTOFF, MONTH]].assign(**{NOISE_SD: 3.0})
    _, widened, _ = calibrated_intervals(backtest, (80,), column="reconciled", floor=floor)
    _, whole, held_out = calibrated_intervals(
        backtest, (80,), column="reconciled", floor=floor, floor_is_whole=True
    )
    np.testing.assert_allclose(held_out["hi_80"] - held_out["lo_80"], 2 * Z_80 * 3.0)
    assert whole["council/all"]["coverage_80"] < 0.3 < widened["council/all"]["coverage_80"]
