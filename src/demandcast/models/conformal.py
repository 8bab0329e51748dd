"""Split-conformal prediction intervals from backtest residuals, per horizon step and scaled per series.

For each series the scale is its model's mean absolute backtest error, so a large ward gets
wider intervals than a small one. Scaled signed residuals (actual - forecast) / scale are pooled
over series and cutoffs for each horizon step; their lower and upper quantiles (with the
finite-sample correction) give the interval around a new forecast: mean + q x scale.
Intervals never narrow as the horizon grows: each bound's per-step quantiles are fitted by isotonic
regression over the steps (scikit-learn), not by a running maximum, which on errors that do not grow
with the horizon (a flow such as starts) ratchets up with every noisy step (benchmarks/holdout.md,
decision 31). Beyond the backtest's last step they keep widening as the errors' spread grew over its
second half, from not at all (a flow) through the root of the step (a random walk) to in proportion to
it (a trend learnt wrong; benchmarks/holdout.md, decisions 40 and 42). They are clipped at a lower
bound (0 for counts and costs).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from typing import Self, TypeVar

import numpy as np
import pandas as pd
from sklearn.isotonic import isotonic_regression

from demandcast.columns import ACTUAL, CUTOFF, HORIZON_STEP, MEAN, MONTH, SERIES_ID
from demandcast.errors import InputError
from demandcast.models.effective_sample import effective_sample_size

FLOW_GROWTH = 0.0
"""How a flow's errors grow with the horizon step: not at all, each month's arrivals new."""
RANDOM_WALK_GROWTH = 0.5
"""How a random walk's errors grow: as the root of the step."""

ArrayLike = TypeVar("ArrayLike", pd.Series, np.ndarray)


def interval_columns(level: int) -> tuple[str, str]:
    """The (lower, upper) column names of a level, e.g. ("lo_80", "hi_80")."""
    return f"lo_{level}", f"hi_{level}"


def stretched(lower: ArrayLike, upper: ArrayLike, factor: float) -> tuple[ArrayLike, ArrayLike]:
    """Bounds `factor` times as far apart about their centre (closer to it for a factor below 1).

    About the centre, not the forecast: an interval learnt from errors of one sign lies wholly on
    one side of the forecast, and stretching it about the forecast would move its nearer bound the
    wrong way, so a wider interval could cover less (benchmarks/holdout.md, decision 45).
    """
    centre, half = (lower + upper) / 2, (upper - lower) / 2
    return centre - factor * half, centre + factor * half


FrameLike = TypeVar("FrameLike", bound=pd.DataFrame)


def nested(bounds: FrameLike, levels: Sequence[int]) -> FrameLike:
    """A copy of `bounds` (lo_/hi_ columns of each level) whose wider levels contain the narrower ones.

    Each level is stretched by its own factor (models.interval_calibration), so a narrowed 95%
    interval could otherwise end inside a widened 80% one.
    """
    out = bounds.copy()
    for narrower, wider in itertools.pairwise(sorted(levels)):
        (lo_in, hi_in), (lo_out, hi_out) = interval_columns(narrower), interval_columns(wider)
        out[lo_out] = np.minimum(out[lo_out], out[lo_in])
        out[hi_out] = np.maximum(out[hi_out], out[hi_in])
    return out


class ConformalIntervals:
    """Calibrates interval quantiles on a backtest and adds interval columns to forecasts.

    Args:
        levels: nominal coverages in percent.
        keys: the columns that identify a series, in both the backtest and the forecasts.
        lower_bound: intervals are clipped below at this value; None leaves them unclipped.
        min_per_step: a step with fewer residuals borrows those of the nearest steps (rescaled by
            `borrowed_growth`) until it has this many; with one series and three origins a step
            alone has three residuals, whose extremes would serve as both the 80% and the 95% bounds.
        borrowed_growth: a residual borrowed from step u for step t is rescaled by (t / u)^g: 1/2
            for errors that grow as a random walk's, near 0 for a flow's, whose errors do not grow
            with the step (interval_calibration.borrowed_growth picks 0 or 1/2 from how the
            errors grow on a level of many series; benchmarks/holdout.md, decision 55).
    """

    def __init__(
        self,
        levels: Sequence[int] = (80, 95),
        keys: Sequence[str] = (SERIES_ID,),
        lower_bound: float | None = 0.0,
        min_per_step: int = 40,
        borrowed_growth: float = RANDOM_WALK_GROWTH,
    ):
        self.levels = levels
        self.keys = keys
        self.lower_bound = lower_bound
        self.min_per_step = min_per_step
        self.borrowed_growth = borrowed_growth

    def fit(self, backtest: pd.DataFrame, model_column: str) -> Self:
        """Learn per-series scales and per-step quantiles from a backtest.

        Args:
            backtest: the keys, horizon_step, actual and `model_column` (rolling_origin_backtest's output),
                and cutoff, whose origins make `effective_size_` (models.effective_sample) of the scores.
            model_column: the forecast column whose residuals calibrate the intervals.
        """
        if any(not isinstance(level, int) or not 0 < level < 100 for level in self.levels):
            raise InputError(f"levels must be whole percentages between 1 and 99, got {list(self.levels)}")
        if self.min_per_step < 1:
            raise InputError(f"min_per_step must be at least 1, got {self.min_per_step}")
        if not 0 <= self.borrowed_growth <= 1:
            raise InputError(f"borrowed_growth must be between 0 and 1, got {self.borrowed_growth}")
        scored = backtest.dropna(subset=[ACTUAL, model_column])
        if scored.empty:
            raise InputError(f"backtest has no rows with both {ACTUAL!r} and {model_column!r}")
        residual = scored[ACTUAL] - scored[model_column]
        keys = list(self.keys)
        self.scales_ = residual.abs().groupby([scored[k] for k in keys]).mean().rename("scale")
        self.relative_scale_ = float(residual.abs().sum() / max(scored[ACTUAL].abs().sum(), 1e-12))
        scale = scored[keys].merge(self.scales_.reset_index(), on=keys, how="left")["scale"].to_numpy()
        scores = pd.Series(np.divide(residual.to_numpy(), scale, out=np.zeros(len(scale)), where=scale > 0))
        steps = scored[HORIZON_STEP].to_numpy()
        origins = scored[CUTOFF].to_numpy() if CUTOFF in scored else np.zeros(len(scored))
        self.effective_size_ = effective_sample_size(scores.to_numpy(), origins)
        self.quantiles_ = _monotone(self._raw_step_quantiles(scores.to_numpy(), steps))
        self.growth_ = _growth_beyond(self._step_spread(residual.to_numpy(), steps))
        return self

    def apply(self, forecasts: pd.DataFrame) -> pd.DataFrame:
        """A copy of `forecasts` (the keys, month, mean) with lo_/hi_ columns for each level.

        The horizon step is the forecasts' horizon_step column if present, else each series'
        month rank. Steps beyond the last calibrated one, s, use its quantiles times (step / s)^b
        (`growth_`; flat for intervals fitted before it); series absent from the backtest are scaled
        by the pooled relative error times their mean forecast.
        """
        if not hasattr(self, "quantiles_"):
            raise InputError("ConformalIntervals is not fitted; call fit first")
        keys = list(self.keys)
        out = forecasts.copy()
        steps = out[HORIZON_STEP] if HORIZON_STEP in out else out.groupby(keys)[MONTH].rank(method="dense")
        steps = steps.to_numpy(dtype=int)
        last = self.last_step
        quantiles = self.quantiles_.reindex(np.minimum(steps, last)).to_numpy()
        growth = getattr(self, "growth_", 0.0)  # models saved before it: flat beyond the last step
        quantiles = quantiles * ((np.maximum(steps, last) / last) ** growth)[:, None]
        scale = self._series_scale(out)
        for i, level in enumerate(self.levels):
            lo, hi = out[MEAN] + quantiles[:, 2 * i] * scale, out[MEAN] + quantiles[:, 2 * i + 1] * scale
            if self.lower_bound is not None:
                lo, hi = lo.clip(lower=self.lower_bound), hi.clip(lower=self.lower_bound)
            out[interval_columns(level)[0]], out[interval_columns(level)[1]] = lo, hi
        return out

    @property
    def last_step(self) -> int:
        """The last horizon step the backtest calibrated; later steps' bounds are extrapolated."""
        return int(self.quantiles_.index.max())

    def widened(self, factors: dict[int, float]) -> ConformalIntervals:
        """A copy whose intervals of each level are `factors[level]` times as wide, about their centre,
        the wider levels containing the narrower (`nested`)."""
        out = copy.copy(self)
        out.quantiles_ = self.quantiles_.copy()
        for level, factor in factors.items():
            lo, hi = interval_columns(level)
            out.quantiles_[lo], out.quantiles_[hi] = stretched(out.quantiles_[lo], out.quantiles_[hi], factor)
        out.quantiles_ = nested(out.quantiles_, self.levels)
        return out

    def _raw_step_quantiles(self, scores: np.ndarray, steps: np.ndarray) -> pd.DataFrame:
        """Per step, the lower and upper score quantile of each level and the pool's size (`_weight`)."""
        unique, pools = self._step_pools(scores, steps)
        columns = {}
        for level in self.levels:
            alpha = 1 - level / 100
            lo_name, hi_name = interval_columns(level)
            columns[lo_name] = [_conformal_quantile(pool, alpha / 2, lower=True) for pool in pools]
            columns[hi_name] = [_conformal_quantile(pool, 1 - alpha / 2) for pool in pools]
        columns[_WEIGHT] = [len(pool) for pool in pools]
        return pd.DataFrame(columns, index=pd.Index(unique, name=HORIZON_STEP))

    def _step_spread(self, residuals: np.ndarray, steps: np.ndarray) -> pd.Series:
        """Per step, the mean absolute residual, pooled over near steps as the scores are.

        Residuals, not the scores: a series' scale is its mean absolute residual over every step, so
        its scores at the steps with the largest errors are shrunk the most, which flattens their growth.
        """
        unique, pools = self._step_pools(residuals, steps)
        return pd.Series([float(np.abs(pool).mean()) for pool in pools], index=unique)

    def _step_pools(self, values: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """The distinct steps, and each one's values plus those borrowed from near steps (`_pooled`).

        Borrowed values are rescaled by step^g (`borrowed_growth`; 1/2, a random walk's, for
        intervals fitted before it), so a pool keeps the widening with the horizon instead of
        averaging it away, and adds none to errors that do not grow.
        """
        unique = np.array(sorted(set(steps)))
        growth = getattr(self, "borrowed_growth", RANDOM_WALK_GROWTH)
        per_unit = values / steps.astype(float) ** growth
        return unique, [self._pooled(per_unit, steps, step) * float(step) ** growth for step in unique]

    def _pooled(self, scores: np.ndarray, steps: np.ndarray, step: int) -> np.ndarray:
        """The step's scores, plus those of ever farther steps until there are `min_per_step`."""
        distance = np.abs(steps - step)
        for reach in range(int(distance.max()) + 1):
            pool = scores[distance <= reach]
            if len(pool) >= self.min_per_step:
                return pool
        return scores

    def _series_scale(self, forecasts: pd.DataFrame) -> np.ndarray:
        keys = list(self.keys)
        known = forecasts[keys].merge(self.scales_.reset_index(), on=keys, how="left")["scale"].to_numpy()
        unknown = np.isnan(known)
        if not unknown.any():
            return known
        level = forecasts[MEAN].abs().groupby([forecasts[k] for k in keys]).transform("mean").to_numpy()
        return np.where(unknown, self.relative_scale_ * level, known)


_WEIGHT = "_weight"


def _monotone(raw: pd.DataFrame) -> pd.DataFrame:
    """Each bound's per-step quantiles made monotone in the step (lower bounds falling, upper rising).

    By isotonic regression weighted by the pool sizes: the closest monotone sequence, so a noisy step
    is averaged with its neighbours instead of widening every later step.
    """
    weights = raw[_WEIGHT].to_numpy(dtype=float)
    columns = {
        name: isotonic_regression(
            raw[name].to_numpy(), sample_weight=weights, increasing=name.startswith("hi")
        )
        for name in raw.columns
        if name != _WEIGHT
    }
    return pd.DataFrame(columns, index=raw.index)


def _growth_beyond(spread: pd.Series) -> float:
    """The exponent b with which the intervals keep widening beyond the last calibrated step s: q x (t / s)^b.

    b is the slope of the log of the mean absolute residual on the log of the step, over the second
    half of the calibrated steps: how the errors' spread grew just before s (the bounds' own extreme
    quantiles are too noisy to extrapolate on a few series). It is kept between 0 (errors that
    do not grow with the horizon, a flow's) and 1 (errors that grow in proportion to the step, a
    trend learnt wrong); a random walk's is 1/2. 0 where fewer than two steps are calibrated.
    A level of one series borrows most of each step's residuals from the other steps, rescaled by
    step^g (`borrowed_growth`, `_step_pools`), so its b is about g whatever its errors did: its own
    per-step means over three origins are too few to tell (benchmarks/holdout.md, decisions 42, 55).
    """
    later = spread[spread.index.to_numpy() >= spread.index.max() / 2]
    later = later[later > 0]
    if len(later) < 2:
        return 0.0
    x, y = np.log(later.index.to_numpy(dtype=float)), np.log(later.to_numpy())
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())
    return float(np.clip(slope, 0.0, 1.0))


def _conformal_quantile(scores: np.ndarray, q: float, *, lower: bool = False) -> float:
    """The finite-sample conformal quantile: the ceil((n + 1) q)-th smallest (floor for the lower tail)."""
    ordered = np.sort(scores)
    n = len(ordered)
    rank = np.floor((n + 1) * q) if lower else np.ceil((n + 1) * q)
    return float(ordered[int(np.clip(rank, 1, n)) - 1])
