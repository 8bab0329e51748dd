"""The `demandcast` command line: one thin module per command, each calling the library."""

from demandcast.cli import (  # noqa: F401  (registers the commands)
    forecast,
    generate,
    insights,
    panel,
    privacy_report,
    pseudonymise,
    train,
    validate,
)
from demandcast.cli.app import app

__all__ = ["app"]
