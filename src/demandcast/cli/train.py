"""The `demandcast train` command: train on records or a panel, write the outputs, log and register the model.

Prints counts, scores and stage times only, never a person-level value.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from demandcast.cli.app import EXIT_OK, EXIT_ROWS_QUARANTINED, EXIT_UNUSABLE_INPUT, app
from demandcast.data.validation import write_quarantine
from demandcast.errors import InputError
from demandcast.models.executor import ProcessExecutor, SerialExecutor
from demandcast.models.training import TrainConfig
from demandcast.pipeline import Outcome, TrainingData, data_from_panel, data_from_records, train_to_folder
from demandcast.settings import Settings

QUARANTINE_FILE = "quarantine.csv"


@app.command()
def train(
    records: Annotated[Path | None, typer.Option(help="Records extract (.csv or .parquet).")] = None,
    wards: Annotated[
        Path | None, typer.Option(help="Ward boundaries for --records; default: the demo city.")
    ] = None,
    panel: Annotated[
        Path | None, typer.Option(help="Aggregated panel: area, service, month, measure, value.")
    ] = None,
    areas: Annotated[Path | None, typer.Option(help="AREAS.csv: area, district, council.")] = None,
    services: Annotated[Path | None, typer.Option(help="SERVICES.csv for --panel: service, group.")] = None,
    start: Annotated[str | None, typer.Option(help="First month YYYY-MM (records only).")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Train on data up to this date YYYY-MM-DD.")
    ] = None,
    horizon: Annotated[int, typer.Option(help="Periods ahead to forecast (1-36).")] = 12,
    n_windows: Annotated[int, typer.Option("--n-windows", help="Rolling-origin backtest windows.")] = 3,
    out: Annotated[Path | None, typer.Option(help="Output folder; default: Settings.models_dir.")] = None,
    tracking_uri: Annotated[
        str | None, typer.Option("--tracking-uri", help="MLflow URI; default sqlite:///mlruns/mlflow.db.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed; default: Settings.seed.")] = None,
    models: Annotated[
        str | None, typer.Option(help="Comma-separated candidate models (default: all that fit a level).")
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, help="Worker processes for per-series fits.")] = 2,
) -> None:
    """Train, backtest, check and register a forecasting model.

    Writes forecasts.parquet, backtest.parquet, metrics.json, checks/fairness.json,
    checks/privacy.json and model_card.md into --out, logs one MLflow run, registers a version as
    `challenger` and promotes it to `champion` only if it beats the champion and passes the checks.

    Exit 0 on success, 1 when some records were quarantined, 2 when the input is unusable.
    """
    console, errors = Console(), Console(stderr=True)
    try:
        settings = Settings() if tracking_uri is None else Settings(tracking_uri=tracking_uri)
        folder = out or settings.models_dir
        config = TrainConfig(
            horizon=horizon,
            n_windows=n_windows,
            seed=settings.seed if seed is None else seed,
            as_of=as_of if panel is not None else None,
            allowed_models=tuple(m.strip() for m in models.split(",")) if models else None,
        )
        clock = time.perf_counter()
        with console.status("Reading the input..."):
            data = _training_data(records, wards, panel, areas, services, start, as_of, horizon, n_windows)
        read_seconds = time.perf_counter() - clock
        with console.status("Training, backtesting and checking (this takes a while)..."):
            executor = ProcessExecutor(n_jobs=jobs) if jobs > 1 else SerialExecutor()
            outcome = train_to_folder(data, config, folder, executor=executor)
        with console.status("Logging the run and registering the model..."):
            from demandcast.tracking.run_logging import track_training  # MLflow is slow to import

            clock = time.perf_counter()
            tracked = track_training(
                outcome,
                data,
                config,
                uri=settings.tracking_uri,
                registered_model=settings.registered_model,
                extra_params={"input": "records" if records is not None else "panel", "jobs": jobs},
            )
            log_seconds = time.perf_counter() - clock
        quarantined = _write_quarantine(data, folder)
    except (InputError, OSError, ValueError) as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from None
    stages = {"read": read_seconds, **outcome.stage_seconds, "mlflow": log_seconds}
    console.print(stage_table(stages))
    console.print(summary_table(outcome, tracked))
    console.print(f"outputs: {folder}", highlight=False, soft_wrap=True)
    if quarantined is not None:
        console.print(f"quarantine: {quarantined}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_OK if quarantined is None else EXIT_ROWS_QUARANTINED)


def _training_data(records, wards, panel, areas, services, start, as_of, horizon, n_windows) -> TrainingData:
    if (records is None) == (panel is None):
        raise InputError("give either --records (with optional --wards) or --panel, not both or neither")
    if panel is not None:
        if wards is not None or start is not None:
            raise InputError("--wards and --start apply to --records only")
        return data_from_panel(panel, areas, services, horizon=horizon, n_windows=n_windows)
    if areas is not None or services is not None:
        raise InputError("--areas and --services apply to --panel only")
    return data_from_records(records, wards, start=start, as_of=as_of)


def _write_quarantine(data: TrainingData, folder: Path) -> Path | None:
    """The quarantined rows go to the output folder for the analyst (never to MLflow)."""
    if data.validation is None or data.validation.all_accepted:
        return None
    return write_quarantine(data.validation, folder / QUARANTINE_FILE)


def stage_table(stages: dict[str, float]) -> Table:
    """Wall seconds spent in each stage (the fit overlaps reconciliation and intervals)."""
    caption = "wall seconds; the fit runs beside reconciliation and intervals"
    table = Table(title="Stage times", caption=caption, show_header=False)
    table.add_column("stage", style="bold")
    table.add_column("seconds", justify="right")
    for stage, seconds in stages.items():
        table.add_row(stage, f"{seconds:.1f}")
    return table


def summary_table(outcome: Outcome, tracked) -> Table:
    """Scores, checks and the registry's verdict."""
    registration = tracked.registration
    table = Table(title="Training run", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("run", tracked.run_id)
    table.add_row("promotion score (lower is better)", f"{tracked.score:.4f}")
    checks = "not available" if outcome.gates is None else ("passed" if outcome.gates.passed else "failed")
    table.add_row("fairness gates", checks)
    table.add_row("registered", f"{registration.name} version {registration.version} (challenger)")
    table.add_row("promotion", registration.decision.reason)
    return table
