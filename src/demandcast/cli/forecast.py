"""The `demandcast forecast` command: serve forecasts from the model registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from demandcast.checks.forecast_disclosure import protect_forecasts
from demandcast.cli.app import EXIT_OK, EXIT_UNUSABLE_INPUT, app
from demandcast.errors import InputError
from demandcast.files import write_atomically
from demandcast.settings import Settings

_SUFFIXES = (".parquet", ".csv")


@app.command()
def forecast(
    out: Annotated[Path, typer.Option(help="Where to write the forecasts (.parquet or .csv).")],
    model: Annotated[str, typer.Option(help="Registry alias or version number.")] = "champion",
    horizon: Annotated[int | None, typer.Option(help="Periods ahead (1-36); default: as trained.")] = None,
    tracking_uri: Annotated[
        str | None, typer.Option("--tracking-uri", help="MLflow URI; default sqlite:///mlruns/mlflow.db.")
    ] = None,
    publish: Annotated[
        bool,
        typer.Option("--publish", help="Apply disclosure control to sub-council counts (for publication)."),
    ] = False,
) -> None:
    """Forecast every ward, district and council from a registered model.

    Internal outputs keep full precision; --publish suppresses and rounds ward and district count
    forecasts by the NHS England rule and adds a disclosure_status column.

    Exit 0 on success, 2 when the model, the horizon or the output path is unusable.
    """
    console, errors = Console(), Console(stderr=True)
    try:
        if out.suffix not in _SUFFIXES:
            raise InputError(f"{out}: the output must end in .parquet or .csv")
        settings = Settings() if tracking_uri is None else Settings(tracking_uri=tracking_uri)
        with console.status(f"Loading {settings.registered_model} {model} and forecasting..."):
            from mlflow.exceptions import MlflowException  # MLflow is slow to import

            from demandcast.tracking.serving import registry_forecasts

            try:
                forecasts = registry_forecasts(
                    settings.registered_model, model, horizon, uri=settings.tracking_uri
                )
            except MlflowException as error:
                raise InputError(f"model {settings.registered_model!r} {model!r}: {error.message}") from error
        table = protect_forecasts(forecasts) if publish else forecasts
        write_atomically(out, lambda p: _write(table, p, out.suffix))
    except (InputError, OSError, ValueError) as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from None
    kind = "published (disclosure-controlled)" if publish else "internal (full precision)"
    console.print(f"[green]wrote[/green] {out}: {len(table):,} rows, {kind}", highlight=False)
    raise typer.Exit(EXIT_OK)


def _write(frame, path: Path, suffix: str) -> None:
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
