"""Keyed pseudonyms for person keys: HMAC-SHA256 under a key the council holds.

There are about 10^9 valid NHS numbers, so an unkeyed hash is reversed by trying them all; an
HMAC under a secret key is not. The same key always gives the same pseudonym, so records from
different extracts still join; losing the key loses that link, sharing it undoes the protection.

Pseudonyms are the full 64 hex digits of the HMAC by default (no truncation, so no collisions to
reason about); `n_hex_digits` may shorten them to at least 16 (64 bits).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from demandcast import columns as c
from demandcast.errors import InputError

MIN_KEY_BYTES = 32
MIN_HEX_DIGITS = 16
FULL_HEX_DIGITS = 64


def load_key(path: str | Path) -> bytes:
    """The secret key in `path`, with surrounding whitespace removed; at least 32 bytes.

    Raises:
        InputError: the file is missing, unreadable, empty or shorter than 32 bytes.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"key file {path}: not found; pseudonymising needs the council's secret key")
    key = path.read_bytes().strip()
    if not key:
        raise InputError(f"key file {path}: empty; pseudonymising needs the council's secret key")
    if len(key) < MIN_KEY_BYTES:
        raise InputError(
            f"key file {path}: {len(key)} bytes is too short; a key needs at least {MIN_KEY_BYTES} bytes"
        )
    return key


def write_new_key(path: str | Path) -> Path:
    """Write a fresh random key (32 bytes as 64 hex characters) to `path`, refusing to overwrite one."""
    path = Path(path)
    if path.exists():
        raise InputError(f"key file {path}: already exists; a key is never overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="ascii") as handle:
        handle.write(secrets.token_hex(MIN_KEY_BYTES))
    path.chmod(0o600)
    return path


def pseudonym(value: object, key: bytes, *, n_hex_digits: int = FULL_HEX_DIGITS) -> str:
    """The keyed pseudonym of one identifier: HMAC-SHA256 of its canonical text, in hex."""
    return hmac.digest(key, _canonical(value).encode("utf-8"), "sha256").hex()[:n_hex_digits]


def pseudonymise(
    frame: pd.DataFrame,
    key: bytes,
    *,
    columns: Sequence[str] = (c.PERSON_ID,),
    n_hex_digits: int = FULL_HEX_DIGITS,
) -> pd.DataFrame:
    """A copy of `frame` whose `columns` hold keyed pseudonyms instead of identifiers.

    Args:
        frame: a table holding every column in `columns` (by default `person_id`).
        key: the secret key (see `load_key`); at least 32 bytes.
        columns: the identifier columns to replace.
        n_hex_digits: pseudonym length, 16 to 64 hex digits.

    Returns:
        The same table with string pseudonyms in `columns`; missing values stay missing.
        Identifiers are compared as text with surrounding spaces removed, and NHS numbers written
        "943 476 5919" and "9434765919" get the same pseudonym.
    """
    _check_arguments(frame, key, columns, n_hex_digits)
    replaced = {column: _pseudonymised(frame[column], key, n_hex_digits) for column in columns}
    return frame.assign(**replaced)


def _pseudonymised(values: pd.Series, key: bytes, n_hex_digits: int) -> pd.Series:
    present = values.dropna()
    if pd.api.types.is_float_dtype(present.dtype) and (present % 1 == 0).all():
        present = present.astype("int64")  # ids read as floats (a CSV with gaps) keep their digits
    unique = pd.unique(present)
    mapping = {value: pseudonym(value, key, n_hex_digits=n_hex_digits) for value in unique}
    return present.map(mapping).reindex(values.index).astype("str")


def _canonical(value: object) -> str:
    text = str(value).strip()
    spaced_digits = text.replace(" ", "")
    return spaced_digits if spaced_digits.isdigit() and len(spaced_digits) == 10 else text


def _check_arguments(frame: pd.DataFrame, key: bytes, columns: Sequence[str], n_hex_digits: int) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InputError(f"pseudonymise: column(s) {missing} not found; columns are {list(frame.columns)}")
    if len(key) < MIN_KEY_BYTES:
        raise InputError(f"pseudonymise: the key has {len(key)} bytes; at least {MIN_KEY_BYTES} are needed")
    if not MIN_HEX_DIGITS <= n_hex_digits <= FULL_HEX_DIGITS:
        raise InputError(
            f"pseudonymise: n_hex_digits={n_hex_digits}; choose {MIN_HEX_DIGITS} to {FULL_HEX_DIGITS}"
        )
