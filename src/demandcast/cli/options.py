"""Typed options shared by the commands that read records, so each is declared and documented once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

RecordsArgument = Annotated[
    Path, typer.Argument(help="Records extract (.csv or .parquet), one row per package.")
]
WardsOption = Annotated[
    Path | None, typer.Option(help="Ward boundaries or table with ward_code; default: the demo city.")
]
CatalogueOption = Annotated[Path | None, typer.Option(help="Service catalogue YAML; default: packaged.")]
MappingOption = Annotated[Path | None, typer.Option(help="Column-mapping YAML for your own names and codes.")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Extract date YYYY-MM-DD; default: latest date in the file.")
]
