"""Training: from the hierarchical panel to coherent forecasts with intervals, a backtest and metrics.

Per measure: every node's series is built; each level gets its candidate models (baselines and
vector ETS everywhere, ETS/SARIMAX/Prophet where a level has few series, the global GBM where it
has many); a rolling-origin backtest picks one model per level, or the combination of the best few
(ranked on earlier origins only); the picked forecasts are reconciled with every method, and the
method is kept by its MASE ratios to the base forecasts over the levels (scoring.method_decision);
conformal intervals are calibrated per level on the reconciled backtest, and the published backtest
carries them computed leaving each origin out. Cost series carry their caseload, so that where the
global model runs, caseload x unit cost competes with cost modelled directly; every cost model but the
baselines forecasts the spend per day of the month (models.daily_rate). Given the records, the
council caseload by service also gets the stock-flow candidate: each origin's caseload paths are
computed from the records once, in this process, and only those aggregates reach the level jobs."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from demandcast.columns import (
    ALL,
    AREA,
    CASELOAD,
    CLIENT_GROUP,
    COST,
    COUNCIL,
    COUNCIL_LEVEL,
    CUTOFF,
    HIERARCHICAL_PANEL_COLUMNS,
    MEAN,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
    STARTS,
    WARD_LEVEL,
)
from demandcast.data.panel_input import backtest_span, check_horizon
from demandcast.errors import InputError
from demandcast.models.backtest import backtest_cutoffs
from demandcast.models.base import infer_freq
from demandcast.models.combination import COMBINATION, MeanForecaster, best_members, combination_column
from demandcast.models.demand_model import DemandModel, MeasureModel, base_of, measure_series
from demandcast.models.hierarchy import Hierarchy, level_name
from demandcast.models.interval_calibration import calibrated_intervals
from demandcast.models.noise_floor import noise_floor
from demandcast.models.reconcile import METHODS, MIDDLE_OUT_BY_SERVICE, whole_history_scales
from demandcast.models.reconciliation_choice import choose_reconciliation
from demandcast.models.scoring import level_scores
from demandcast.models.selection import (
    CHOSEN,
    GLOBAL_GBM,
    RECONCILED,
    STOCK_FLOW,
    build_models,
    candidate_names,
    choose,
    has_few_series,
    residual_frame,
)
from demandcast.models.training_outputs import metrics_table, public_backtest

DAILY_RATE_MEASURES: tuple[str, ...] = (COST,)
"""Flows whose models forecast the rate per day (models.daily_rate; benchmarks/holdout.md, decision 25).

Starts are a flow too, but per day they were no better on the demo cities' backtests and holdouts;
caseload is a stock (persons on a service in the month), not a sum over days.
"""
MEAN_BACK_TRANSFORM_MEASURES: tuple[str, ...] = (STARTS,)
"""Measures whose vector ETS forecasts of log-scale series are means, not medians (VectorETSForecaster's
`back_transform`; benchmarks/holdout.md, decision 56): small counts, whose medians sum to well below
their total."""


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
        gbm_max_iter, gbm_learning_rate: boosting rounds and step of the global GBM; 100 at 0.1
            matched 200 at 0.05 on the demo's holdout in 30% less time (benchmarks/holdout.md).
        combination_k: the combination candidate averages this many of the best candidates.
        reconciliation_max_loss: when no reconciliation method is no worse than the base forecasts
            at every level, the cap on any level's backtest loss (scoring.method_decision).
        kept_methods: measure -> the reconciliation method kept for it instead of the backtest's
            choice (every method in `methods` is still scored and reported), e.g.
            {"caseload": "bottom_up"}.
        stock_flow_middle_out: where the backtest picks the records' stock-flow model for the
            council caseload by service, keep those forecasts and sum them to the council's client
            groups and total (`middle_out_by_service`) whatever the reconciliation backtest says,
            unless `kept_methods` names another method (benchmarks/holdout.md, decisions 35-36).
        caseload_paths: council caseload paths per origin (features.caseload_paths), set by
            `train` from the records; the stock-flow candidate's input (council caseload by service).
        shares_by_scale: the top-down forms share each top-area service node's gap among its
            bottom nodes by their squared in-sample seasonal-naive MAE (reconcile's `scales`;
            benchmarks/holdout.md, decision 49); False: by their forecasts.
        cost_grown_beyond_year: at the levels of at most `local_max_series` series, the cost models
            keep their first year and grow it by each series' yearly drift beyond
            (models.grown_beyond_year; benchmarks/holdout.md, decision 52).
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
    gbm_max_iter: int = 100
    gbm_learning_rate: float = 0.1
    combination_k: int = 3
    reconciliation_max_loss: float = 0.5
    kept_methods: dict[str, str] = field(default_factory=dict)
    stock_flow_middle_out: bool = True
    caseload_paths: pd.DataFrame | None = field(default=None, repr=False)
    shares_by_scale: bool = True
    cost_grown_beyond_year: bool = True


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
    hpanel: pd.DataFrame,
    hierarchy: Hierarchy,
    config: TrainConfig,
    executor: Any = None,
    records: pd.DataFrame | None = None,
) -> TrainResult:
    """Train on `hpanel` (columns HIERARCHICAL_PANEL_COLUMNS) and forecast every node.

    Every (measure, level) backtest, and every final fit, is an independent job mapped through
    `executor` (None: in this process); the models inside a job run serially, so a process
    executor is not nested. The final fits run while this process reconciles the backtests, so
    their stage times overlap (with no executor they run after). `records` (the validated records
    `hpanel` was built from) adds the stock-flow candidate at the council caseload by service; they
    stay in this process.

    Raises:
        InputError: for a horizon outside 1..36, a panel with no months before `as_of`, or a kept
            reconciliation method for a measure the panel does not have or a method not compared.
    """
    check_horizon(config.horizon)
    if config.n_windows < 1:
        raise InputError(f"n_windows {config.n_windows}: must be at least 1")
    _check_kept_methods(config, hpanel)
    clock = _Clock()
    panel = _panel_up_to(hpanel, config.as_of)
    freq = infer_freq(panel[MONTH])
    nodes = hierarchy.nodes()
    with clock("series"):
        series = {m: measure_series(panel, hierarchy, m) for m in sorted(panel[MEASURE].unique())}
    jobs = [(measure, level) for measure, by_level in series.items() for level in by_level]
    h, step = backtest_span(freq, config.horizon)
    floors: dict[str, pd.DataFrame] = {}
    if records is not None and COUNCIL_LEVEL in hierarchy.area_levels and CASELOAD in series:
        with clock("caseload paths"):
            paths = _caseload_paths(records, panel, hierarchy, config, h=h, step=step, freq=freq)
            config = replace(config, caseload_paths=paths)
            floors[CASELOAD] = noise_floor(paths, nodes, COUNCIL_LEVEL)
    with clock("backtest"):
        backtested = _backtests(executor, series, partial(_level_backtest, config=config, h=h, step=step))
    selections = {
        measure: _selected(
            by_level, {lvl: backtested[(measure, lvl)] for lvl in by_level}, config, freq, clock
        )
        for measure, by_level in series.items()
    }
    fit_jobs = {
        (m, lvl): (lvl, series[m][lvl], selections[m].chosen[lvl], selections[m].members[lvl])
        for m, lvl in jobs
    }
    fit = partial(_timed, clock, "fit", _mapped, executor, partial(_fitted, config=config), fit_jobs)
    with ThreadPoolExecutor(max_workers=1) as background:
        # an executor's workers fit the chosen models while this process reconciles and calibrates,
        # on one BLAS thread whatever the executor: more would contend with the workers, and the
        # reconciled backtest would differ in its last digits with where the fits run
        fitting = background.submit(fit) if executor is not None else None
        with threadpool_limits(limits=1):
            outcomes = {
                m: _reconciled(by_level, selections[m], hierarchy, config, freq, clock, floors.get(m), m)
                for m, by_level in series.items()
            }
        fitted = fit() if fitting is None else fitting.result()
    metrics = {measure: outcome.metrics for measure, outcome in outcomes.items()}
    decisions = {measure: outcome.decision for measure, outcome in outcomes.items()}
    backtests = [
        public_backtest(outcome.backtest, nodes).assign(**{MEASURE: m}) for m, outcome in outcomes.items()
    ]
    measures = {
        measure: MeasureModel(
            outcome.chosen,
            {level: fitted[(measure, level)][0] for level in outcome.chosen},
            outcome.method,
            outcome.residuals,
            outcome.intervals,
            _at_origin(floors.get(measure), panel[MONTH].max()),
            outcome.floor_is_whole,
            whole_history_scales(series[measure][hierarchy.bottom_level]) if config.shares_by_scale else None,
        )
        for measure, outcome in outcomes.items()
    }
    model = DemandModel(hierarchy, measures, config.horizon, nodes)
    bases = {
        measure: base_of([fitted[(measure, level)][1] for level in outcome.chosen])
        for measure, outcome in outcomes.items()
    }
    with clock("forecast"):
        forecasts = model.from_base(bases)
    return TrainResult(
        forecasts,
        pd.concat(backtests, ignore_index=True),
        metrics,
        model,
        panel_fingerprint(panel),
        clock.seconds,
        decisions,
    )


@dataclass
class _Outcome:
    """One measure's choices from its backtest, before the final fits."""

    chosen: dict[str, str]
    members: dict[str, list[str]]
    method: str
    residuals: pd.DataFrame
    intervals: dict[str, Any]
    backtest: pd.DataFrame
    metrics: dict
    decision: dict
    floor_is_whole: bool


@dataclass
class _Selection:
    """One measure's models per level, picked on its backtest."""

    chosen: dict[str, str]
    members: dict[str, list[str]]
    scores: dict[str, pd.DataFrame]
    backtest: pd.DataFrame


def _selected(by_level, levels, config, freq, clock) -> _Selection:
    """Each level's model (or combination of the best few), picked on the level backtests `levels`."""
    backtest = [frame for frame, _ in levels.values()]
    candidates = {level: names for level, (_, names) in levels.items()}
    with clock("selection"):
        combined = {
            lvl: _with_combination(b, by_level[lvl], candidates[lvl], config.combination_k, freq)
            for lvl, b in _by_level(backtest)
        }
        backtest = [frame for frame, _, _ in combined.values()]
        scores = {lvl: level_score for lvl, (_, level_score, _) in combined.items()}
        members = {lvl: names for lvl, (_, _, names) in combined.items()}
        chosen = {level: choose(scores[level], [*candidates[level], COMBINATION]) for level in by_level}
    return _Selection(chosen, members, scores, _with_chosen(backtest, chosen))


def _check_kept_methods(config: TrainConfig, hpanel: pd.DataFrame) -> None:
    measures = set(hpanel[MEASURE].unique())
    for measure, method in config.kept_methods.items():
        if measure not in measures:
            raise InputError(f"kept_methods: measure {measure!r} is not in the panel ({sorted(measures)})")
        if method not in config.methods:
            raise InputError(f"kept_methods: {method!r} for {measure!r} is not among {list(config.methods)}")


def _reconciled(
    by_level, selection: _Selection, hierarchy, config, freq, clock, floor=None, measure=None
) -> _Outcome:
    """The reconciliation method and calibrated intervals of one measure, from its selection's backtest.

    `floor` (models.noise_floor, per backtest origin) widens the held-out intervals it names, or
    replaces them where those series' forecasts are the stock-flow's own (_stock_flow_sums);
    `config.kept_methods[measure]`, if any, is kept instead of the backtest's choice, and else
    `middle_out_by_service` where the stock-flow forecasts the council services (_stock_flow_kept).
    """
    chosen, members, backtest = selection.chosen, selection.members, selection.backtest
    kept, because = config.kept_methods.get(measure), "the configuration (kept_methods)"
    if kept is None and (kept := _stock_flow_kept(config, chosen)):
        because = "the stock-flow rule (stock_flow_middle_out)"
    with clock("reconciliation"):
        residuals = residual_frame(backtest, CHOSEN)
        backtest, method, decision, method_scores = choose_reconciliation(
            backtest,
            by_level,
            hierarchy,
            residuals,
            methods=config.methods,
            freq=freq,
            max_loss=config.reconciliation_max_loss,
            kept=kept,
            kept_because=because,
            by_scale=config.shares_by_scale,
        )
    whole = floor is not None and _stock_flow_sums(method, chosen)
    with clock("intervals"):
        intervals, coverage, held_out = calibrated_intervals(
            backtest, config.levels, column=RECONCILED, floor=floor, floor_is_whole=whole
        )
        backtest = backtest.merge(held_out, on=[SERIES_ID, CUTOFF, MONTH], how="left", validate="one_to_one")
    metrics = metrics_table(selection.scores, method_scores, coverage, chosen, method)
    combination_members = {lvl: names for lvl, names in members.items() if chosen[lvl] == COMBINATION}
    decision = {"chosen_models": chosen, "combinations": combination_members, "reconciliation": decision}
    return _Outcome(chosen, members, method, residuals, intervals, backtest, metrics, decision, whole)


def _stock_flow_kept(config: TrainConfig, chosen: dict[str, str]) -> str | None:
    """`middle_out_by_service` when the stock-flow forecasts the council services and the rule is on.

    On 12 cities no decision had seen, the sum of the stock-flow's services beat the council total's
    own forecast, for which three backtest origins picked six different models; the backtest's
    choice among the reconciliation methods took this one in 3 of the 12 (benchmarks/holdout.md,
    decisions 35-36).
    """
    wanted = config.stock_flow_middle_out and MIDDLE_OUT_BY_SERVICE in config.methods
    return MIDDLE_OUT_BY_SERVICE if wanted and _stock_flow_services(chosen) else None


def _stock_flow_sums(method: str, chosen: dict[str, str]) -> bool:
    """The council services are the stock-flow's forecasts, kept, and the levels above are their sums."""
    return method == MIDDLE_OUT_BY_SERVICE and _stock_flow_services(chosen)


def _stock_flow_services(chosen: dict[str, str]) -> bool:
    """The backtest picked the stock-flow model for the council caseload by service."""
    return chosen.get(level_name(COUNCIL_LEVEL, SERVICE)) == STOCK_FLOW


def _with_combination(frame, history, candidates, k, freq):
    """A level's backtest with the combination column, every column's scores, the final members.

    Returns:
        (backtest with a `combination` column, level_scores of the candidates and the
        combination, the members of the final combination: the best `k` on every origin).
    """
    score = partial(_scores_on, history=history, freq=freq)
    frame = frame.assign(**{COMBINATION: combination_column(frame, candidates, k, score)})
    level_score = score(frame, [*candidates, COMBINATION])
    return frame, level_score, best_members(level_score, candidates, k)


def _scores_on(backtest, columns, *, history, freq):
    return level_scores(backtest, history, columns, freq)


def _timed(clock: _Clock, stage: str, fn, *args):
    """fn(*args), its wall time added to `clock` under `stage`."""
    with clock(stage):
        return fn(*args)


def _backtests(executor: Any, series: dict[str, dict[str, pd.DataFrame]], backtest) -> dict:
    """(measure, level) -> `backtest((level, its series, caseload forecasts to replay or None))`.

    Cost is backtested after the other measures: where a level's caseload was backtested with the
    global model, caseload x unit cost at that level replays those caseload forecasts rather than
    fitting the same model on the same caseload again (models.replayed).
    """
    jobs = [(measure, level) for measure, by_level in series.items() for level in by_level]
    later = [(measure, level) for measure, level in jobs if measure == COST and CASELOAD in series]
    first = [job for job in jobs if job not in later]
    done = _mapped(executor, backtest, {(m, lvl): (lvl, series[m][lvl], None) for m, lvl in first})
    replays = {lvl: _global_caseload(*done[(CASELOAD, lvl)]) for _, lvl in later}
    items = {(m, lvl): (lvl, series[m][lvl], replays[lvl]) for m, lvl in later}
    return done | _mapped(executor, backtest, items)


def _mapped(executor: Any, fn, items: dict) -> dict:
    """key -> fn(item) for every item of `items`: independent jobs mapped through the executor.

    With no executor they run in this process, in order; the models inside a job run serially.
    """
    jobs = list(items.values())
    results = [fn(job) for job in jobs] if executor is None else executor.map(fn, jobs)
    return dict(zip(items, results, strict=True))


def _global_caseload(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame | None:
    """The global model's forecasts in a caseload backtest (cutoff, unique_id, month, mean), if it ran."""
    if GLOBAL_GBM not in names:
        return None
    return frame[[CUTOFF, SERIES_ID, MONTH, GLOBAL_GBM]].rename(columns={GLOBAL_GBM: MEAN})


def _level_backtest(
    job: tuple[str, pd.DataFrame, pd.DataFrame | None], *, config: TrainConfig, h: int, step: int
):
    """One level's rolling-origin backtest of its candidates: (frame, candidate names).

    The job is (level, its series, the global model's caseload forecasts to replay or None).
    """
    from demandcast.models.backtest import rolling_origin_backtest

    level, y, caseload_forecasts = job
    names = candidate_names(
        y[SERIES_ID].nunique(),
        local_max_series=config.local_max_series,
        prophet_max_series=config.prophet_max_series,
        unit_cost=CASELOAD in y.columns,
        stock_flow=_stock_flow_level(level, y, config),
    )
    if config.allowed_models is not None:
        names = [n for n in names if n in config.allowed_models] or names[:1]
    models = build_models(names, **_model_options(level, y, config), caseload_forecasts=caseload_forecasts)
    frame = rolling_origin_backtest(y, models, h=h, n_windows=config.n_windows, step=step)
    return frame.assign(level=level), names


def _fitted(
    job: tuple[str, pd.DataFrame, str, list[str]],
    *,
    config: TrainConfig,
) -> tuple[Any, pd.DataFrame]:
    """The named model of one level fitted on all history, and its forecast of the training horizon.

    A combination is the mean of its members. The forecast is made where the model was fitted, so
    that the workers share that work rather than the main process doing it alone.
    """
    level, y, name, members = job
    if name == COMBINATION:
        built = build_models(members, **_model_options(level, y, config))
        model = MeanForecaster(list(built.items())).fit(y)
    else:
        model = build_models([name], **_model_options(level, y, config))[name].fit(y)
    return model, model.predict(config.horizon)


def _model_options(level: str, y: pd.DataFrame, config: TrainConfig) -> dict:
    at_wards = level.startswith(f"{WARD_LEVEL}/")
    gbm = {"covariates": config.covariates, "neighbours": config.neighbours} if at_wards else {}
    gbm |= {"max_iter": config.gbm_max_iter, "learning_rate": config.gbm_learning_rate}
    daily_rate = bool(y[MEASURE].isin(DAILY_RATE_MEASURES).all())
    few_series = has_few_series(y[SERIES_ID].nunique(), config.local_max_series)
    return {
        "seed": config.seed,
        "gbm_options": gbm,
        "caseload_paths": config.caseload_paths,
        "daily_rate": daily_rate,
        # cost rises with every April's prices, which a model's own trend may flatten after a year;
        # a sparse ward series' yearly drift is noise (benchmarks/holdout.md, decision 52)
        "grown_beyond_year": config.cost_grown_beyond_year and daily_rate and few_series,
        "mean_back_transform": bool(y[MEASURE].isin(MEAN_BACK_TRANSFORM_MEASURES).all()),
    }


def _stock_flow_level(level: str, y: pd.DataFrame, config: TrainConfig) -> bool:
    """Council caseload by service, with paths: where the stock-flow candidate runs.

    Its paths are per service; at the council's client-group and total levels it was no better than
    ETS before the held-out year (benchmarks/holdout.md, decision 20), and those levels take its
    service forecasts in through reconciliation.
    """
    return (
        config.caseload_paths is not None
        and level.startswith(f"{COUNCIL_LEVEL}/")
        and bool((y[MEASURE] == CASELOAD).all())
        and bool((y[SERVICE] != ALL).all())
    )


def _at_origin(floor: pd.DataFrame | None, origin: pd.Timestamp) -> pd.DataFrame | None:
    """The floor rows of the final origin (unique_id, month, noise_sd), or None."""
    if floor is None:
        return None
    return floor.loc[floor[CUTOFF] == origin].drop(columns=CUTOFF).reset_index(drop=True)


def _caseload_paths(records, panel, hierarchy, config, *, h, step, freq) -> pd.DataFrame:
    """Council caseload paths from the backtest origins (h months) and the final one (the horizon)."""
    from demandcast.features.caseload_paths import caseload_paths

    last = panel[MONTH].max()
    origins = dict.fromkeys(backtest_cutoffs(last, h=h, n_windows=config.n_windows, step=step, freq=freq), h)
    origins[last] = config.horizon
    ward_areas = hierarchy.areas.set_index(AREA)[COUNCIL]
    return caseload_paths(records, ward_areas, origins, first_month=panel[MONTH].min())


def _by_level(frames: list[pd.DataFrame]):
    return [(frame["level"].iat[0], frame) for frame in frames]


def _with_chosen(frames: list[pd.DataFrame], chosen: dict[str, str]) -> pd.DataFrame:
    marked = [frame.assign(**{CHOSEN: frame[chosen[level]]}) for level, frame in _by_level(frames)]
    return pd.concat(marked, ignore_index=True)


def _panel_up_to(hpanel: pd.DataFrame, as_of) -> pd.DataFrame:
    if as_of is None:
        return hpanel
    kept = hpanel[hpanel[MONTH] <= pd.Timestamp(as_of)]
    if kept.empty:
        raise InputError(f"as_of {as_of}: the panel has no months on or before it")
    return kept


class _Clock:
    """Accumulates wall-clock seconds per named stage: `with clock("fit"): ...`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start
