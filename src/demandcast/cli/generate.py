"""The `demandcast generate` command: write the demo city's records and ward table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from demandcast.cli.app import EXIT_UNUSABLE_INPUT, app
from demandcast.columns import PERSON_ID
from demandcast.data.demo import generate_demo_city, window_bounds
from demandcast.data.demo.uplifts import priced_each_april as uprated_each_april
from demandcast.data.wards import load_wards, write_wards
from demandcast.errors import InputError
from demandcast.files import write_table

RECORDS_FILE = "records.parquet"
WARDS_FILE = "wards.geojson"
MANIFEST_FILE = "dirty_manifest.csv"


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder for records.parquet and wards.geojson.")] = Path("demo"),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same city.")] = 20260331,
    start: Annotated[str, typer.Option(help="First month of the history (YYYY-MM).")] = "2020-04",
    months: Annotated[
        int, typer.Option(min=1, help="Months of history; the extract date ends the last.")
    ] = 72,
    wards: Annotated[
        Path | None, typer.Option(help="Real ward boundaries (GeoJSON/GPKG/Shapefile); default: demo wards.")
    ] = None,
    dirty: Annotated[
        bool, typer.Option("--dirty", help="Inject real-world quirks (duplicates, bad dates and codes).")
    ] = False,
    priced_each_april: Annotated[
        bool,
        typer.Option(
            "--priced-each-april",
            help="Uprate open packages each April: a row per price under one package_id, as councils do.",
        ),
    ] = False,
) -> None:
    """Generate the demo city: a seeded, Birmingham-like history of social-care packages per ward."""
    console, errors = Console(), Console(stderr=True)
    try:
        _, extract_date = window_bounds(start, months)
        with console.status("Generating the demo city..."):
            ward_table = load_wards(wards)
            records = generate_demo_city(seed=seed, start=start, months=months, wards=ward_table)
            if priced_each_april:
                records = uprated_each_april(records, window_bounds(start, months)[0])
            people = records[PERSON_ID].nunique()
            if dirty:
                records = _dirtied(records, seed, extract_date, out)
            write_table(records, out / RECORDS_FILE)
            write_wards(ward_table, out / WARDS_FILE)
    except (InputError, OSError, ValueError) as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from None
    quirks = " with quirks" if dirty else ""
    console.print(
        f"[green]wrote[/green] {out / RECORDS_FILE}{quirks}: {len(records):,} rows, {people:,} people, "
        f"{months} months from {start} (extract date {extract_date:%Y-%m-%d}); wards: {out / WARDS_FILE}",
        highlight=False,
    )




def _dirtied(records: pd.DataFrame, seed: int, extract_date: pd.Timestamp, out: Path) -> pd.DataFrame:
    from demandcast.data.dirty import inject_quirks  # only --dirty needs it
    from demandcast.data.records import AS_OF_ATTR

    clean = records.copy()
    clean.attrs = {AS_OF_ATTR: f"{extract_date:%Y-%m-%d}"}
    dirty, manifest = inject_quirks(clean, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    manifest.to_csv(out / MANIFEST_FILE, index=False)
    return dirty
