"""The `demandcast panel` command: validate a records extract and write the monthly ward panel.

Prints counts only, never a person-level value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from demandcast.catalogue import Catalogue, load_catalogue
from demandcast.cli.app import EXIT_OK, EXIT_ROWS_QUARANTINED, EXIT_UNUSABLE_INPUT, app
from demandcast.cli.options import AsOfOption, CatalogueOption, MappingOption, RecordsArgument, WardsOption
from demandcast.columns import MONTH, WARD_CODE
from demandcast.data.validation import ValidationResult, load_records, write_quarantine
from demandcast.data.wards import load_wards
from demandcast.errors import InputError
from demandcast.features.panel import monthly_panel
from demandcast.files import write_table


@app.command()
def panel(
    records: RecordsArgument,
    out: Annotated[Path, typer.Option(help="Where to write the panel (.parquet).")],
    wards: WardsOption = None,
    catalogue: CatalogueOption = None,
    mapping: MappingOption = None,
    start: Annotated[
        str | None, typer.Option(help="First month YYYY-MM; default: 72 months ending with the last one.")
    ] = None,
    as_of: AsOfOption = None,
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Where to write quarantined rows (CSV); default: next to the panel."),
    ] = None,
) -> None:
    """Build the monthly panel: caseload, starts and cost per ward, client group, service and month.

    The panel runs to the last month complete on the extract date.

    Rows that fail validation are quarantined and left out.

    Exit 0 when every row was used, 1 when some rows were quarantined, 2 when the input is unusable.
    """
    console, errors = Console(), Console(stderr=True)
    try:
        services = _catalogue(catalogue)
        with console.status("Validating records..."):
            ward_codes = load_wards(wards)[WARD_CODE].astype(str).tolist()
            result = load_records(records, wards=ward_codes, catalogue=services, as_of=as_of, mapping=mapping)
        with console.status("Building the panel..."):
            built = monthly_panel(
                result.accepted, ward_codes=ward_codes, catalogue=services, start=start, as_of=result.as_of
            )
            write_table(built, out)
        quarantined_to = None
        if not result.all_accepted:
            quarantined_to = write_quarantine(result, quarantine or default_quarantine_path(out))
    except (InputError, OSError) as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from None
    console.print(summary_table(built, result))
    console.print(f"panel: {out}", highlight=False, soft_wrap=True)
    if quarantined_to is not None:
        console.print(f"quarantine: {quarantined_to}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_OK if result.all_accepted else EXIT_ROWS_QUARANTINED)


def default_quarantine_path(out: Path) -> Path:
    """`<panel folder>/<panel stem>.quarantine.csv`."""
    return out.with_name(f"{out.stem}.quarantine.csv")




def summary_table(built: pd.DataFrame, result: ValidationResult) -> Table:
    """Counts only: panel rows, wards, months, records used and quarantined."""
    months = built[MONTH]
    span = f"{months.min():%Y-%m} to {months.max():%Y-%m}" if len(built) else "none"
    table = Table(title=f"Monthly panel (extract date {result.as_of:%Y-%m-%d})", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    table.add_row("panel rows", f"{len(built):,}")
    table.add_row("wards", f"{built[WARD_CODE].nunique():,}")
    table.add_row("months", f"{months.nunique():,} ({span})")
    table.add_row("records used", f"{len(result.accepted):,} of {result.n_input:,}")
    table.add_row(
        "quarantined", f"{len(result.quarantine):,}", style="red" if len(result.quarantine) else None
    )
    return table


def _catalogue(path: Path | None) -> Catalogue:
    try:
        return load_catalogue(path)
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot use the service catalogue ({error})") from error
