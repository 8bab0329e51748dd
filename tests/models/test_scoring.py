"""The reconciliation rule: no-worse first, then a capped geometric mean, one-SE ties by worst loss."""

import pandas as pd
import pytest

from demandcast.models.scoring import method_decision


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
