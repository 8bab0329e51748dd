"""Turn record strings into typed values, keeping a mask of every way each value can fail.

Each parser looks at one column on its own, so a bad value in one row never hides a problem in
another row or another column (the trap of casting a whole column and catching one exception).

Conventions, applied to every column:
- surrounding whitespace is ignored (fixed-width exports pad their fields);
- a value that is empty or one of the usual null tokens (``NA``, ``N/A``, ``NaN``, ``NULL``,
  ``None``, ``NaT``, any case) counts as blank.
Dates are accepted as ISO ``YYYY-MM-DD`` (optionally followed by a time, which is dropped) or as
UK ``DD/MM/YYYY``. A date in either shape that is not on the calendar (``2023-02-30``, month 13)
or is before 1900 is *impossible*; anything else is *unparseable*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NULL_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "nat"})
EARLIEST_YEAR = 1900
DATE_DTYPE = "datetime64[us]"

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE = (
    rf"^(?:(?P<iso_year>\d{{4}})-(?P<iso_month>\d{{1,2}})-(?P<iso_day>\d{{1,2}}){_TIME}"
    r"|(?P<uk_day>\d{1,2})/(?P<uk_month>\d{1,2})/(?P<uk_year>\d{4}))$"
)
_NUMBER = r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|(?i:inf|infinity))$"
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def cleaned(values: pd.Series) -> pd.Series:
    """`values` as stripped strings, with blanks and null tokens turned into ''."""
    text = values.astype(str).fillna("").str.strip()
    return text.where(~text.str.lower().isin(NULL_TOKENS), "")


def blank(values: pd.Series) -> np.ndarray:
    """Whether each value is blank (empty or a null token) once stripped."""
    return (cleaned(values) == "").to_numpy()


@dataclass(frozen=True)
class ParsedDates:
    """Dates parsed from strings: `dates` is NaT wherever a value is blank, unparseable or impossible."""

    dates: pd.Series
    blank: np.ndarray
    unparseable: np.ndarray
    impossible: np.ndarray


@dataclass(frozen=True)
class ParsedNumbers:
    """Numbers parsed from strings: `numbers` is NaN wherever a value is blank or not a number."""

    numbers: pd.Series
    blank: np.ndarray
    not_a_number: np.ndarray

    @property
    def infinite(self) -> np.ndarray:
        """Whether each value is +/- infinity."""
        return np.isinf(self.numbers.to_numpy())

    @property
    def negative(self) -> np.ndarray:
        """Whether each value is a finite number below zero."""
        values = self.numbers.to_numpy()
        return np.isfinite(values) & (values < 0)


def parse_dates(values: pd.Series) -> ParsedDates:
    """Parse ISO or UK dates, one value at a time in effect, vectorised."""
    text = cleaned(values)
    is_blank = (text == "").to_numpy()
    parts = pc.extract_regex(_arrow(text), _DATE)
    groups = [_floats(parts.field(i)) for i in range(6)]
    iso = ~np.isnan(groups[0])
    year, month, day = (np.where(iso, groups[i], groups[j]) for i, j in ((0, 5), (1, 4), (2, 3)))
    matched = ~np.isnan(year)
    on_calendar = matched & _on_calendar(year, month, day) & (year >= EARLIEST_YEAR)
    dates = np.full(len(text), np.datetime64("NaT"), dtype=DATE_DTYPE)
    dates[on_calendar] = _dates_from_parts(year[on_calendar], month[on_calendar], day[on_calendar])
    return ParsedDates(
        dates=pd.Series(dates, index=values.index, dtype=DATE_DTYPE),
        blank=is_blank,
        unparseable=~is_blank & ~matched,
        impossible=matched & ~on_calendar,
    )


def parse_numbers(values: pd.Series) -> ParsedNumbers:
    """Parse plain decimal numbers (``12``, ``-3.5``, ``1e3``, ``inf``); nothing else is a number."""
    text = cleaned(values)
    is_blank = (text == "").to_numpy()
    strings = _arrow(text)
    numbers = _floats(pc.if_else(pc.match_substring_regex(strings, _NUMBER), strings, None))
    return ParsedNumbers(
        numbers=pd.Series(numbers, index=values.index, dtype="float64"),
        blank=is_blank,
        not_a_number=~is_blank & np.isnan(numbers),
    )


def absent_numbers(index: pd.Index) -> ParsedNumbers:
    """A parsed column that is blank everywhere (for an optional column the file does not have)."""
    return ParsedNumbers(
        numbers=pd.Series(np.nan, index=index, dtype="float64"),
        blank=np.ones(len(index), dtype=bool),
        not_a_number=np.zeros(len(index), dtype=bool),
    )


def _arrow(text: pd.Series) -> pa.Array:
    return pa.array(text.to_numpy(dtype=object), type=pa.string())


def _floats(strings: pa.Array) -> np.ndarray:
    """Numeric strings as floats; empty strings and nulls as NaN (callers pass only numeric text)."""
    present = pc.if_else(pc.equal(strings, ""), None, strings)
    return pc.cast(present, pa.float64()).to_numpy(zero_copy_only=False)


def _on_calendar(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    valid_month = (month >= 1) & (month <= 12)
    month_index = np.where(valid_month, month, 1).astype(int) - 1
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last_day = _DAYS_IN_MONTH[month_index] + ((month_index == 1) & leap)
    return valid_month & (day >= 1) & (day <= last_day)


def _dates_from_parts(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    months = (year.astype("int64") - 1970) * 12 + month.astype("int64") - 1
    first_days = months.astype("datetime64[M]").astype("datetime64[D]")
    return (first_days + (day.astype("int64") - 1).astype("timedelta64[D]")).astype(DATE_DTYPE)
