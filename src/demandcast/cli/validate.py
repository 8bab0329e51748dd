"""The `demandcast validate` command: check a records extract and quarantine the rows that fail.

Prints counts and reasons only, never a person-level value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from demandcast.catalogue import load_catalogue
from demandcast.cli.app import EXIT_OK, EXIT_ROWS_QUARANTINED, EXIT_UNUSABLE_INPUT, app
from demandcast.cli.options import AsOfOption, CatalogueOption, MappingOption, RecordsArgument, WardsOption
from demandcast.columns import WARD_CODE
from demandcast.data.validation import ValidationResult, load_records, write_quarantine
from demandcast.data.wards import load_wards
from demandcast.errors import InputError
from demandcast.features.packages import package_continuity

LISTED_ROWS = 10


@app.command()
def validate(
    records: RecordsArgument,
    wards: WardsOption = None,
    catalogue: CatalogueOption = None,
    mapping: MappingOption = None,
    as_of: AsOfOption = None,
    quarantine: Annotated[
        Path | None, typer.Option(help="Where to write quarantined rows (CSV); default: next to RECORDS.")
    ] = None,
) -> None:
    """Check every row of RECORDS; write the rows that fail, with every reason, to a quarantine CSV.

    Exit 0 when every row is accepted, 1 when some rows were quarantined, 2 when the input is unusable.
    """
    console, errors = Console(), Console(stderr=True)
    try:
        with console.status("Validating records..."):
            result = _validate(records, wards, catalogue, mapping, as_of)
            destination = write_quarantine(result, quarantine or default_quarantine_path(records))
    except (InputError, OSError) as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from None
    console.print(summary_table(result, destination))
    raise typer.Exit(EXIT_OK if result.all_accepted else EXIT_ROWS_QUARANTINED)


def default_quarantine_path(records: Path) -> Path:
    """`<records folder>/<records stem>.quarantine.csv`."""
    return records.with_name(f"{records.stem}.quarantine.csv")


def summary_table(result: ValidationResult, destination: Path) -> Table:
    """Counts only: input, accepted (and of them the rows continuing a package under its package_id,
    and those overlapping an earlier row of their package, whose shared days are costed twice:
    features.packages), quarantined, rows per reason, and where the quarantine went. The caption
    names the first overlapping rows by their row number in the file."""
    table = Table(title=f"Records validation (extract date {result.as_of:%Y-%m-%d})", show_header=True)
    table.add_column("", style="bold")
    table.add_column("rows", justify="right")
    table.add_row("input", f"{result.n_input:,}")
    table.add_row("accepted", f"{len(result.accepted):,}", style="green")
    continuing, shared = package_continuity(result.accepted, through=result.as_of)
    if continuing.any():
        table.add_row("  continuing a package (a new price: no new start)", f"{int(continuing.sum()):,}")
    overlapping = result.accepted.index[shared > 0]
    if len(overlapping):
        table.add_row("  overlapping an earlier row of their package", f"{len(overlapping):,}")
        table.add_row("    days costed twice (each row costs its own days)", f"{int(shared.sum()):,}")
    table.add_row(
        "quarantined", f"{len(result.quarantine):,}", style="red" if len(result.quarantine) else None
    )
    for reason, count in result.summary.itertuples(index=False):
        table.add_row(f"  {reason}", f"{count:,}")
    table.caption = f"quarantine: {destination}"
    if len(overlapping):
        listed = ", ".join(str(row) for row in overlapping[:LISTED_ROWS])
        more = f" and {len(overlapping) - LISTED_ROWS:,} more" if len(overlapping) > LISTED_ROWS else ""
        table.caption += f"\nrows overlapping an earlier row of their package (kept): {listed}{more}"
    return table


def _validate(
    records: Path, wards: Path | None, catalogue: Path | None, mapping: Path | None, as_of: str | None
) -> ValidationResult:
    try:
        services = load_catalogue(catalogue)
    except (OSError, ValueError) as error:
        raise InputError(f"{catalogue}: cannot use the service catalogue ({error})") from error
    ward_codes = set(load_wards(wards)[WARD_CODE].astype(str))
    return load_records(records, wards=ward_codes, catalogue=services, as_of=as_of, mapping=mapping)
