"""Rolling-origin backtests: refit every model at each cutoff and forecast the next `h` periods.

A model only ever sees rows with month <= cutoff: it is cloned (sklearn.base.clone, so no
fitted state carries over) and fitted on the truncated frame for each window.
"""

from __future__ import annotations

import pandas as pd
from sklearn.base import clone

from demandcast.columns import ACTUAL, CUTOFF, HORIZON_STEP, MEAN, MONTH, SERIES_ID, VALUE
from demandcast.errors import InputError
from demandcast.models.base import Forecaster, check_horizon, check_series_frame, infer_freq


def backtest_cutoffs(
    last_month: pd.Timestamp, *, h: int, n_windows: int, step: int, freq: str
) -> list[pd.Timestamp]:
    """The cutoffs, oldest first; the newest leaves exactly `h` periods up to `last_month`."""
    periods = pd.date_range(end=last_month, periods=h + step * (n_windows - 1) + 1, freq=freq)
    return [periods[i * step] for i in range(n_windows)]


def rolling_origin_backtest(
    y: pd.DataFrame,
    models: dict[str, Forecaster],
    *,
    h: int,
    n_windows: int = 3,
    step: int | None = None,
) -> pd.DataFrame:
    """Forecasts of each model from `n_windows` cutoffs `step` periods apart, beside the actuals.

    Args:
        y: columns unique_id, month, value (plus any key columns the models use), sorted by
            (unique_id, month), regular, every series ending at the same month.
        models: name -> unfitted forecaster; each name becomes a forecast column.
        h: periods forecast from each cutoff.
        n_windows: number of cutoffs.
        step: periods between cutoffs; None means max(1, h // n_windows), so three windows of
            twelve months span the last twenty.

    Returns:
        Columns unique_id, cutoff, horizon_step (1..h), month, actual, then one per model.
        Series that have no history at or before a cutoff are absent from that window.
    """
    h = check_horizon(h)
    step = max(1, h // n_windows) if step is None else step
    if n_windows < 1 or step < 1 or not models:
        raise InputError(
            f"need n_windows >= 1, step >= 1 and a model; got {n_windows}, {step}, {list(models)}"
        )
    check_series_frame(y)
    freq = infer_freq(y[MONTH])
    cutoffs = backtest_cutoffs(y[MONTH].max(), h=h, n_windows=n_windows, step=step, freq=freq)
    if cutoffs[0] <= y[MONTH].min():
        raise InputError(
            f"history too short for {n_windows} windows of h={h}, step={step}: first cutoff {cutoffs[0]}"
        )
    return pd.concat([_window(y, models, cutoff, h) for cutoff in cutoffs], ignore_index=True)


def _window(y: pd.DataFrame, models: dict[str, Forecaster], cutoff: pd.Timestamp, h: int) -> pd.DataFrame:
    history = y[y[MONTH] <= cutoff]
    actuals = y[(y[MONTH] > cutoff) & y[SERIES_ID].isin(history[SERIES_ID].unique())]
    window = actuals[[SERIES_ID, MONTH, VALUE]].rename(columns={VALUE: ACTUAL})
    window.insert(1, CUTOFF, cutoff)
    window.insert(2, HORIZON_STEP, window.groupby(SERIES_ID, sort=False).cumcount() + 1)
    window = window[window[HORIZON_STEP] <= h]
    for name, model in models.items():
        forecast = clone(model).fit(history).predict(h).rename(columns={MEAN: name})
        window = window.merge(forecast, on=[SERIES_ID, MONTH], how="left", validate="one_to_one")
    return window
