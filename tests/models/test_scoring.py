"""Backtest scores per level, and the reconciliation rule: no-worse first, then a capped geometric
mean, one-SE ties by worst loss."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ACTUAL, CUTOFF, MONTH, SERIES_ID, VALUE
from demandcast.models.scoring import level_scores, method_decision, scaled_scores, with_scales

MONTHS = pd.date_range("2020-01-01", periods=48, freq="MS")


def test_level_scores_of_a_trend_forecast_six_off_either_way():
    history = pd.DataFrame({SERIES_ID: "a", MONTH: MONTHS[:36], VALUE: np.arange(36.0)})
    window = MONTHS[24:36]  # seasonal-naive errors up to the cutoff are all 12: the scale is 12
    actual = np.arange(24.0, 36.0)
    forecast = actual + np.tile([6.0, -6.0], 6)
    backtest = pd.DataFrame(
        {SERIES_ID: "a", CUTOFF: MONTHS[23], MONTH: window, ACTUAL: actual, "f": forecast}
    )
    scores = level_scores(backtest, history, ["f"], "MS").loc["f"]
    assert scores["mase"] == pytest.approx(0.5)
    assert scores["wape"] == pytest.approx(72 / actual.sum())
    assert scores["bias"] == pytest.approx(0.0)


def test_one_origin_scored_with_the_scales_of_every_origin_equals_that_origin_scored_alone():
    rng = np.random.default_rng(0)
    values = {"a": rng.poisson(20, 48), "b": rng.poisson(5, 48), "flat": np.full(48, 3)}  # flat: no scale
    history = pd.concat(
        pd.DataFrame({SERIES_ID: key, MONTH: MONTHS, VALUE: v.astype(float)}) for key, v in values.items()
    )
    frames = []
    for cutoff in MONTHS[[-25, -19, -13]]:
        window = history[(history[MONTH] > cutoff) & (history[MONTH] <= cutoff + pd.DateOffset(months=12))]
        frames.append(
            window[[SERIES_ID, MONTH]].assign(
                **{CUTOFF: cutoff, ACTUAL: window[VALUE].to_numpy()},
                f=window[VALUE].to_numpy() * rng.normal(1, 0.1, len(window)),
                g=window[VALUE].to_numpy() + rng.normal(0, 2, len(window)),
            )
        )
    backtest = pd.concat(frames, ignore_index=True)
    scaled = with_scales(backtest, history, "MS")
    for cutoff, window in backtest.groupby(CUTOFF):
        alone = level_scores(window, history, ["f", "g"], "MS")
        from_all = scaled_scores(scaled[scaled[CUTOFF] == cutoff], ["f", "g"])
        pd.testing.assert_frame_equal(from_all, alone, check_exact=True)
        assert alone.notna().all().all()


def _scores(base: dict[str, float], **methods: dict[str, float]) -> dict[str, pd.DataFrame]:
    """level -> frame with the base (`chosen`) MASE and each method's reconciled MASE."""
    return {
        level: pd.DataFrame(
            {"mase": {"chosen": mase, **{f"reconciled_{m}": v[level] for m, v in methods.items()}}}
        )
        for level, mase in base.items()
    }


BASE = {"bottom": 1.0, "top": 1.0}


def test_a_method_no_worse_anywhere_wins_even_if_another_has_a_better_mean():
    scores = _scores(BASE, safe={"bottom": 0.99, "top": 1.0}, bold={"bottom": 0.5, "top": 1.1})
    method, decision = method_decision(scores, ("bold", "safe"))
    assert method == "safe"
    assert "no worse" in decision["reason"]


def test_without_a_no_worse_method_the_best_geometric_mean_within_the_cap_wins():
    scores = _scores(
        BASE,
        steady={"bottom": 1.05, "top": 1.05},  # geometric mean 1.05, worst 1.05
        traded={"bottom": 0.8, "top": 1.2},  # geometric mean 0.98, worst 1.2
        reckless={"bottom": 0.4, "top": 2.0},  # geometric mean 0.89, worst 2.0: over the cap
    )
    method, decision = method_decision(scores, ("steady", "traded", "reckless"), max_loss=0.5)
    assert method == "traded"
    assert decision["geometric_mean"]["traded"] == pytest.approx((0.8 * 1.2) ** 0.5)


def test_when_every_method_breaks_the_cap_the_smallest_worst_loss_wins():
    scores = _scores(BASE, a={"bottom": 0.5, "top": 1.9}, b={"bottom": 1.0, "top": 1.7})
    method, _ = method_decision(scores, ("a", "b"), max_loss=0.5)
    assert method == "b"


def _origins(*per_origin: dict[str, dict[str, float]]) -> dict[int, dict[str, pd.DataFrame]]:
    """origin -> scores, each origin's methods given as {method: {level: mase}} against BASE."""
    return {origin: _scores(BASE, **methods) for origin, methods in enumerate(per_origin)}


def test_within_one_standard_error_of_the_best_the_smaller_worst_loss_wins():
    # overall: lopsided geometric mean 0.980 (best), worst 1.2; even 1.025, worst 1.05
    scores = _scores(BASE, lopsided={"bottom": 0.8, "top": 1.2}, even={"bottom": 1.0, "top": 1.05})
    # noisy origins: the gap between the two swings from one origin to the next -> a tie
    noisy = _origins(
        {"lopsided": {"bottom": 0.6, "top": 1.2}, "even": {"bottom": 1.0, "top": 1.05}},
        {"lopsided": {"bottom": 1.0, "top": 1.2}, "even": {"bottom": 1.0, "top": 1.05}},
        {"lopsided": {"bottom": 0.8, "top": 1.2}, "even": {"bottom": 1.0, "top": 1.05}},
    )
    method, decision = method_decision(scores, ("lopsided", "even"), origin_scores=noisy)
    assert method == "even"
    assert sorted(decision["equals"]) == ["even", "lopsided"]
    assert "one standard error" in decision["reason"]
    # steady origins: the same gap every time -> no tie, the better geometric mean wins
    steady = _origins(*[{"lopsided": {"bottom": 0.8, "top": 1.2}, "even": {"bottom": 1.0, "top": 1.05}}] * 3)
    assert method_decision(scores, ("lopsided", "even"), origin_scores=steady)[0] == "lopsided"
    # without per-origin scores there are no ties
    assert method_decision(scores, ("lopsided", "even"))[0] == "lopsided"
