"""Read a council's records extract (CSV or Parquet) as strings, optionally through a column mapping.

Nothing is interpreted here: every value comes back as a string so that validation sees exactly
what the council wrote and can say what is wrong with it. CSV is read with no missing-value
guessing ("NA" stays "NA"); Parquet values are turned into strings consistently: dates and
midnight timestamps as ``YYYY-MM-DD``, other timestamps as ``YYYY-MM-DD HH:MM:SS``, numbers as
Python writes them (``123.0``, ``inf``), and missing values (None, NaN, NaT) as the empty string.

The column-mapping file (YAML) lets a council keep its own column names and codes::

    # mapping.yaml: our extract -> the demandcast records contract
    columns:              # their column name: contract column name
      ClientRef: person_id
      WardCode: ward_code
      ClientGroup: client_group
      ServiceElement: service
      StartDate: start_date
      EndDate: end_date
      WeeklyCost: weekly_cost
      AgreementID: package_id
    values:               # per contract column: their code -> catalogue code
      service:
        HS01: home_care
        RES1: residential
      client_group:
        OP: older_people
        WA: working_age

Both sections are optional. Every column named under ``columns`` must exist in the file and map
onto a records column (required or optional); ``values`` are keyed by contract column names, and
codes not listed there pass through unchanged (so validation reports them as unknown).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from demandcast.columns import OPTIONAL_RECORD_COLUMNS, REQUIRED_RECORD_COLUMNS
from demandcast.errors import InputError

RECORD_COLUMNS: tuple[str, ...] = REQUIRED_RECORD_COLUMNS + OPTIONAL_RECORD_COLUMNS
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
AS_OF_ATTR = "as_of"
"""Key in a records frame's ``attrs`` (kept in Parquet metadata by pandas) holding the extract date."""


def read_records(path: str | Path, mapping: str | Path | None = None) -> pd.DataFrame:
    """Every column of a CSV or Parquet records file as strings, renamed and recoded by `mapping`.

    Args:
        path: a ``.csv`` or ``.parquet`` file with one row per service package or placement.
        mapping: optional column-mapping YAML (shape in the module docstring).

    Returns:
        A frame with a RangeIndex (row ``i`` is data row ``i + 1`` of the file) and ``str`` columns.
        Frame ``attrs`` stored in a Parquet file (e.g. the extract date under ``"as_of"``) are kept.

    Raises:
        InputError: naming the file and the problem when it is missing, unreadable, of an
            unsupported type, or when the mapping does not fit it.
    """
    path = Path(path)
    raw = _read_strings(path)
    if mapping is None:
        return raw
    return apply_mapping(raw, read_mapping(mapping), source=str(path))


def read_mapping(path: str | Path) -> dict[str, dict]:
    """The ``columns`` and ``values`` sections of a column-mapping YAML, checked for shape.

    Raises:
        InputError: naming the file and the entry that does not have the expected shape.
    """
    path = Path(path)
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputError(f"{path}: cannot read the column mapping ({error})") from error
    if not isinstance(content, dict) or set(content) - {"columns", "values"}:
        raise InputError(f"{path}: a column mapping has only 'columns' and 'values' sections")
    columns = _string_mapping(content.get("columns") or {}, f"{path}: 'columns'")
    unknown = sorted(set(columns.values()) - set(RECORD_COLUMNS))
    if unknown:
        raise InputError(
            f"{path}: 'columns' maps onto unknown records columns {unknown}; "
            f"expected some of {list(RECORD_COLUMNS)}"
        )
    values = content.get("values") or {}
    if not isinstance(values, dict):
        raise InputError(f"{path}: 'values' must map records columns to code tables")
    codes = {str(col): _string_mapping(table, f"{path}: 'values.{col}'") for col, table in values.items()}
    return {"columns": columns, "values": codes}


def apply_mapping(
    raw: pd.DataFrame, mapping: Mapping[str, Mapping], *, source: str = "records"
) -> pd.DataFrame:
    """`raw` with its columns renamed and its codes recoded as `mapping` says (a new frame).

    Raises:
        InputError: when a mapped column is absent from `raw` or a rename would clash with another column.
    """
    renames = dict(mapping.get("columns", {}))
    absent = [name for name in renames if name not in raw.columns]
    if absent:
        raise InputError(f"{source}: the column mapping names columns the file does not have: {absent}")
    renamed = [renames.get(name, name) for name in raw.columns]
    clashes = sorted({name for name in renamed if renamed.count(name) > 1})
    if clashes:
        raise InputError(f"{source}: after the column mapping, these columns appear twice: {clashes}")
    frame = raw.rename(columns=renames)
    for column, codes in mapping.get("values", {}).items():
        if column in frame.columns:
            frame[column] = frame[column].replace(dict(codes))
    return frame


def _string_mapping(table: object, where: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise InputError(f"{where} must be a mapping of names to names")
    return {str(key): str(value) for key, value in table.items()}


def _read_strings(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + PARQUET_SUFFIXES:
        raise InputError(f"{path}: unsupported file type {suffix!r}; expected .csv or .parquet")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if suffix in CSV_SUFFIXES:
            return _read_csv(path)
        return _read_parquet(path)
    except InputError:
        raise
    except Exception as error:  # any reader failure means the file cannot be used
        raise InputError(f"{path}: cannot read records ({type(error).__name__}: {error})") from error


def _read_csv(path: Path) -> pd.DataFrame:
    options = {"dtype": str, "keep_default_na": False, "na_filter": False}
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", **options)
    except UnicodeDecodeError:
        # Extracts saved from Excel on Windows are often cp1252 (e.g. a pound sign as byte 0xA3).
        frame = pd.read_csv(path, encoding="cp1252", **options)
    except pd.errors.EmptyDataError as error:
        raise InputError(f"{path}: the file is empty (no header row)") from error
    return frame.reset_index(drop=True)


def _read_parquet(path: Path) -> pd.DataFrame:
    table = pd.read_parquet(path)
    return frame_as_strings(table).reset_index(drop=True)


def frame_as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column of `frame` as strings (see `column_as_strings`), keeping its index and attrs."""
    strings = pd.DataFrame({str(name): column_as_strings(frame[name]) for name in frame.columns})
    strings.attrs = dict(frame.attrs)
    return strings


def column_as_strings(values: pd.Series) -> pd.Series:
    """One column as strings: dates as YYYY-MM-DD, numbers as Python writes them, missing as ''."""
    missing = values.isna().to_numpy()
    text: np.ndarray | list[str]
    if pd.api.types.is_datetime64_any_dtype(values):
        text = _datetimes_as_strings(values)
    elif values.dtype == object:
        text = [_value_as_string(v) for v in values]
    else:
        text = values.astype(str).to_numpy(dtype=object)
    out = pd.Series(text, index=values.index, dtype=str)
    return out.where(~missing, "")


def _datetimes_as_strings(values: pd.Series) -> np.ndarray:
    stamps = values.dt.tz_localize(None) if values.dt.tz is not None else values
    at_midnight = bool((stamps.dropna() == stamps.dropna().dt.normalize()).all())
    pattern = "%Y-%m-%d" if at_midnight else "%Y-%m-%d %H:%M:%S"
    return stamps.dt.strftime(pattern).to_numpy(dtype=object)


def _value_as_string(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d" if value.time() == dt.time(0) else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
