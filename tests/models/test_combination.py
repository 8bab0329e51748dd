"""Forecast combination: members ranked on earlier origins only; the final mean of fitted members."""

import pandas as pd
import pytest

from demandcast.columns import ACTUAL, CUTOFF, MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.baselines import MeanOfLastYear, SeasonalNaive
from demandcast.models.combination import MeanForecaster, best_members, combination_column


def _scores(**mase) -> pd.DataFrame:
    return pd.DataFrame({"mase": mase})


def test_best_members_keeps_the_k_lowest_in_candidate_order():
    scores = _scores(a=0.9, b=0.5, c=0.7, d=1.2)
    assert best_members(scores, ["a", "b", "c", "d"], 2) == ["b", "c"]


def test_best_members_breaks_ties_towards_the_earlier_candidate():
    assert best_members(_scores(a=0.5, b=0.5, c=0.5), ["a", "b", "c"], 1) == ["a"]


def _backtest() -> pd.DataFrame:
    """Two origins of one series: model a is exact on the first origin, b is off by 4."""
    cutoffs = pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-02-01"])
    return pd.DataFrame(
        {
            SERIES_ID: "s",
            CUTOFF: cutoffs,
            MONTH: pd.to_datetime(["2024-02-01", "2024-03-01", "2024-03-01", "2024-04-01"]),
            ACTUAL: [10.0, 10.0, 10.0, 10.0],
            "a": [10.0, 10.0, 20.0, 20.0],
            "b": [14.0, 14.0, 30.0, 30.0],
        }
    )


def _mean_abs_error(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"mase": {c: (frame[c] - frame[ACTUAL]).abs().mean() for c in columns}})


def test_first_origin_averages_every_candidate_later_ones_the_best_on_earlier_origins():
    combined = combination_column(_backtest(), ["a", "b"], 1, _mean_abs_error)
    # origin 1: nothing earlier, mean of a and b; origin 2: a was best on origin 1 (its own
    # worse error on origin 2 is not looked at)
    assert combined.tolist() == [12.0, 12.0, 20.0, 20.0]


def _series() -> pd.DataFrame:
    months = pd.date_range("2021-01-01", periods=24, freq="MS")
    return pd.DataFrame({SERIES_ID: "s", MONTH: months, VALUE: [float(i % 12) for i in range(24)] * 1})


def test_mean_forecaster_averages_its_members():
    y = _series()
    members = [("naive", SeasonalNaive()), ("mean", MeanOfLastYear())]
    combined = MeanForecaster(members).fit(y).predict(3)
    naive, mean = SeasonalNaive().fit(y).predict(3), MeanOfLastYear().fit(y).predict(3)
    assert combined[MEAN].tolist() == pytest.approx(((naive[MEAN] + mean[MEAN]) / 2).tolist())
    assert combined[MONTH].tolist() == naive[MONTH].tolist()


def test_mean_forecaster_needs_members_and_a_fit():
    with pytest.raises(InputError, match="at least one member"):
        MeanForecaster().fit(_series())
    with pytest.raises(InputError, match="not fitted"):
        MeanForecaster([("naive", SeasonalNaive())]).predict(3)
