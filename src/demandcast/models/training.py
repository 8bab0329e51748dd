"""Training: from the hierarchical panel to coherent forecasts with intervals, a backtest and metrics.

Per measure: every node's series is built; each level gets its candidate models (baselines
everywhere, ETS/SARIMAX/Prophet where a level has few series, the global GBM where it has many);
a rolling-origin backtest picks one model per level; the picked forecasts are reconciled with every
method, and the method that is no worse than the base forecasts at every level is kept; conformal
intervals are calibrated per level on the reconciled backtest.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from demandcast.columns import (
    ACTUAL,
    AREA,
    AREA_LEVEL,
    CLIENT_GROUP,
    CUTOFF,
    HIERARCHICAL_PANEL_COLUMNS,
    HORIZON_STEP,
    MEAN,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
    WARD_LEVEL,
)
from demandcast.data.panel_input import backtest_span, check_horizon
from demandcast.errors import InputError
from demandcast.models.base import infer_freq
from demandcast.models.demand_model import DemandModel, MeasureModel
from demandcast.models.hierarchy import NODE_KEYS, Hierarchy, level_series, summing_matrix, tags
from demandcast.models.reconcile import METHODS, reconcile
from demandcast.models.scoring import level_scores, method_decision
from demandcast.models.selection import (
    CHOSEN,
    build_models,
    candidate_names,
    choose,
    residual_frame,
)

RECONCILED = "reconciled"


@dataclass
class TrainConfig:
    """Training parameters.

    Attributes:
        horizon: periods ahead to forecast (1..36).
        n_windows: rolling-origin backtest windows (>= 3).
        seed: seed for every random step.
        levels: interval levels in percent.
        as_of: train on months up to this date only (None: the whole panel).
        local_max_series: a level runs ETS when it has at most this many series, else the GBM.
        prophet_max_series: a level also runs SARIMAX and Prophet up to this many series.
        methods: reconciliation methods to compare.
        allowed_models: restrict the candidates to these names (None: all that fit the level).
        covariates, neighbours: passed to the global GBM at the ward level.
    """

    horizon: int = 12
    n_windows: int = 3
    seed: int = 0
    levels: tuple[int, ...] = (80, 95)
    as_of: pd.Timestamp | str | None = None
    local_max_series: int = 64
    prophet_max_series: int = 8
    methods: tuple[str, ...] = METHODS
    allowed_models: tuple[str, ...] | None = None
    covariates: pd.DataFrame | None = field(default=None, repr=False)
    neighbours: dict[str, list[str]] | None = field(default=None, repr=False)


@dataclass
class TrainResult:
    """What one training run produces (see the module docstring)."""

    forecasts: pd.DataFrame
    backtest: pd.DataFrame
    metrics: dict
    model: DemandModel
    panel_fingerprint: str
    stage_seconds: dict[str, float]
    decisions: dict[str, Any]


def panel_fingerprint(hpanel: pd.DataFrame) -> str:
    """sha256 of the aggregated panel's content (order-independent)."""
    ordered = hpanel[list(HIERARCHICAL_PANEL_COLUMNS)].sort_values(
        [AREA, CLIENT_GROUP, SERVICE, MEASURE, MONTH], ignore_index=True
    )
    return hashlib.sha256(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes()).hexdigest()


def train(
    hpanel: pd.DataFrame, hierarchy: Hierarchy, config: TrainConfig, executor: Any = None
) -> TrainResult:
    """Train on `hpanel` (columns HIERARCHICAL_PANEL_COLUMNS) and forecast every node.

    Raises:
        InputError: for a horizon outside 1..36 or a panel with no months before `as_of`.
    """
    check_horizon(config.horizon)
    if config.n_windows < 1:
        raise InputError(f"n_windows {config.n_windows}: must be at least 1")
    clock = _Clock()
    panel = _panel_up_to(hpanel, config.as_of)
    freq = infer_freq(panel[MONTH])
    nodes = hierarchy.nodes()
    measures, backtests, metrics, decisions = {}, [], {}, {}
    for measure in sorted(panel[MEASURE].unique()):
        fit, backtest, scores, decision = _train_measure(
            panel[panel[MEASURE] == measure], hierarchy, nodes, config, freq, executor, clock
        )
        measures[measure], metrics[measure], decisions[measure] = fit, scores, decision
        backtests.append(backtest)
    model = DemandModel(hierarchy, measures, config.horizon, nodes)
    with clock("forecast"):
        forecasts = model.forecast(config.horizon)
    return TrainResult(
        forecasts,
        pd.concat(backtests, ignore_index=True),
        metrics,
        model,
        panel_fingerprint(panel),
        clock.seconds,
        decisions,
    )


def _train_measure(panel, hierarchy, nodes, config, freq, executor, clock):
    h, step = backtest_span(freq, config.horizon)
    with clock("series"):
        by_level = level_series(panel, hierarchy)
    backtest, chosen, candidates = [], {}, {}
    with clock("backtest"):
        for level, y in by_level.items():
            frame, candidates[level] = _level_backtest(level, y, config, executor, h, step)
            backtest.append(frame)
    with clock("selection"):
        scores = {
            lvl: level_scores(b, by_level[lvl], candidates[lvl], freq) for lvl, b in _by_level(backtest)
        }
        for level in by_level:
            chosen[level] = choose(scores[level], candidates[level])
        backtest = _with_chosen(backtest, chosen)
    with clock("reconciliation"):
        residuals = residual_frame(backtest, CHOSEN)
        backtest = _reconciled_backtest(backtest, hierarchy, config.methods, residuals)
        method_scores = {
            lvl: level_scores(b, by_level[lvl], [CHOSEN, *_method_columns(config.methods)], freq)
            for lvl, b in backtest.groupby("level", sort=False)
        }
        method, decision = method_decision(method_scores, config.methods)
        backtest[RECONCILED] = backtest[f"{RECONCILED}_{method}"]
    with clock("intervals"):
        intervals, coverage = _calibrated_intervals(backtest, config.levels)
    with clock("fit"):
        models = {
            level: build_models([chosen[level]], **_model_options(level, config, executor))[
                chosen[level]
            ].fit(y)
            for level, y in by_level.items()
        }
    metrics = _metrics_table(scores, method_scores, coverage, chosen, method)
    fit = MeasureModel(chosen, models, method, residuals, intervals)
    decision = {"chosen_models": chosen, "reconciliation": decision}
    measure = panel[MEASURE].iat[0]
    return fit, _public_backtest(backtest, nodes).assign(**{MEASURE: measure}), metrics, decision


def _level_backtest(level, y, config, executor, h, step):
    from demandcast.models.backtest import rolling_origin_backtest

    names = candidate_names(
        y[SERIES_ID].nunique(),
        local_max_series=config.local_max_series,
        prophet_max_series=config.prophet_max_series,
    )
    if config.allowed_models is not None:
        names = [n for n in names if n in config.allowed_models] or names[:1]
    models = build_models(names, **_model_options(level, config, executor))
    frame = rolling_origin_backtest(y, models, h=h, n_windows=config.n_windows, step=step)
    return frame.assign(level=level), names


def _fitted(name: str, level: str, y: pd.DataFrame, config: TrainConfig, executor: Any) -> Any:
    return build_models([name], **_model_options(level, config, executor))[name].fit(y)


def _model_options(level: str, config: TrainConfig, executor: Any) -> dict:
    at_wards = level.startswith(f"{WARD_LEVEL}/")
    gbm = {"covariates": config.covariates, "neighbours": config.neighbours} if at_wards else {}
    return {"seed": config.seed, "executor": executor, "gbm_options": gbm}


def _by_level(frames: list[pd.DataFrame]):
    return [(frame["level"].iat[0], frame) for frame in frames]


def _with_chosen(frames: list[pd.DataFrame], chosen: dict[str, str]) -> pd.DataFrame:
    marked = [frame.assign(**{CHOSEN: frame[chosen[level]]}) for level, frame in _by_level(frames)]
    return pd.concat(marked, ignore_index=True)


def _method_columns(methods: tuple[str, ...]) -> list[str]:
    return [f"{RECONCILED}_{m}" for m in methods]


def _reconciled_backtest(backtest, hierarchy, methods, residuals) -> pd.DataFrame:
    """The backtest with one reconciled column per method, reconciled origin by origin."""
    s_df, node_tags = summing_matrix(hierarchy), tags(hierarchy)
    frames = []
    for _, window in backtest.groupby(CUTOFF, sort=True):
        base = window[[SERIES_ID, MONTH]].assign(**{MEAN: window[CHOSEN].to_numpy()})
        out = reconcile(base, s_df, node_tags, methods, residuals)
        columns = {f"{RECONCILED}_{m}": out[m][MEAN].to_numpy() for m in methods}
        frames.append(window.assign(**columns))
    return pd.concat(frames, ignore_index=True)


def _calibrated_intervals(backtest, levels):
    """Conformal intervals per level, and their coverage measured leaving each origin out."""
    from demandcast.models.conformal import ConformalIntervals

    intervals, coverage = {}, {}
    for level, frame in backtest.groupby("level", sort=False):
        intervals[level] = ConformalIntervals(levels=levels).fit(frame, RECONCILED)
        held_out = [
            ConformalIntervals(levels=levels)
            .fit(frame[frame[CUTOFF] != c], RECONCILED)
            .apply(_as_forecast(frame[frame[CUTOFF] == c]))
            for c in sorted(frame[CUTOFF].unique())
        ]
        coverage[level] = interval_scores(pd.concat(held_out, ignore_index=True), levels)
    return intervals, coverage


def _as_forecast(window: pd.DataFrame) -> pd.DataFrame:
    columns = [SERIES_ID, MONTH, HORIZON_STEP, ACTUAL]
    return window[columns].assign(**{MEAN: window[RECONCILED].to_numpy()})


def interval_scores(forecasts: pd.DataFrame, levels: tuple[int, ...]) -> dict[str, float]:
    """Empirical coverage and mean width of each interval level (columns actual, lo_L, hi_L)."""
    scores = {}
    for level in levels:
        lo, hi = forecasts[f"lo_{level}"], forecasts[f"hi_{level}"]
        scores[f"coverage_{level}"] = float(((forecasts[ACTUAL] >= lo) & (forecasts[ACTUAL] <= hi)).mean())
        scores[f"width_{level}"] = float((hi - lo).mean())
    return scores


def _metrics_table(scores, method_scores, coverage, chosen, method) -> dict:
    """level -> model -> {mase, wape, bias, [coverage_L, width_L]}: every model, chosen, reconciled."""
    table = {}
    for level, frame in scores.items():
        rows = {name: frame.loc[name].to_dict() for name in frame.index}
        reconciled = method_scores[level]
        rows[CHOSEN] = {**reconciled.loc[CHOSEN].to_dict(), "model": chosen[level]}
        for name in reconciled.index.drop(CHOSEN):
            rows[name] = reconciled.loc[name].to_dict()
        rows[RECONCILED] = {
            **reconciled.loc[f"{RECONCILED}_{method}"].to_dict(),
            **coverage[level],
            "method": method,
        }
        table[level] = rows
    return table


def _public_backtest(backtest: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    keyed = backtest.drop(columns=[c for c in (AREA, CLIENT_GROUP, SERVICE, MEASURE) if c in backtest])
    keyed = keyed.merge(nodes[[SERIES_ID, *NODE_KEYS]], on=SERIES_ID, how="left")
    first = [AREA_LEVEL, AREA, CLIENT_GROUP, SERVICE, CUTOFF, HORIZON_STEP, MONTH, ACTUAL]
    rest = [c for c in keyed.columns if c not in first and c not in (SERIES_ID, "level")]
    return keyed[first + rest]


def _panel_up_to(hpanel: pd.DataFrame, as_of) -> pd.DataFrame:
    if as_of is None:
        return hpanel
    kept = hpanel[hpanel[MONTH] <= pd.Timestamp(as_of)]
    if kept.empty:
        raise InputError(f"as_of {as_of}: the panel has no months on or before it")
    return kept


class _Clock:
    """Accumulates wall-clock seconds per named stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str):
        return _Stage(self, stage)


class _Stage:
    def __init__(self, clock: _Clock, stage: str) -> None:
        self.clock, self.stage = clock, stage

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc) -> None:
        elapsed = time.perf_counter() - self.start
        self.clock.seconds[self.stage] = self.clock.seconds.get(self.stage, 0.0) + elapsed
