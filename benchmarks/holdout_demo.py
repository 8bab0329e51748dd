"""Demo-city holdout: train with as_of 12 months before the end, score against the full panel.

Reports mean MASE per level for caseload and cost against seasonal naive (targets: >= 15% below at the
ward level, >= 25% at council level), 80/95% interval coverage, per-stage time and peak memory.
Writes the tables to --out (benchmarks/holdout_run.md); benchmarks/holdout.md records the decisions.

Usage: .venv/bin/python benchmarks/holdout_demo.py [--seed 20260331] [--out benchmarks/holdout_run.md]
(the default seed is the demo city's: `demandcast generate`, `make run`; seed 0 is the second city.)
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from demandcast.catalogue import load_catalogue
from demandcast.columns import GEOMETRY, MEAN, MEASURE, MONTH, SERIES_ID, VALUE, WARD_CODE
from demandcast.data.demo.generate import DEFAULT_SEED, generate_demo_city
from demandcast.data.panel_input import hpanel_from_ward_panel
from demandcast.data.wards import load_wards
from demandcast.features.panel import monthly_panel
from demandcast.features.spatial import queen_neighbours
from demandcast.models.demand_model import base_of
from demandcast.models.executor import ProcessExecutor
from demandcast.models.hierarchy import Hierarchy, aggregate, build_hierarchy, node_ids
from demandcast.models.reconcile import TOP_DOWN_FORMS
from demandcast.models.training import TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]
AREA_LEVELS, SERVICE_LEVELS = ("ward", "district", "council"), ("service", "client_group", "all")
LEVELS = tuple(f"{a}/{s}" for a in AREA_LEVELS for s in SERVICE_LEVELS)
ORIGINS = ("2023-03", "2023-09", "2024-03", "2024-09", "2025-03")
"""Last training months 6 months apart for the diagnostics (council_runoff.py, prophet_order.py): the
last is this holdout's origin, the others lie before it."""


def demo_city(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(hpanel, areas, wards, records) of the demo city generated with `seed`."""
    wards = load_wards()
    records = generate_demo_city(seed=seed)
    panel = monthly_panel(records, ward_codes=list(wards[WARD_CODE]), catalogue=load_catalogue())
    hpanel, areas = hpanel_from_ward_panel(panel, wards)
    return hpanel, areas, wards, records


def write_report(path: Path, lines: list[str]) -> None:
    """Write a markdown report (one string per line) to `path` and print it."""
    text = "\n".join(lines)
    path.write_text(text)
    print(text)


def holdout_config(
    seed: int, hpanel: pd.DataFrame, wards: pd.DataFrame, kept_methods: dict[str, str] | None = None
) -> TrainConfig:
    """The holdout's training: as_of 12 months before the panel's end, horizon 12, ward covariates and
    queen-contiguity neighbours, training seed `seed` (the city's); `kept_methods` as TrainConfig's."""
    return TrainConfig(
        horizon=12,
        seed=seed,
        as_of=hpanel[MONTH].max() - pd.DateOffset(months=12),
        covariates=pd.DataFrame(wards.drop(columns=[GEOMETRY])).rename(columns={WARD_CODE: "area"}),
        neighbours=queen_neighbours(wards),
        kept_methods=kept_methods or {},
    )


def holdout_city(
    seed: int, kept_methods: dict[str, str] | None = None
) -> tuple[pd.DataFrame, Hierarchy, TrainConfig, pd.DataFrame]:
    """The demo city of `seed`: its panel, hierarchy, holdout training configuration and records."""
    hpanel, areas, wards, records = demo_city(seed)
    return hpanel, build_hierarchy(hpanel, areas), holdout_config(seed, hpanel, wards, kept_methods), records


def kept_argument(text: str) -> tuple[str, str]:
    """`--kept MEASURE=METHOD`: the reconciliation method kept for a measure (TrainConfig.kept_methods)."""
    measure, _, method = text.partition("=")
    if not measure or not method:
        raise argparse.ArgumentTypeError(f"--kept {text!r}: expected MEASURE=METHOD")
    return measure, method


def holdout_scores(forecasts: pd.DataFrame, full: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per level and measure: mean MASE of the model and of seasonal naive, coverage 80/95.

    Also the mean RMSSE (root mean squared error over the in-sample seasonal-naive RMSE, M5's
    measure): MASE rewards a series' median, RMSSE its mean, and they part on intermittent counts.
    """
    full = full.assign(**{SERIES_ID: node_ids(full)})
    train_part = full[full[MONTH] <= as_of]
    wide = train_part.pivot_table(index=[MEASURE, SERIES_ID], columns=MONTH, values=VALUE)
    seasonal_change = wide - wide.shift(12, axis=1)
    scale = seasonal_change.abs().mean(axis=1).rename("scale")
    squared_scale = (seasonal_change**2).mean(axis=1).rename("squared_scale")
    f = forecasts.assign(**{SERIES_ID: node_ids(forecasts)})
    f = f.merge(full[["level", MEASURE, SERIES_ID, MONTH, VALUE]], on=[MEASURE, SERIES_ID, MONTH])
    lagged = full.assign(**{MONTH: full[MONTH] + pd.DateOffset(months=12)})[
        [MEASURE, SERIES_ID, MONTH, VALUE]
    ]
    f = f.merge(lagged.rename(columns={VALUE: "naive"}), on=[MEASURE, SERIES_ID, MONTH])
    f = f.merge(pd.concat([scale, squared_scale], axis=1).reset_index(), on=[MEASURE, SERIES_ID])
    f = f[f["scale"] > 0]
    f["err_model"] = (f[MEAN] - f[VALUE]).abs() / f["scale"]
    f["err_naive"] = (f["naive"] - f[VALUE]).abs() / f["scale"]
    f["squared_model"] = (f[MEAN] - f[VALUE]) ** 2 / f["squared_scale"]
    f["abs_error"], f["error"] = (f[MEAN] - f[VALUE]).abs(), f[MEAN] - f[VALUE]
    f["naive_abs_error"] = (f["naive"] - f[VALUE]).abs()
    covered = [f"in_{level}" for level in (80, 95) if f"lo_{level}" in f]
    for name in covered:
        level = name.removeprefix("in_")
        f[name] = (f[VALUE] >= f[f"lo_{level}"]) & (f[VALUE] <= f[f"hi_{level}"])
    errors = ["err_model", "err_naive", "squared_model", *covered]
    per_series = f.groupby(["level", MEASURE, SERIES_ID])[errors].mean()
    per_series["rmsse"] = np.sqrt(per_series.pop("squared_model"))
    out = per_series.groupby(["level", MEASURE]).mean()
    out["improvement"] = 1 - out["err_model"] / out["err_naive"]
    sums = f.groupby(["level", MEASURE])[["abs_error", "error", "naive_abs_error", VALUE]].sum()
    out["wape"] = sums["abs_error"] / sums[VALUE]
    out["wape_naive"] = sums["naive_abs_error"] / sums[VALUE]
    out["bias"] = sums["error"] / sums[VALUE]
    return out.reset_index()


def base_versus_reconciled(base_scores: pd.DataFrame, scores: pd.DataFrame) -> list[str]:
    """Each level's held-out MASE, RMSSE and bias before and after reconciliation."""
    both = scores.merge(base_scores, on=["level", MEASURE], suffixes=("", "_base"))
    both = both[both["level"].isin(LEVELS)].assign(order=lambda d: d["level"].map(LEVELS.index))
    lines = [
        "| level | measure | MASE base | MASE reconciled | ratio | RMSSE base | RMSSE reconciled | ratio "
        "| bias base | bias reconciled |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in both.sort_values([MEASURE, "order"]).itertuples():
        lines.append(
            f"| {r.level} | {r.measure} | {r.err_model_base:.3f} | {r.err_model:.3f} | "
            f"{r.err_model / r.err_model_base:.3f} | {r.rmsse_base:.3f} | {r.rmsse:.3f} | "
            f"{r.rmsse / r.rmsse_base:.3f} | {r.bias_base:+.3f} | {r.bias:+.3f} |"
        )
    return lines


def method_table(decisions: dict) -> list[str]:
    """Every reconciliation method's backtest geometric-mean MASE ratio to the base, and its worst level."""
    lines = [
        "Reconciliation methods on the backtest (MASE ratio to the base forecasts over the nine levels;"
        " below 1 is better; * kept):",
        "",
        "| measure | method | geometric mean | worst level |",
        "|---|---|---:|---:|",
    ]
    for measure, decision in decisions.items():
        record = decision["reconciliation"]
        for method, ratio in sorted(record["geometric_mean"].items(), key=lambda item: item[1]):
            level, worst = max(record["mase_ratio_to_base"][method].items(), key=lambda item: item[1])
            kept = " *" if method == record["method"] else ""
            lines.append(f"| {measure} | {method}{kept} | {ratio:.3f} | {worst:.3f} ({level}) |")
    return lines


def base_forecasts(model) -> dict[str, pd.DataFrame]:
    """Each measure's base forecasts (unique_id, month, mean): every level's chosen model, predicted once."""
    return {
        m: base_of([fit.models[level].predict(model.horizon) for level in fit.models])
        for m, fit in model.measures.items()
    }


def held_out_by_fit(
    model, full: pd.DataFrame, as_of: pd.Timestamp, variants: dict
) -> dict[str, pd.DataFrame]:
    """variant -> holdout_scores of the model's base forecasts reconciled with every measure's fit changed
    by that variant's function of (measure, fit) (the same bases for all)."""
    bases = base_forecasts(model)
    scores = {}
    for name, changed in variants.items():
        measures = {m: changed(m, fit) for m, fit in model.measures.items()}
        scores[name] = holdout_scores(replace(model, measures=measures).from_base(bases), full, as_of)
    return scores


def held_out_by_method(model, full: pd.DataFrame, as_of: pd.Timestamp, methods) -> dict[str, pd.DataFrame]:
    """method -> holdout_scores of the model's base forecasts reconciled by that method (the same bases)."""
    return held_out_by_fit(model, full, as_of, {method: partial(_with_method, method) for method in methods})


def _with_method(method: str, _measure: str, fit):
    return replace(fit, method=method)


def top_down_forms(model, full: pd.DataFrame, as_of: pd.Timestamp) -> list[str]:
    """Held-out MASE of every level under each top-down form of reconciliation, the same base forecasts."""
    scores = {
        method: frame.set_index(["level", MEASURE])["err_model"]
        for method, frame in held_out_by_method(model, full, as_of, TOP_DOWN_FORMS).items()
    }
    lines = [
        "Held-out MASE under each top-down form of reconciliation, from the same base forecasts (the"
        " method kept is starred above):",
        "",
        "| level | measure | " + " | ".join(TOP_DOWN_FORMS) + " |",
        "|---|---|" + "---:|" * len(TOP_DOWN_FORMS),
    ]
    for measure in sorted(model.measures):
        for level in LEVELS:
            cells = " | ".join(f"{scores[method][(level, measure)]:.3f}" for method in TOP_DOWN_FORMS)
            lines.append(f"| {level} | {measure} | {cells} |")
    return lines


def _cpu_seconds() -> float:
    """CPU seconds of this process, its finished children and its live worker processes."""
    own, done = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    live = sum(_proc_cpu(pid) for pid in _live_children())
    return own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime + live


def _live_children() -> list[int]:
    pids = []
    for task in Path("/proc/self/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_gb(pid: int | str = "self") -> float:
    """Peak resident memory (VmHWM) of a process in GB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


def _backtest_coverage(result) -> list[str]:
    """Leave-one-origin-out coverage of the reconciled intervals in the backtest, per level."""
    lines = ["| level | measure | backtest cover 80 | backtest cover 95 |", "|---|---|---:|---:|"]
    for measure, levels in result.metrics.items():
        for level in LEVELS:
            row = levels[level]["reconciled"]
            lines.append(f"| {level} | {measure} | {row['coverage_80']:.0%} | {row['coverage_95']:.0%} |")
    return lines


def _kept_note(kept: list[tuple[str, str]]) -> str:
    """The `--kept` reconciliation methods as the report's header names them (nothing by default)."""
    return "".join(f"; {method} kept for {measure} (--kept)" for measure, method in kept)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--save", type=Path, default=None, help="also write the forecasts to this parquet")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "holdout_run.md")
    parser.add_argument("--kept", type=kept_argument, action="append", default=[], metavar="MEASURE=METHOD")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    hpanel, hierarchy, config, records = holdout_city(args.seed, dict(args.kept))
    as_of = config.as_of
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    result = train(hpanel, hierarchy, config, executor=ProcessExecutor(n_jobs=2), records=records)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    peak_gb = _peak_gb()
    worker_gb = max((_peak_gb(pid) for pid in _live_children()), default=0.0)
    if args.save:
        result.forecasts.to_parquet(args.save)
    full = aggregate(hpanel, hierarchy)
    scores = holdout_scores(result.forecasts, full, as_of)
    base_scores = holdout_scores(result.model.base_forecast().drop(columns="level"), full, as_of)
    rows = scores[scores["level"].isin(LEVELS)].assign(
        order=lambda d: d["level"].map(LEVELS.index)
    ).sort_values(["order", MEASURE])
    lines = [
        "| level | measure | MASE demandcast | MASE seasonal naive | improvement | WAPE | WAPE naive | bias "
        "| cover 80 | cover 95 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows.itertuples():
        lines.append(
            f"| {r.level} | {r.measure} | {r.err_model:.3f} | {r.err_naive:.3f} | {r.improvement:.0%} | "
            f"{r.wape:.3f} | {r.wape_naive:.3f} | {r.bias:+.3f} | {r.in_80:.0%} | {r.in_95:.0%} |"
        )
    chosen = {m: d["chosen_models"] for m, d in result.decisions.items()}
    methods = {m: d["reconciliation"]["reason"] for m, d in result.decisions.items()}
    text = (
        "# Demo-city holdout (last 12 months held out)\n\n"
        f"Seed {args.seed}; as_of {as_of:%Y-%m}; 2 worker processes{_kept_note(args.kept)}.\n\n"
        + "\n".join(lines)
        + f"\n\nWall time {seconds:.0f} s (train only), CPU {cpu:.0f} s (main process and workers), "
        f"load average before the run {load:.1f}; peak RSS {peak_gb:.2f} GB (main process), "
        f"{worker_gb:.2f} GB (largest worker).\n"
        + "Stages (s; the fit runs beside reconciliation and intervals): "
        + ", ".join(f"{k} {v:.1f}" for k, v in result.stage_seconds.items())
        + f"\n\nChosen models: {chosen}\n\nReconciliation: {methods}\n\n"
        + "\n".join(_backtest_coverage(result))
        + "\n\nHeld-out accuracy of the base forecasts (each level's chosen model) and the reconciled ones:"
        + "\n\n"
        + "\n".join(base_versus_reconciled(base_scores, scores))
        + "\n\n"
        + "\n".join(method_table(result.decisions))
        + "\n\n"
        + "\n".join(top_down_forms(result.model, full, as_of))
        + "\n"
    )
    args.out.write_text(text)
    print(text)
    np.testing.assert_(len(rows) > 0)


if __name__ == "__main__":
    main()
