"""Which models run at which level, and the backtest choice between them.

Local models cost a fit per series per origin, so they run where a level has few series; the global
gradient-boosting model runs where a level has many. Baselines run everywhere: they are the bar.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from demandcast.columns import ACTUAL, CUTOFF, SERIES_ID
from demandcast.models.combination import COMBINATION

SEASONAL_NAIVE, MEAN_OF_LAST_YEAR = "seasonal_naive", "mean_of_last_year"
ETS, SARIMAX, PROPHET, GLOBAL_GBM = "ets", "sarimax", "prophet", "global_gbm"
BASELINES = (SEASONAL_NAIVE, MEAN_OF_LAST_YEAR)
VECTOR_ETS = "vector_ets"
CASELOAD_X_UNIT_COST = "caseload_x_unit_cost"
STOCK_FLOW = "stock_flow"
CHOSEN = "chosen"
RECONCILED = "reconciled"
"""Backtest column of the kept reconciliation method; each method's own is `reconciled_column(method)`."""


def reconciled_column(method: str) -> str:
    """The backtest column (and score row) of one reconciliation method's forecasts."""
    return f"{RECONCILED}_{method}"


def has_few_series(n_series: int, local_max_series: int) -> bool:
    """Whether a level of `n_series` series is small enough for per-series local models (ETS), and for
    the rules that serve such levels (a cost series grown beyond its first year: training)."""
    return n_series <= local_max_series


def candidate_names(
    n_series: int,
    *,
    local_max_series: int,
    prophet_max_series: int,
    unit_cost: bool = False,
    stock_flow: bool = False,
) -> list[str]:
    """Model names to try at a level with `n_series` series (baselines first).

    Vector ETS (every series smoothed at once, about a second for four thousand series) runs at
    every level; it is the per-series ETS the ward level could not afford otherwise.

    Args:
        unit_cost: the series are costs that carry their caseload; where the global model runs,
            caseload x projected unit cost competes with it (on the demo's holdout it won at the
            ward x service level and lost at ward totals: benchmarks/holdout.md).
        stock_flow: the series are council caseloads by service and the records' caseload paths are known
            (models.stock_flow; benchmarks/holdout.md, decision 20).
    """
    names = [SEASONAL_NAIVE, MEAN_OF_LAST_YEAR, VECTOR_ETS]
    few_series = has_few_series(n_series, local_max_series)
    if few_series:
        names.append(ETS)
    if n_series <= prophet_max_series:
        names += [SARIMAX, PROPHET]
    if not few_series:
        names += [GLOBAL_GBM, CASELOAD_X_UNIT_COST] if unit_cost else [GLOBAL_GBM]
    if stock_flow:
        names.append(STOCK_FLOW)
    return names


def build_models(
    names: list[str],
    *,
    seed: int,
    executor: Any = None,
    gbm_options: dict | None = None,
    caseload_paths: pd.DataFrame | None = None,
    daily_rate: bool = False,
    grown_beyond_year: bool = False,
    mean_back_transform: bool = False,
    caseload_forecasts: pd.DataFrame | None = None,
) -> dict:
    """Unfitted forecasters by name (imports are deferred: each model family is optional).

    Baselines always run in this process: a fit costs less than shipping the series to a worker.

    Args:
        daily_rate: the series are flows summed over the days of each period (cost): every model
            but the baselines forecasts the rate per day (models.daily_rate); the baselines stay
            the bar they are.
        grown_beyond_year: every model but the baselines keeps its first year of forecasts and grows
            it by each series' yearly drift beyond (models.grown_beyond_year); inside the rate per
            day where that applies.
        mean_back_transform: vector ETS returns its log-scale series' forecasts as means, not
            medians (VectorETSForecaster's `back_transform`).
        caseload_forecasts: the global model's backtest forecasts of these series' caseload
            (columns cutoff, unique_id, month, mean); caseload x unit cost replays them
            (models.replayed) instead of fitting the same model on the same caseload again.
    """
    def gbm() -> Any:
        return _module("global_gbm").GlobalGBMForecaster(random_state=seed, **(gbm_options or {}))

    def caseload_x_unit_cost() -> Any:
        caseload = gbm() if caseload_forecasts is None else _module("replayed").Replayed(caseload_forecasts)
        return _module("unit_cost").CaseloadTimesUnitCost(caseload_model=caseload)

    factories: dict[str, Callable[[], Any]] = {
        SEASONAL_NAIVE: lambda: _module("baselines").SeasonalNaive(),
        MEAN_OF_LAST_YEAR: lambda: _module("baselines").MeanOfLastYear(),
        ETS: lambda: _module("statistical").ETSForecaster(executor=executor),
        VECTOR_ETS: lambda: _module("vector_ets").VectorETSForecaster(
            back_transform="mean" if mean_back_transform else "median"
        ),
        SARIMAX: lambda: _module("statistical").SARIMAXForecaster(executor=executor),
        PROPHET: lambda: _module("prophet_model").ProphetForecaster(executor=executor),
        GLOBAL_GBM: gbm,
        CASELOAD_X_UNIT_COST: caseload_x_unit_cost,
        STOCK_FLOW: lambda: _module("stock_flow").StockFlowForecaster(paths=caseload_paths),
    }
    models = {name: factories[name]() for name in names}
    if grown_beyond_year:
        grow = _module("grown_beyond_year").GrownBeyondYear
        models = {name: m if name in BASELINES else grow(m) for name, m in models.items()}
    if daily_rate:
        wrap = _module("daily_rate").DailyRate
        models = {name: m if name in BASELINES else wrap(m) for name, m in models.items()}
    return models


def choose(scores: pd.DataFrame, candidates: list[str]) -> str:
    """The candidate with the lowest mean MASE (ties: the earlier, simpler one); the baselines are
    the bar the others are scored against, chosen only where no fitted model is a candidate.

    At a level of one series, three backtest origins picked seasonal naive for the council's starts
    total in 9 of 32 cities, and there it forecast the held-out year worse than the best fitted
    candidate did (mean MASE 0.046 higher; benchmarks/council_selection.md). The combination stays
    a candidate (it may average a baseline in); with no scored fitted model, every candidate is one.

    Args:
        scores: one row per model name (index) with a `mase` column.
    """
    mase = scores.loc[candidates, "mase"].astype(float)
    fitted = [name for name in candidates if name not in BASELINES]
    if mase[[name for name in fitted if name != COMBINATION]].notna().any():
        mase = mase[fitted]
    return str(mase.idxmin()) if mase.notna().any() else candidates[0]


def latest_per_month(backtest: pd.DataFrame) -> pd.DataFrame:
    """For each series and month, the backtest row from the latest origin (the shortest horizon)."""
    ordered = backtest.sort_values([SERIES_ID, "month", CUTOFF])
    return ordered.drop_duplicates([SERIES_ID, "month"], keep="last").reset_index(drop=True)


def relative_skill(reconciled: float, base: float) -> float:
    """reconciled / base MASE (1.0 when both are zero; infinity when only base is zero)."""
    if base == 0:
        return 1.0 if reconciled == 0 else np.inf
    return reconciled / base


def residual_frame(backtest: pd.DataFrame, column: str) -> pd.DataFrame:
    """Columns unique_id, month, actual, mean: the latest backtest forecast of each series and month."""
    latest = latest_per_month(backtest)
    return latest[[SERIES_ID, "month", ACTUAL]].assign(mean=latest[column].to_numpy())


def _module(name: str) -> Any:
    """A model module imported on first use (Prophet and statsmodels are slow to import)."""
    return importlib.import_module(f"demandcast.models.{name}")
