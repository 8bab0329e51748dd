"""The reconciliation rule: no-worse everywhere first, then a capped geometric mean, ties by worst loss."""

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


def test_a_near_tie_on_the_geometric_mean_goes_to_the_smaller_worst_loss():
    scores = _scores(
        BASE,
        lopsided={"bottom": 0.84, "top": 1.2},  # geometric mean 1.0040 (the best), worst 1.2
        even={"bottom": 0.97, "top": 1.05},  # geometric mean 1.0092 (within 1%), worst 1.05
        far={"bottom": 0.9, "top": 1.2},  # geometric mean 1.039: not a tie
    )
    assert method_decision(scores, ("lopsided", "far", "even"), tie=0.01)[0] == "even"
    scores = _scores(BASE, lopsided={"bottom": 0.8, "top": 1.2}, even={"bottom": 1.0, "top": 1.05})
    # geometric means 0.980 and 1.025: 4.6% apart, no tie, the better mean wins despite its worst loss
    assert method_decision(scores, ("even", "lopsided"), tie=0.01)[0] == "lopsided"
