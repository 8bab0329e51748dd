"""The `demandcast privacy-report` command: what each level of input protection costs the forecasts.

Retrains and backtests on the panel protected at each level (none, NHS 1-7/5, ONS 10-5, DP at
several epsilons), scores every backtest against the true panel, and writes
`DIR/privacy_report.csv` and `DIR/privacy_report.png`; both are logged to MLflow as one run.
Only aggregates leave the process: no person-level value is written or logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from demandcast.catalogue import load_catalogue
from demandcast.checks.value_protection import (
    DEFAULT_EPSILONS,
    contribution_bound,
    privacy_value_curve,
    protection_levels,
)
from demandcast.checks.ward_groups import IMD_QUINTILE, ward_groups
from demandcast.cli.app import EXIT_OK, EXIT_UNUSABLE_INPUT, app
from demandcast.columns import AREA, GEOMETRY, MEASURE, MONTH, WARD_CODE
from demandcast.data.demo.generate import DEFAULT_SEED
from demandcast.data.panel_input import hpanel_from_ward_panel
from demandcast.data.validation import load_records
from demandcast.data.wards import load_wards
from demandcast.errors import InputError
from demandcast.features.panel import monthly_panel
from demandcast.features.spatial import queen_neighbours
from demandcast.files import write_atomically
from demandcast.models.hierarchy import build_hierarchy
from demandcast.models.reconcile import MINT_SHRINK
from demandcast.models.selection import ETS, MEAN_OF_LAST_YEAR, SEASONAL_NAIVE
from demandcast.models.training import TrainConfig

REPORT_CSV, REPORT_PNG = "privacy_report.csv", "privacy_report.png"
EXPERIMENT = "privacy-report"
FAST_MODELS: tuple[str, ...] = (SEASONAL_NAIVE, MEAN_OF_LAST_YEAR, ETS)


@app.command("privacy-report")
def privacy_report(
    records: Annotated[
        Path | None, typer.Option(help="Records extract (.csv or .parquet); default: the demo city.")
    ] = None,
    wards: Annotated[
        Path | None, typer.Option(help="Ward table or boundaries; default: the demo wards.")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for privacy_report.csv and .png.")] = Path("privacy"),
    tracking_uri: Annotated[str | None, typer.Option("--tracking-uri", help="MLflow tracking URI.")] = None,
    seed: Annotated[int, typer.Option(help="Seeds the demo city, its DP noise and models.")] = DEFAULT_SEED,
    horizon: Annotated[int, typer.Option(help="Backtest horizon in months.")] = 12,
    n_windows: Annotated[int, typer.Option("--n-windows", help="Rolling-origin windows.")] = 3,
    epsilons: Annotated[str, typer.Option(help="Comma-separated DP epsilons.")] = ",".join(
        f"{e:g}" for e in DEFAULT_EPSILONS
    ),
    rules: Annotated[str, typer.Option(help="Comma-separated publishing rules to compare.")] = "nhs,ons_10_5",
    full: Annotated[
        bool, typer.Option("--full", help="Train every model (global GBM at wards): about 6 min a level.")
    ] = False,
) -> None:
    """Retrain and backtest on inputs protected at each level; report accuracy and fairness changes.

    By default the fast settings train baselines and ETS with MinT reconciliation (about a minute
    a level on the demo); --full uses the whole model set.
    """
    try:
        panel, ward_table, bound = _inputs(records, wards, seed)
        hpanel, areas = hpanel_from_ward_panel(panel, ward_table)
        levels = protection_levels(bound, epsilons=_epsilons(epsilons), rules=_names(rules))
        config = _config(ward_table, horizon, n_windows, seed, full)
        groups = ward_groups(pd.DataFrame(ward_table.drop(columns=[GEOMETRY], errors="ignore")))
        table = privacy_value_curve(
            hpanel, build_hierarchy(hpanel, areas), config, levels, groups=groups, seed=seed
        )
        files = write_report(table, out)
    except InputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from error
    run_id = log_report(table, files, bound, config, tracking_uri)
    typer.echo(_summary(table))
    typer.echo(f"wrote {files[0]} and {files[1]}; MLflow run {run_id}")
    raise typer.Exit(EXIT_OK)


def _inputs(records: Path | None, wards: Path | None, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    ward_table = load_wards(wards)
    codes = ward_table[WARD_CODE].astype(str).tolist()
    catalogue = load_catalogue()
    if records is None:
        from demandcast.data.demo.generate import generate_demo_city

        frame, as_of = generate_demo_city(seed=seed, wards=ward_table), None
    else:
        result = load_records(records, wards=codes, catalogue=catalogue)
        frame, as_of = result.accepted, result.as_of
    panel = monthly_panel(frame, ward_codes=codes, catalogue=catalogue, as_of=as_of)
    months = pd.DatetimeIndex(sorted(panel[MONTH].unique()))
    return panel, ward_table, contribution_bound(frame, months)


def _epsilons(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise InputError(f"--epsilons {text!r}: expected numbers separated by commas") from error
    if any(value <= 0 for value in values):
        raise InputError(f"--epsilons {text!r}: every epsilon must be positive")
    return values


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _config(ward_table, horizon: int, n_windows: int, seed: int, full: bool) -> TrainConfig:
    if not full:
        return TrainConfig(horizon=horizon, n_windows=n_windows, seed=seed, allowed_models=FAST_MODELS,
                           methods=(MINT_SHRINK,), prophet_max_series=0)
    covariates = pd.DataFrame(ward_table.drop(columns=[GEOMETRY])).rename(columns={WARD_CODE: AREA})
    return TrainConfig(horizon=horizon, n_windows=n_windows, seed=seed, covariates=covariates,
                       neighbours=queen_neighbours(ward_table))


def write_report(table: pd.DataFrame, out: Path) -> tuple[Path, Path]:
    """Write the table (CSV) and its chart (PNG) into `out`, each atomically."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path, png_path = out / REPORT_CSV, out / REPORT_PNG
    write_atomically(csv_path, lambda path: table.to_csv(path, index=False))
    figure = report_figure(table)
    write_atomically(png_path, lambda path: figure.savefig(path, format="png", dpi=110, bbox_inches="tight"))
    return csv_path, png_path


def report_figure(table: pd.DataFrame):
    """Three panels by protection level: cells altered, WAPE at ward and council, bias by IMD quintile."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = list(dict.fromkeys(table["level"]))
    figure, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for measure, rows in table.groupby(MEASURE, sort=True):
        rows = rows.set_index("level").loc[order]
        axes[0].plot(order, rows["cells_altered_share"], marker="o", label=measure)
        axes[1].plot(order, rows["ward_wape"], marker="o", label=f"{measure} ward")
        axes[1].plot(order, rows["council_wape"], marker="s", linestyle="--", label=f"{measure} council")
    caseload = table[table[MEASURE] == table[MEASURE].iloc[0]].set_index("level").loc[order]
    for column in sorted(c for c in table.columns if c.startswith("bias_imd_")):
        axes[2].plot(order, caseload[column], marker="o", label=f"IMD quintile {column[-1]}")
    titles = ("Share of ward-month cells withheld or altered", "WAPE against the true panel",
              f"Signed bias by {IMD_QUINTILE.replace('_', ' ')} ({caseload[MEASURE].iloc[0]})")
    for axis, title in zip(axes, titles, strict=True):
        axis.set_title(title, fontsize=10)
        axis.tick_params(axis="x", rotation=45)
        axis.legend(fontsize=7)
    axes[1].set_yscale("log")
    figure.tight_layout()
    return figure


def log_report(table: pd.DataFrame, files: tuple[Path, Path], bound: int, config: TrainConfig,
               tracking_uri: str | None) -> str:
    """Log the report as one MLflow run (parameters, headline metrics, the CSV and PNG); return its id."""
    import mlflow

    from demandcast.tracking.store import experiment_id, use_store

    uri = use_store(tracking_uri)
    with mlflow.start_run(experiment_id=experiment_id(EXPERIMENT, uri)) as run:
        mlflow.log_params({"contributions_per_person": bound, "horizon": config.horizon,
                           "n_windows": config.n_windows, "seed": config.seed,
                           "models": ",".join(config.allowed_models or ("all",)),
                           "levels": ",".join(dict.fromkeys(table["level"]))})
        mlflow.log_metrics(headline_metrics(table))
        mlflow.log_table(table, artifact_file=REPORT_CSV.replace(".csv", ".json"))
        for path in files:
            mlflow.log_artifact(str(path))
        return run.info.run_id


def headline_metrics(table: pd.DataFrame) -> dict[str, float]:
    """`<level>.<measure>.<metric>` for the shares and the accuracy metrics (finite values only)."""
    names = ["cells_altered_share", "ward_wape", "council_wape", "ward_mase", "council_mase"]
    metrics = {
        f"{row['level']}.{row[MEASURE]}.{name}": float(row[name])
        for _, row in table.iterrows()
        for name in names
    }
    return {key: value for key, value in metrics.items() if pd.notna(value) and abs(value) != float("inf")}


def _summary(table: pd.DataFrame) -> str:
    columns = ["level", MEASURE, "cells_altered_share", "ward_wape", "council_wape", "bias_imd_1"]
    return table[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}")

