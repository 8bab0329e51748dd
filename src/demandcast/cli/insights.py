"""The `demandcast insights` command: answer a council's questions of its data in a report folder.

Costs by fiscal year, where demand concentrates, how services are provided. Ward counts are
published under disclosure control; the command prints file names and counts only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import geopandas as gpd
import pandas as pd
import typer
from rich.console import Console

from demandcast.catalogue import Catalogue, load_catalogue
from demandcast.cli.app import EXIT_OK, EXIT_ROWS_QUARANTINED, EXIT_UNUSABLE_INPUT, app
from demandcast.cli.options import CatalogueOption, MappingOption
from demandcast.columns import CASELOAD, WARD_CODE
from demandcast.data.demo import generate_demo_city
from demandcast.data.demo.generate import DEFAULT_SEED
from demandcast.data.validation import load_records
from demandcast.data.wards import load_wards
from demandcast.errors import InputError
from demandcast.features.panel import monthly_panel
from demandcast.insights.report import council_insights, write_report


@app.command()
def insights(
    out: Annotated[Path, typer.Option(help="Folder for the report (tables, charts, summary.md).")],
    records: Annotated[
        Path | None, typer.Argument(help="Records extract (.csv or .parquet); default: the demo city.")
    ] = None,
    wards: Annotated[
        Path | None, typer.Option(help="Ward boundaries with ward_code; default: the demo city's wards.")
    ] = None,
    catalogue: CatalogueOption = None,
    mapping: MappingOption = None,
    measure: Annotated[
        str, typer.Option(help="Count mapped per ward: caseload (year-end) or starts (in the year).")
    ] = CASELOAD,
    year: Annotated[
        str | None, typer.Option(help="Fiscal year mapped, e.g. 2024-25; default: the latest complete one.")
    ] = None,
    rule: Annotated[str, typer.Option(help="Disclosure rule for ward counts: nhs, dfe or ons_10_5.")] = "nhs",
    seed: Annotated[
        int | None, typer.Option(help="Seeds the demo city and the spatial permutations; default: fixed.")
    ] = None,
) -> None:
    """Write the insights report: costs by fiscal year, ward concentration and service mix.

    Exit 0 on success, 1 when some records were quarantined (the report uses the rest), 2 when
    the input is unusable.
    """
    console, errors = Console(), Console(stderr=True)
    try:
        services = load_services(catalogue)
        ward_table = load_wards(wards)
        with console.status("Building the monthly panel..."):
            panel, n_quarantined = _panel(records, ward_table, services, mapping, seed)
        with console.status("Answering the questions..."):
            found = council_insights(panel, ward_table, measure=measure, year=year, rule=rule, seed=seed or 0)
            written = write_report(found, ward_table, out)
    except (InputError, OSError) as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from None
    console.print(f"report: {written.summary} ({len(written.files)} files)", highlight=False, soft_wrap=True)
    if n_quarantined:
        console.print(f"quarantined records left out: {n_quarantined:,}", style="red")
    raise typer.Exit(EXIT_ROWS_QUARANTINED if n_quarantined else EXIT_OK)


def load_services(path: Path | None) -> Catalogue:
    """The service catalogue; InputError naming the file when it cannot be used."""
    try:
        return load_catalogue(path)
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot use the service catalogue ({error})") from error


def _panel(
    records: Path | None, wards: gpd.GeoDataFrame, services: Catalogue, mapping: Path | None, seed: int | None
) -> tuple[pd.DataFrame, int]:
    """The monthly panel and how many records were quarantined (the demo city when no records)."""
    ward_codes = wards[WARD_CODE].astype(str).tolist()
    if records is None:
        demo = generate_demo_city(seed=DEFAULT_SEED if seed is None else seed, wards=wards)
        return monthly_panel(demo, ward_codes=ward_codes, catalogue=services), 0
    result = load_records(records, wards=ward_codes, catalogue=services, mapping=mapping)
    built = monthly_panel(result.accepted, ward_codes=ward_codes, catalogue=services, as_of=result.as_of)
    return built, len(result.quarantine)
