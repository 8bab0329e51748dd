"""Choosing the reconciliation method on a backtest: every method's column, the kept one, no leakage."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ACTUAL, AREA, CLIENT_GROUP, CUTOFF, MEAN, MONTH, SERIES_ID, SERVICE, VALUE
from demandcast.models.hierarchy import build_hierarchy, level_series
from demandcast.models.reconcile import METHODS
from demandcast.models.reconciliation_choice import _residuals_outside, choose_reconciliation
from demandcast.models.selection import CHOSEN, RECONCILED

AREAS = pd.DataFrame({AREA: ["w1", "w2", "w3"], "district": ["d1", "d1", "d2"], "council": ["c", "c", "c"]})
PAIRS = [("older_people", "home_care"), ("older_people", "nursing"), ("children", "kinship")]
MONTHS = pd.date_range("2021-01-01", periods=48, freq="MS")


def _panel(rng) -> pd.DataFrame:
    rows = [
        (a, g, s, m, "caseload", float(rng.poisson(20 + 5 * i)))
        for i, (a, (g, s)) in enumerate((a, p) for a in AREAS[AREA] for p in PAIRS)
        for m in MONTHS
    ]
    return pd.DataFrame(rows, columns=[AREA, CLIENT_GROUP, SERVICE, MONTH, "measure", VALUE])


def _backtest(by_level, rng) -> pd.DataFrame:
    """Three 12-month origins 6 months apart; the base forecast is the truth with noise."""
    frames = []
    for level, y in by_level.items():
        for cutoff in MONTHS[[-25, -19, -13]]:
            window = y[(y[MONTH] > cutoff) & (y[MONTH] <= cutoff + pd.DateOffset(months=12))]
            noisy = window[VALUE] * rng.normal(1.0, 0.05, len(window))
            frames.append(
                window[[SERIES_ID, MONTH]].assign(
                    level=level,
                    **{CUTOFF: cutoff, ACTUAL: window[VALUE].to_numpy(), CHOSEN: noisy.to_numpy()},
                )
            )
    return pd.concat(frames, ignore_index=True)


def test_every_method_gets_a_column_and_the_kept_one_is_the_reconciled_column():
    backtest, by_level, hierarchy, residuals = _inputs(0)
    out, method, decision, scores = choose_reconciliation(
        backtest, by_level, hierarchy, residuals, methods=METHODS, freq="MS", max_loss=0.5
    )
    assert method in METHODS and decision["method"] == method
    assert set(scores) == set(by_level)
    for m in METHODS:
        assert out[f"{RECONCILED}_{m}"].notna().all()
    np.testing.assert_array_equal(out[RECONCILED], out[f"{RECONCILED}_{method}"])
    assert len(out) == len(backtest)


def test_residuals_of_a_window_are_left_out_when_enough_remain():
    months = pd.Series(MONTHS[-12:])
    residuals = pd.DataFrame({SERIES_ID: "x", MONTH: MONTHS, ACTUAL: 1.0, MEAN: 1.0})
    kept = _residuals_outside(residuals, months)
    assert not kept[MONTH].isin(months).any()
    assert len(kept) == 36
    short = residuals[residuals[MONTH] >= MONTHS[-20]]  # 8 months outside the window: too few
    assert len(_residuals_outside(short, months)) == len(short)


def _inputs(seed):
    """A backtest of the chosen forecasts, its level series, hierarchy and residuals."""
    rng = np.random.default_rng(seed)
    panel = _panel(rng)
    hierarchy = build_hierarchy(panel, AREAS)
    by_level = level_series(panel, hierarchy)
    backtest = _backtest(by_level, rng)
    residuals = backtest.groupby([SERIES_ID, MONTH], as_index=False).last()
    residuals = residuals[[SERIES_ID, MONTH, ACTUAL]].assign(**{MEAN: residuals[CHOSEN].to_numpy()})
    return backtest, by_level, hierarchy, residuals


def test_a_kept_method_is_kept_whatever_the_backtest_chooses_and_the_choice_is_recorded():
    inputs = _inputs(0)
    _, chosen, chosen_decision, _ = choose_reconciliation(*inputs, methods=METHODS, freq="MS", max_loss=0.5)
    kept = next(m for m in METHODS if m != chosen)

    out, method, decision, _ = choose_reconciliation(
        *inputs, methods=METHODS, freq="MS", max_loss=0.5, kept=kept
    )

    assert method == kept and decision["method"] == kept
    assert chosen_decision["reason"] in decision["reason"]
    np.testing.assert_array_equal(out[RECONCILED], out[f"{RECONCILED}_{kept}"])


def test_a_kept_method_that_is_not_compared_is_refused():
    with pytest.raises(ValueError, match="kept reconciliation method 'median'"):
        choose_reconciliation(*_inputs(1), methods=METHODS, freq="MS", max_loss=0.5, kept="median")
