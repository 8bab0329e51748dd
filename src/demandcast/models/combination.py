"""Forecast combination: the mean of the best few candidates, ranked without look-ahead.

Where a level has one series and three origins, picking one model by its backtest MASE is noisy;
the mean of the best few is a hedge that rarely loses much to the best (the M4 lesson). In the
backtest, the members for an origin are ranked on the earlier origins only (the first origin,
with nothing earlier, averages every candidate), so the combination is scored as it would have
been used. The final combination is ranked on every origin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Self

import pandas as pd
from sklearn.base import clone

from demandcast.columns import CUTOFF, MEAN, MONTH, SERIES_ID
from demandcast.errors import InputError
from demandcast.models.base import Forecaster

COMBINATION = "combination"


def best_members(scores: pd.DataFrame, candidates: Sequence[str], k: int) -> list[str]:
    """The `k` candidates with the lowest MASE (ties: the earlier), in candidate order.

    Args:
        scores: one row per model name (index) with a `mase` column.
    """
    mase = scores.loc[list(candidates), "mase"].astype(float).dropna()
    ranked = sorted(mase.index, key=lambda name: (mase[name], list(candidates).index(name)))
    kept = set(ranked[:k]) or set(candidates)
    return [name for name in candidates if name in kept]


def combination_column(
    backtest: pd.DataFrame,
    candidates: Sequence[str],
    k: int,
    score: Callable[[pd.DataFrame, list[str]], pd.DataFrame],
) -> pd.Series:
    """The combination's backtest forecast: per origin, the mean of the best `k` on earlier origins.

    Args:
        backtest: one level's backtest (columns cutoff and one per candidate).
        score: frame of some origins -> level_scores of the given columns on them.

    Returns:
        A series aligned with `backtest`'s index.
    """
    out = pd.Series(float("nan"), index=backtest.index)
    cutoffs = sorted(backtest[CUTOFF].unique())
    for i, cutoff in enumerate(cutoffs):
        earlier = backtest[backtest[CUTOFF].isin(cutoffs[:i])]
        members = best_members(score(earlier, list(candidates)), candidates, k) if i else list(candidates)
        rows = backtest[CUTOFF] == cutoff
        out[rows] = backtest.loc[rows, members].mean(axis=1)
    return out


class MeanForecaster(Forecaster):
    """The mean of several forecasters' point forecasts, series by series.

    Args:
        members: (name, unfitted forecaster) pairs; each is cloned and fitted on the same `y`.
    """

    def __init__(self, members: Sequence[tuple[str, Forecaster]] = ()):
        self.members = members

    def fit(self, y: pd.DataFrame) -> Self:
        """Fit every member on `y` (whatever columns the members need)."""
        if not self.members:
            raise InputError("MeanForecaster needs at least one member")
        self.members_ = [(name, clone(model).fit(y)) for name, model in self.members]
        return self

    def predict(self, h: int) -> pd.DataFrame:
        """Columns unique_id, month, mean: the members' mean forecast."""
        if not hasattr(self, "members_"):
            raise InputError("MeanForecaster is not fitted; call fit first")
        frames = [model.predict(h) for _, model in self.members_]
        stacked = pd.concat(frames, ignore_index=True)
        means = stacked.groupby([SERIES_ID, MONTH], sort=False)[MEAN].mean()
        return frames[0][[SERIES_ID, MONTH]].merge(means.reset_index(), on=[SERIES_ID, MONTH], how="left")
