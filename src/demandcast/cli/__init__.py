"""The `demandcast` command line: one thin module per command, each calling the library."""

from demandcast.cli import generate, insights, panel, pseudonymise, validate  # noqa: F401  (registers the commands)
from demandcast.cli.app import app

__all__ = ["app"]
