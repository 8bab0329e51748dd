"""The `demandcast pseudonymise` command: replace person keys with keyed pseudonyms."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from demandcast import columns as c
from demandcast.checks.identifiers import KIND_LABELS, scan_identifiers
from demandcast.checks.pseudonymise import load_key, pseudonymise, write_new_key
from demandcast.cli.app import EXIT_OK, EXIT_UNUSABLE_INPUT, app
from demandcast.errors import InputError
from demandcast.files import write_table

_PARQUET_SUFFIXES = (".parquet", ".pq")


@app.command("pseudonymise")
def pseudonymise_command(
    source: Annotated[Path, typer.Argument(help="Records file (.csv or .parquet).")],
    target: Annotated[Path, typer.Argument(help="Where to write the pseudonymised copy (same format).")],
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="The council's secret key (at least 32 bytes).")
    ] = None,
    columns: Annotated[
        str, typer.Option("--columns", help="Comma-separated identifier columns to replace.")
    ] = c.PERSON_ID,
    new_key_file: Annotated[
        bool, typer.Option("--new-key-file", help="Create KEY_FILE with a fresh random key first.")
    ] = False,
) -> None:
    """Replace person keys with HMAC-SHA256 pseudonyms under a council-held key (never an unkeyed hash)."""
    try:
        if key_file is None:
            raise InputError("pseudonymise needs --key-file: an unkeyed hash of an NHS number is reversible")
        if new_key_file:
            write_new_key(key_file)
        key = load_key(key_file)
        names = [name.strip() for name in columns.split(",") if name.strip()]
        protected = pseudonymise(_read_table(source), key, columns=names)
        write_table(protected, target)
    except InputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from error
    _warn_about_remaining_identifiers(protected, target)
    typer.echo(f"wrote {target} ({len(protected)} rows; pseudonymised: {columns})")
    raise typer.Exit(EXIT_OK)


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    if path.suffix.lower() in _PARQUET_SUFFIXES:
        return pd.read_parquet(path)
    if path.suffix.lower() != ".csv":
        raise InputError(f"{path}: expected a .csv or .parquet file")
    # Everything as text, so identifiers with leading zeros or spaces keep their exact form.
    return pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""])




def _warn_about_remaining_identifiers(frame: pd.DataFrame, target: Path) -> None:
    findings = scan_identifiers(frame, source=str(target))
    for row in findings.itertuples():
        typer.echo(
            f"warning: {target}: column {row.column!r} still holds {KIND_LABELS[row.kind]} "
            f"({row.n_rows} rows)",
            err=True,
        )
