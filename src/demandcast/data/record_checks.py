"""Row-level checks on a records extract: every reason a row cannot be used, column by column.

Each reason names its column (``"weekly_cost: negative"``). Every check looks at every row, so a
row gets *all* the reasons that apply to it. Checks that depend on two values (end before start,
service not offered to the client group) only run where both values are usable, so that one
problem is not reported twice under two names.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandcast.catalogue import Catalogue
from demandcast.columns import (
    BIRTH_YEAR,
    CLIENT_GROUP,
    CLIENT_GROUPS,
    END_DATE,
    PERSON_ID,
    SERVICE,
    START_DATE,
    UNIT_COST,
    UNITS_PER_WEEK,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.parsing import (
    ParsedDates,
    ParsedNumbers,
    absent_numbers,
    cleaned,
    parse_dates,
    parse_numbers,
)


def reason(column: str, problem: str) -> str:
    """The reason text for `problem` in `column`, as written to the quarantine."""
    return f"{column}: {problem}"


MISSING = "missing"
UNPARSEABLE_DATE = "unparseable date"
IMPOSSIBLE_DATE = "impossible date"
NOT_A_NUMBER = "not a number"
NEGATIVE = "negative"
INFINITE = "infinite"

MISSING_PERSON = reason(PERSON_ID, MISSING)
MISSING_WARD = reason(WARD_CODE, MISSING)
UNKNOWN_WARD = reason(WARD_CODE, "unknown ward")
MISSING_CLIENT_GROUP = reason(CLIENT_GROUP, MISSING)
UNKNOWN_CLIENT_GROUP = reason(CLIENT_GROUP, "unknown client group")
MISSING_SERVICE = reason(SERVICE, MISSING)
UNKNOWN_SERVICE = reason(SERVICE, "unknown service")
SERVICE_NOT_OFFERED = reason(SERVICE, "not offered to this client group")
MISSING_START = reason(START_DATE, MISSING)
START_AFTER_EXTRACT = reason(START_DATE, "after the extract date")
END_BEFORE_START = reason(END_DATE, "before start_date")
MISSING_COST = reason(WEEKLY_COST, MISSING)
IMPOSSIBLE_BIRTH_YEAR = reason(BIRTH_YEAR, "impossible year")
DUPLICATE_ROW = "row: exact duplicate of an earlier row"

EARLIEST_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class ParsedRecords:
    """The usable values of every checked column (NaT/NaN where unusable) and the extract date."""

    start: ParsedDates
    end: ParsedDates
    weekly_cost: ParsedNumbers
    unit_cost: ParsedNumbers
    units_per_week: ParsedNumbers
    birth_year: ParsedNumbers
    as_of: pd.Timestamp


def parse_records(raw: pd.DataFrame, as_of: object = None) -> ParsedRecords:
    """Parse the date and number columns of `raw`; `as_of` defaults to the latest usable date.

    Args:
        raw: string records with at least start_date and end_date; weekly_cost, unit_cost,
            units_per_week and birth_year are parsed when present.
        as_of: the extract date (anything `pd.Timestamp` accepts), or None.
    """
    start, end = parse_dates(raw[START_DATE]), parse_dates(raw[END_DATE])
    if as_of is None:
        latest = pd.concat([start.dates, end.dates]).max()
        as_of = latest if pd.notna(latest) else pd.Timestamp.max
    return ParsedRecords(
        start=start,
        end=end,
        weekly_cost=_numbers(raw, WEEKLY_COST),
        unit_cost=_numbers(raw, UNIT_COST),
        units_per_week=_numbers(raw, UNITS_PER_WEEK),
        birth_year=_numbers(raw, BIRTH_YEAR),
        as_of=pd.Timestamp(as_of).normalize(),
    )


def row_problems(
    raw: pd.DataFrame, parsed: ParsedRecords, *, wards: Collection[str], catalogue: Catalogue
) -> dict[str, np.ndarray]:
    """Every reason that applies to at least one row, mapped to the mask of rows it applies to.

    Reasons come in column order (person, ward, client group, service, dates, costs, optional
    columns, duplicates), so the quarantine lists a row's reasons in a stable order.
    """
    problems = {
        **_code_problems(raw, wards=wards, catalogue=catalogue),
        **_date_problems(parsed),
        **_cost_problems(parsed),
        **_optional_number_problems(parsed),
        DUPLICATE_ROW: raw.duplicated(keep="first").to_numpy(),
    }
    return {text: mask for text, mask in problems.items() if mask.any()}


def derived_weekly_cost(parsed: ParsedRecords) -> pd.Series:
    """weekly_cost as given, or unit_cost x units_per_week where weekly_cost is blank."""
    given = parsed.weekly_cost
    derived = parsed.unit_cost.numbers * parsed.units_per_week.numbers
    return given.numbers.where(~given.blank, derived)


def _numbers(raw: pd.DataFrame, column: str) -> ParsedNumbers:
    return parse_numbers(raw[column]) if column in raw.columns else absent_numbers(raw.index)


def _code_problems(
    raw: pd.DataFrame, *, wards: Collection[str], catalogue: Catalogue
) -> dict[str, np.ndarray]:
    person, ward, group, service = (cleaned(raw[c]) for c in (PERSON_ID, WARD_CODE, CLIENT_GROUP, SERVICE))
    known_group = group.isin(CLIENT_GROUPS).to_numpy()
    known_service = service.isin(catalogue.codes).to_numpy()
    offered = (group + "|" + service).isin({f"{g}|{s}" for g, s in catalogue.pairs()}).to_numpy()
    return {
        MISSING_PERSON: (person == "").to_numpy(),
        MISSING_WARD: (ward == "").to_numpy(),
        UNKNOWN_WARD: ((ward != "") & ~ward.isin(set(wards))).to_numpy(),
        MISSING_CLIENT_GROUP: (group == "").to_numpy(),
        UNKNOWN_CLIENT_GROUP: (group != "").to_numpy() & ~known_group,
        MISSING_SERVICE: (service == "").to_numpy(),
        UNKNOWN_SERVICE: (service != "").to_numpy() & ~known_service,
        SERVICE_NOT_OFFERED: known_group & known_service & ~offered,
    }


def _date_problems(parsed: ParsedRecords) -> dict[str, np.ndarray]:
    start, end = parsed.start, parsed.end
    start_dates, end_dates = start.dates.to_numpy(), end.dates.to_numpy()
    both = ~np.isnat(start_dates) & ~np.isnat(end_dates)
    return {
        MISSING_START: start.blank,
        reason(START_DATE, UNPARSEABLE_DATE): start.unparseable,
        reason(START_DATE, IMPOSSIBLE_DATE): start.impossible,
        START_AFTER_EXTRACT: ~np.isnat(start_dates) & (start.dates > parsed.as_of).to_numpy(),
        reason(END_DATE, UNPARSEABLE_DATE): end.unparseable,
        reason(END_DATE, IMPOSSIBLE_DATE): end.impossible,
        END_BEFORE_START: both & (end_dates < start_dates),
    }


def _cost_problems(parsed: ParsedRecords) -> dict[str, np.ndarray]:
    given = parsed.weekly_cost
    cost = derived_weekly_cost(parsed).to_numpy()
    return {
        MISSING_COST: given.blank & np.isnan(cost),
        reason(WEEKLY_COST, NOT_A_NUMBER): given.not_a_number,
        reason(WEEKLY_COST, NEGATIVE): np.isfinite(cost) & (cost < 0),
        reason(WEEKLY_COST, INFINITE): np.isinf(cost),
    }


def _optional_number_problems(parsed: ParsedRecords) -> dict[str, np.ndarray]:
    problems: dict[str, np.ndarray] = {}
    for column, numbers in ((UNIT_COST, parsed.unit_cost), (UNITS_PER_WEEK, parsed.units_per_week)):
        problems[reason(column, NOT_A_NUMBER)] = numbers.not_a_number
        problems[reason(column, NEGATIVE)] = numbers.negative
        problems[reason(column, INFINITE)] = numbers.infinite
    year = parsed.birth_year.numbers.to_numpy()
    plausible = (year % 1 == 0) & (year >= EARLIEST_BIRTH_YEAR) & (year <= parsed.as_of.year)
    problems[reason(BIRTH_YEAR, NOT_A_NUMBER)] = parsed.birth_year.not_a_number
    problems[IMPOSSIBLE_BIRTH_YEAR] = ~np.isnan(year) & ~plausible
    return problems
