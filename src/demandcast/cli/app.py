"""The Typer application every command module registers itself on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="demandcast",
    help="Per-ward monthly forecasts of social-care demand and cost, with fairness and privacy checks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK = 0
EXIT_ROWS_QUARANTINED = 1
EXIT_UNUSABLE_INPUT = 2


@app.callback()
def _main() -> None:
    """Per-ward monthly forecasts of social-care demand and cost, with fairness and privacy checks."""
