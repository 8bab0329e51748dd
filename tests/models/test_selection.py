import numpy as np
import pandas as pd

from demandcast.models.selection import choose


def _scores(**mase: float) -> pd.DataFrame:
    return pd.DataFrame({"mase": mase})


def test_the_lowest_backtest_mase_is_chosen_and_ties_go_to_the_earlier_candidate():
    scores = _scores(seasonal_naive=1.0, ets=0.8, prophet=0.8, combination=0.9)

    assert choose(scores, ["seasonal_naive", "ets", "prophet", "combination"]) == "ets"
    assert choose(scores, ["seasonal_naive", "prophet", "ets", "combination"]) == "prophet"


def test_a_baseline_is_not_chosen_over_a_fitted_model_even_with_the_lower_backtest_mase():
    scores = _scores(seasonal_naive=0.6, mean_of_last_year=0.65, ets=0.9, sarimax=0.8, combination=0.7)

    assert choose(scores, ["seasonal_naive", "mean_of_last_year", "ets", "sarimax"]) == "sarimax"
    assert choose(scores, ["seasonal_naive", "mean_of_last_year", "ets", "sarimax", "combination"]) == (
        "combination"
    )


def test_the_baselines_are_chosen_where_no_fitted_model_runs_or_has_a_score():
    only_baselines = _scores(seasonal_naive=0.9, mean_of_last_year=0.7, combination=0.6)
    assert choose(only_baselines, ["seasonal_naive", "mean_of_last_year", "combination"]) == "combination"
    assert choose(only_baselines, ["seasonal_naive", "mean_of_last_year"]) == "mean_of_last_year"

    unscored = _scores(seasonal_naive=0.9, mean_of_last_year=0.7, ets=np.nan)
    assert choose(unscored, ["seasonal_naive", "mean_of_last_year", "ets"]) == "mean_of_last_year"

    nothing_scored = _scores(seasonal_naive=np.nan, ets=np.nan)
    assert choose(nothing_scored, ["seasonal_naive", "ets"]) == "seasonal_naive"
