"""Accuracy and interval metrics on backtest frames.

MASE scales each series' absolute errors by its in-sample seasonal-naive MAE up to the cutoff
(period 12 for monthly data), then averages per series and over series. WAPE and bias are pooled:
sum |forecast - actual| / sum |actual| and sum (forecast - actual) / sum actual (positive = over).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from demandcast.columns import ACTUAL, CUTOFF, MONTH, SERIES_ID, VALUE

SCALE = "scale"


def wape(actual: np.ndarray | pd.Series, forecast: np.ndarray | pd.Series) -> float:
    """sum |forecast - actual| / sum |actual|; NaN when every actual is zero."""
    actual, forecast = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    denominator = np.abs(actual).sum()
    return float(np.abs(forecast - actual).sum() / denominator) if denominator > 0 else float("nan")


def bias(actual: np.ndarray | pd.Series, forecast: np.ndarray | pd.Series) -> float:
    """sum (forecast - actual) / sum actual: signed, positive when forecasts run high."""
    actual, forecast = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    denominator = actual.sum()
    return float((forecast - actual).sum() / denominator) if denominator != 0 else float("nan")


def coverage(actual: np.ndarray | pd.Series, lo: np.ndarray | pd.Series, hi: np.ndarray | pd.Series) -> float:
    """The share of actuals inside [lo, hi]."""
    actual = np.asarray(actual, dtype=float)
    return float(np.mean((actual >= np.asarray(lo)) & (actual <= np.asarray(hi))))


def mean_width(lo: np.ndarray | pd.Series, hi: np.ndarray | pd.Series) -> float:
    """The mean of hi - lo."""
    return float(np.mean(np.asarray(hi, dtype=float) - np.asarray(lo, dtype=float)))


def seasonal_naive_scales(
    y: pd.DataFrame, cutoffs: Sequence[pd.Timestamp], season_length: int = 12
) -> pd.DataFrame:
    """Columns unique_id, cutoff, scale: the in-sample seasonal-naive MAE of each series up to each cutoff.

    Args:
        y: columns unique_id, month, value, sorted by (unique_id, month) with no gaps.
        cutoffs: the last months used for fitting.
        season_length: the seasonal period (12 monthly, 4 quarterly).

    A series with no full season before a cutoff, or a constant one, gets a NaN scale.
    """
    frames = []
    for cutoff in cutoffs:
        history = y[y[MONTH] <= cutoff]
        lagged = history.groupby(SERIES_ID, sort=False)[VALUE].shift(season_length)
        errors = (history[VALUE] - lagged).abs()
        scale = errors.groupby(history[SERIES_ID], sort=False).mean()
        frames.append(
            pd.DataFrame({SERIES_ID: scale.index, CUTOFF: pd.Timestamp(cutoff), SCALE: scale.to_numpy()})
        )
    scales = pd.concat(frames, ignore_index=True)
    scales[SCALE] = scales[SCALE].where(scales[SCALE] > 0)
    return scales


def mase(backtest: pd.DataFrame, model_column: str, scales: pd.DataFrame) -> float:
    """Mean over series of each series' mean scaled absolute error; series with a NaN scale are skipped.

    Args:
        backtest: columns unique_id, cutoff, actual and `model_column`.
        model_column: the forecast column to score.
        scales: columns unique_id, cutoff, scale (from `seasonal_naive_scales`).
    """
    scored = backtest.merge(scales, on=[SERIES_ID, CUTOFF], how="left", validate="many_to_one")
    scaled = (scored[model_column] - scored[ACTUAL]).abs() / scored[SCALE]
    return float(scaled.groupby(scored[SERIES_ID]).mean().mean())


def accuracy(backtest: pd.DataFrame, model_columns: Sequence[str], scales: pd.DataFrame) -> dict[str, dict]:
    """{model: {"mase", "wape", "bias"}} for each forecast column of a backtest."""
    return {
        model: {
            "mase": mase(backtest, model, scales),
            "wape": wape(backtest[ACTUAL], backtest[model]),
            "bias": bias(backtest[ACTUAL], backtest[model]),
        }
        for model in model_columns
    }
