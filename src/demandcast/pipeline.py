"""The training pipeline the `train` command calls: inputs -> engine -> checks -> files in a folder.

Records (validated, then aggregated to the monthly ward panel) or an already aggregated `--panel`
become the hierarchical panel; `models.training.train` fits and backtests it; the fairness gates,
privacy checks and the model card are computed; every output is written atomically. No MLflow
here: tracking reads the returned `Outcome`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from demandcast.catalogue import load_catalogue
from demandcast.checks.fairness import FairnessReport, fairness_report
from demandcast.checks.forecast_disclosure import DISCLOSURE_STATUS, protect_forecasts
from demandcast.checks.gates import GateResult, evaluate_gates
from demandcast.checks.identifiers import scan_identifiers
from demandcast.checks.model_card import model_card
from demandcast.checks.proxy_audit import proxy_audit, strongest_proxies, ward_model_inputs
from demandcast.checks.reidentification import reidentification_risk
from demandcast.checks.ward_groups import ward_groups
from demandcast.columns import (
    ACTUAL,
    ALL,
    AREA,
    AREA_LEVEL,
    CLIENT_GROUP,
    CUTOFF,
    GEOMETRY,
    HORIZON_STEP,
    MEAN,
    MEASURE,
    MONTH,
    SERVICE,
    WARD_CODE,
    WARD_LEVEL,
)
from demandcast.data.panel_input import hpanel_from_ward_panel, read_panel_input
from demandcast.data.validation import ValidationResult, load_records
from demandcast.data.wards import load_wards
from demandcast.errors import InputError
from demandcast.features.covariates import DEFAULT_COVARIATES
from demandcast.features.panel import monthly_panel
from demandcast.files import write_atomically
from demandcast.models.conformal import ConformalIntervals
from demandcast.models.hierarchy import Hierarchy, build_hierarchy
from demandcast.models.selection import RECONCILED
from demandcast.models.training import TrainConfig, TrainResult, train

FORECASTS_FILE, BACKTEST_FILE, METRICS_FILE = "forecasts.parquet", "backtest.parquet", "metrics.json"
FAIRNESS_FILE, PRIVACY_FILE = "checks/fairness.json", "checks/privacy.json"
MODEL_CARD_FILE, DECISIONS_FILE = "model_card.md", "decisions.json"
_SERIES_KEYS = (AREA, CLIENT_GROUP, SERVICE)
_NO_WARDS = "not available: no ward table (aggregated panel input)"
_NO_PROXY_AUDIT = "not available: no ward table, or too few wards to cross-validate"


@dataclass(frozen=True)
class TrainingData:
    """What training reads: the hierarchical panel and, from records, the ward table and the records.

    Attributes:
        hpanel: columns HIERARCHICAL_PANEL_COLUMNS.
        hierarchy: the area and service hierarchy of `hpanel`.
        wards: the ward table (ward_code, attributes, geometry), or None for `--panel` input.
        records: the accepted records, read by the privacy checks and, in training, by the
            council caseload paths (features.caseload_paths), or None.
        validation: the records' validation result, or None.
    """

    hpanel: pd.DataFrame
    hierarchy: Hierarchy
    wards: pd.DataFrame | None = field(default=None, repr=False)
    records: pd.DataFrame | None = field(default=None, repr=False)
    validation: ValidationResult | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Outcome:
    """One training's results, checks and the files written."""

    result: TrainResult
    fairness: FairnessReport | None
    gates: GateResult | None
    privacy: dict[str, Any]
    card: str
    files: dict[str, Path]
    stage_seconds: dict[str, float]

    @property
    def failures(self) -> list[str]:
        """The failing checks in words (empty when every gate passed or none applied)."""
        return [] if self.gates is None else list(self.gates.failures)

def data_from_records(
    records: str | Path,
    wards: str | Path | None = None,
    *,
    start: str | None = None,
    as_of: str | None = None,
) -> TrainingData:
    """Validate a records extract and aggregate it to the hierarchical panel (wards -> districts -> council).

    Raises:
        InputError: for an unusable file, ward table, start or extract date.
    """
    ward_table = load_wards(wards)
    codes = ward_table[WARD_CODE].astype("str").tolist()
    catalogue = load_catalogue()
    validation = load_records(records, wards=codes, catalogue=catalogue, as_of=as_of)
    panel = monthly_panel(
        validation.accepted, ward_codes=codes, catalogue=catalogue, start=start, as_of=validation.as_of
    )
    hpanel, areas = hpanel_from_ward_panel(panel, ward_table)
    return TrainingData(hpanel, build_hierarchy(hpanel, areas), ward_table, validation.accepted, validation)


def data_from_panel(
    panel: str | Path,
    areas: str | Path | None = None,
    services: str | Path | None = None,
    *,
    horizon: int = 12,
    n_windows: int = 3,
) -> TrainingData:
    """Read a `--panel` input and its optional AREAS.csv and SERVICES.csv.

    Raises:
        InputError: naming the file, column and row of the first problem.
    """
    given = read_panel_input(panel, areas, services, horizon=horizon, n_windows=n_windows)
    hierarchy = build_hierarchy(given.hpanel, given.areas, service_groups=given.service_groups)
    return TrainingData(given.hpanel, hierarchy)


def ward_config(config: TrainConfig, wards: pd.DataFrame | None) -> TrainConfig:
    """`config` with the ward covariates and queen neighbours for the global model, when wards are known."""
    if wards is None:
        return config
    from demandcast.features.spatial import queen_neighbours  # libpysal is slow to import

    covariates = pd.DataFrame(wards.drop(columns=[GEOMETRY], errors="ignore")).rename(
        columns={WARD_CODE: AREA}
    )
    neighbours = queen_neighbours(wards) if GEOMETRY in wards else None
    return replace(config, covariates=covariates, neighbours=neighbours)


def train_to_folder(
    data: TrainingData, config: TrainConfig, out: str | Path, executor: Any = None
) -> Outcome:
    """Train, check and write forecasts, backtest, metrics, checks and the model card into `out`.

    Writes (atomically): forecasts.parquet, backtest.parquet, metrics.json, decisions.json,
    checks/fairness.json, checks/privacy.json, model_card.md.
    """
    started = time.perf_counter()
    config_with_wards = ward_config(config, data.wards)
    result = train(data.hpanel, data.hierarchy, config_with_wards, executor=executor, records=data.records)
    trained = time.perf_counter()
    fairness, gates = fairness_checks(result.backtest, data.wards, config)
    proxies = proxy_checks(data.hpanel, data.wards, seed=config.seed)
    privacy = privacy_checks(data.records, result.forecasts)
    card = model_card(
        metrics=result.metrics,
        fairness=fairness,
        gates=gates,
        privacy=privacy,
        config=config_params(config),
        data_summary=data_summary(data),
        proxies=proxies,
    )
    checked = time.perf_counter()
    files = _write_outputs(Path(out), result, fairness, gates, proxies, privacy, card)
    stages = {
        "train": trained - started,
        **result.stage_seconds,
        "checks": checked - trained,
        "write": time.perf_counter() - checked,
    }
    return Outcome(result, fairness, gates, privacy, card, files, stages)


def fairness_checks(
    backtest: pd.DataFrame, wards: pd.DataFrame | None, config: TrainConfig
) -> tuple[FairnessReport | None, GateResult | None]:
    """The fairness report and gates on the bottom ward-level backtest, or (None, None) without wards."""
    if wards is None:
        return None, None
    bottom = bottom_backtest_with_intervals(backtest, config.levels)
    report = fairness_report(bottom, ward_groups(wards), model_column=RECONCILED, seed=config.seed)
    return report, evaluate_gates(report)


def proxy_checks(hpanel: pd.DataFrame, wards: pd.DataFrame | None, *, seed: int = 0) -> pd.DataFrame | None:
    """How well the model's ward-level inputs predict minority-ethnic share and deprivation.

    The inputs are what the global model sees per ward: mean demand per measure and client group, and
    the covariates it joins (population by age group, IMD decile). None without a ward table or with
    too few wards to cross-validate (the checks file then says "not available").
    """
    if wards is None:
        return None
    covariates = pd.DataFrame(wards)[[WARD_CODE, *DEFAULT_COVARIATES]].rename(columns={WARD_CODE: AREA})
    try:
        return proxy_audit(ward_model_inputs(hpanel, covariates), wards, seed=seed)
    except InputError:
        return None


def bottom_backtest_with_intervals(backtest: pd.DataFrame, levels: tuple[int, ...]) -> pd.DataFrame:
    """The ward x service rows of the backtest, with conformal intervals of the reconciled forecasts.

    Each origin's intervals are calibrated on the other origins (leave one origin out), so their
    coverage is honest; a backtest that already carries such intervals keeps them.

    Args:
        backtest: TrainResult.backtest (area_level, area, client_group, service, measure, cutoff,
            horizon_step, month, actual, reconciled, ...).
    """
    bottom = backtest[(backtest[AREA_LEVEL] == WARD_LEVEL) & (backtest[SERVICE] != ALL)]
    if all(f"{side}_{level}" in bottom for level in levels for side in ("lo", "hi")):
        return bottom  # training already added held-out intervals to its backtest
    frames = []
    for (_, cutoff), window in bottom.groupby([MEASURE, CUTOFF], sort=True):
        others = bottom[(bottom[MEASURE] == window[MEASURE].iat[0]) & (bottom[CUTOFF] != cutoff)]
        if others.empty:
            frames.append(window)
            continue
        intervals = ConformalIntervals(levels=levels, keys=_SERIES_KEYS).fit(others, RECONCILED)
        forecast = window.assign(**{MEAN: window[RECONCILED].to_numpy()})
        frames.append(intervals.apply(forecast).drop(columns=[MEAN]))
    return pd.concat(frames, ignore_index=True) if frames else bottom


def privacy_checks(records: pd.DataFrame | None, forecasts: pd.DataFrame) -> dict[str, Any]:
    """Counts only: identifiers found in the records, re-identification risk, forecast disclosure control."""
    published = protect_forecasts(forecasts)
    statuses = published[DISCLOSURE_STATUS].value_counts().sort_index()
    report: dict[str, Any] = {
        "published_forecasts": {
            "rule": "nhs",
            "cells_by_status": {str(k): int(v) for k, v in statuses.items()},
        },
        "mlflow": "aggregates only: panel-level metrics, backtests, forecasts and checks; no records",
    }
    if records is None:
        report["inputs"] = "not available: trained on an aggregated panel, no records were read"
        return report
    findings = scan_identifiers(records, sample_size=None)
    report["direct_identifiers"] = findings.drop(columns=["example_row_number"]).to_dict("records")
    try:
        report["reidentification"] = reidentification_risk(records).summary
    except ValueError as error:
        report["reidentification"] = f"not available: {error}"
    return report


def config_params(config: TrainConfig) -> dict[str, Any]:
    """The training configuration as plain values (the covariate table, neighbours and paths left out)."""
    params = asdict(config)
    for table in ("covariates", "neighbours", "caseload_paths"):
        params.pop(table, None)
    return {key: (list(value) if isinstance(value, tuple) else value) for key, value in params.items()}


def data_summary(data: TrainingData) -> dict[str, Any]:
    """Facts about the panel (counts and dates only)."""
    months = data.hpanel[MONTH]
    return {
        "source": "records" if data.records is not None else "panel",
        "period_start": f"{months.min():%Y-%m}",
        "period_end": f"{months.max():%Y-%m}",
        "n_areas": int(data.hpanel[AREA].nunique()),
        "n_bottom_series": int(data.hpanel.groupby([*_SERIES_KEYS, MEASURE]).ngroups),
        "measures": sorted(data.hpanel[MEASURE].unique().tolist()),
    }


def evaluation_window(backtest: pd.DataFrame) -> str:
    """The backtest's scored months, first origin's first month to the last, e.g. "2024-04..2025-03"."""
    scored = backtest.dropna(subset=[ACTUAL])
    first = scored.loc[scored[HORIZON_STEP] == 1, MONTH].min()
    return f"{first:%Y-%m}..{scored[MONTH].max():%Y-%m}"


def json_ready(value: Any) -> Any:
    """Nested dicts and lists with NaN and infinities as None and numpy scalars as Python numbers."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _write_outputs(out, result, fairness, gates, proxies, privacy, card) -> dict[str, Path]:
    checks = {
        "fairness": None if fairness is None else fairness.to_dict(),
        "gates": None if gates is None else gates.to_dict(),
        "proxy_audit": _NO_PROXY_AUDIT if proxies is None else proxies.to_dict("records"),
        "strongest_proxies": None if proxies is None else strongest_proxies(proxies),
        "status": "computed" if fairness is not None else _NO_WARDS,
    }
    writers: dict[str, Callable[[Path], Any]] = {
        FORECASTS_FILE: lambda p: result.forecasts.to_parquet(p, index=False),
        BACKTEST_FILE: lambda p: result.backtest.to_parquet(p, index=False),
        METRICS_FILE: lambda p: p.write_text(_json(result.metrics)),
        DECISIONS_FILE: lambda p: p.write_text(_json(result.decisions)),
        FAIRNESS_FILE: lambda p: p.write_text(_json(checks)),
        PRIVACY_FILE: lambda p: p.write_text(_json(privacy)),
        MODEL_CARD_FILE: lambda p: p.write_text(card),
    }
    return {name: write_atomically(out / name, write) for name, write in writers.items()}


def _json(value: Any) -> str:
    return json.dumps(json_ready(value), indent=2, default=str, allow_nan=False) + "\n"

