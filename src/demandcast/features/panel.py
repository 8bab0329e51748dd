"""The monthly ward panel: caseload, starts and cost per ward x (client_group, service) x month."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from demandcast.catalogue import Catalogue
from demandcast.columns import (
    CASELOAD,
    CLIENT_GROUP,
    COST,
    END_DATE,
    MEASURE,
    MEASURES,
    MONTH,
    PANEL_COLUMNS,
    PERSON_ID,
    REQUIRED_RECORD_COLUMNS,
    SERVICE,
    START_DATE,
    STARTS,
    VALUE,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.errors import InputError
from demandcast.features import measures
from demandcast.features.months import (
    DEFAULT_N_MONTHS,
    DateLike,
    as_date,
    day_numbers,
    last_complete_month,
    month_numbers,
    month_numbers_of_days,
    month_start,
    months_before,
    panel_months,
)
from demandcast.features.packages import continues_package


def monthly_panel(
    records: pd.DataFrame,
    *,
    ward_codes: Sequence[str],
    catalogue: Catalogue,
    start: DateLike | None = None,
    as_of: DateLike | None = None,
) -> pd.DataFrame:
    """The long monthly panel: one row per ward x catalogue pair x complete month x measure, zeros included.

    With month m = [m0, m1] and end dates inclusive: `caseload` counts distinct persons with a record in
    the cell active on any day of m; `starts` counts packages starting in m (a record continuing a
    package under its package_id, priced again, is no start: features.packages); `cost` sums
    weekly_cost x (days of the record inside m) / 7, open records running to m1.

    Args:
        records: validated records with person_id, ward_code, client_group, service, start_date,
            end_date (NaT when open) and weekly_cost. Not modified.
        ward_codes: every ward of the area, in panel order; wards without records get zeros.
        catalogue: gives the (client_group, service) pairs, in panel order.
        start: first month of the panel; default: 72 months that end with the last complete month.
        as_of: extract date; default the latest start or end date in the records. The panel ends with the
            last month that is complete on this date.

    Returns:
        Columns ward_code, client_group, service, month (first day), measure, value (float64).

    Raises:
        InputError: a missing column, a record with an unknown ward or pair, an as_of before the
            data or a start after the last complete month.
    """
    _check_columns(records)
    wards = list(dict.fromkeys(ward_codes))
    pairs = catalogue.pairs()
    months = panel_window(records, start=start, as_of=as_of)
    spans = _record_spans(records, wards, pairs, months)
    n_cells, n_months = len(wards) * len(pairs), len(months)
    values = {
        CASELOAD: measures.caseload(spans, n_cells, n_months),
        STARTS: measures.starts(spans, n_cells, n_months, counted=~continues_package(records)),
        COST: measures.cost(spans, _month_days(months), n_cells),
    }
    return _long_panel(values, wards, pairs, months)


def panel_window(
    records: pd.DataFrame, *, start: DateLike | None = None, as_of: DateLike | None = None
) -> pd.DatetimeIndex:
    """The panel's months (first days): from `start` to the last complete month on or before `as_of`.

    Args:
        records: frame with start_date and end_date; used for the defaults and the as_of check.
        start: first month; default so that the window holds 72 months.
        as_of: extract date; default the latest start or end date in the records.
    """
    earliest, latest = _date_range(records)
    as_of_date = latest if as_of is None else as_date(as_of, name="as_of")
    if as_of_date is None:
        raise InputError("as_of: the records hold no dates, so as_of must be given")
    if earliest is not None and as_of_date < earliest:
        raise InputError(
            f"as_of: {as_of_date.date()} is before the data, whose first start_date is {earliest.date()}"
        )
    end = last_complete_month(as_of_date)
    first = months_before(end, DEFAULT_N_MONTHS) if start is None else month_start(start, name="start")
    if first > end:
        raise InputError(
            f"start: {first.strftime('%Y-%m')} is after the last complete month on or before as_of "
            f"{as_of_date.date()} ({end.strftime('%Y-%m')})"
        )
    return panel_months(first, end)


def _check_columns(records: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise InputError(f"records: missing required column(s) {missing}")
    for column in (PERSON_ID, START_DATE, WEEKLY_COST):
        n_missing = int(records[column].isna().sum())
        if n_missing:
            raise InputError(f"records: {n_missing} row(s) with no {column}; validate the records first")


def _date_range(records: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first start date and the latest start or end date (None when there are none)."""
    earliest = records[START_DATE].min()
    latest = pd.Series([records[START_DATE].max(), records[END_DATE].max()]).max()
    return _date_or_none(earliest), _date_or_none(latest)


def _date_or_none(value: object) -> pd.Timestamp | None:
    return None if pd.isna(value) else pd.Timestamp(value).normalize()


def _record_spans(
    records: pd.DataFrame, wards: list[str], pairs: list[tuple[str, str]], months: pd.DatetimeIndex
) -> measures.RecordSpans:
    window_end_day = day_numbers(months[-1:] + pd.offsets.MonthEnd(0))[0]
    window_month_zero = month_numbers(months[:1])[0]
    open_ended = records[END_DATE].isna().to_numpy()
    end_day = np.where(open_ended, window_end_day, day_numbers(records[END_DATE]))
    start_day = day_numbers(records[START_DATE])
    return measures.RecordSpans(
        cell=_cell_numbers(records, wards, pairs),
        person=pd.factorize(records[PERSON_ID])[0].astype(np.int64),
        start_day=start_day,
        end_day=end_day,
        start_month=month_numbers_of_days(start_day) - window_month_zero,
        end_month=month_numbers_of_days(end_day) - window_month_zero,
        weekly_cost=records[WEEKLY_COST].to_numpy(dtype=np.float64),
    )


def _cell_numbers(records: pd.DataFrame, wards: list[str], pairs: list[tuple[str, str]]) -> np.ndarray:
    ward_number = pd.Index(wards).get_indexer(records[WARD_CODE])
    unknown_wards = records.loc[ward_number < 0, WARD_CODE]
    if len(unknown_wards):
        raise InputError(
            f"{WARD_CODE}: {len(unknown_wards)} record(s) with ward codes not in the ward table, "
            f"e.g. {sorted(unknown_wards.astype(str).unique())[:5]}"
        )
    pair_number = pd.MultiIndex.from_tuples(pairs).get_indexer(
        pd.MultiIndex.from_arrays([records[CLIENT_GROUP], records[SERVICE]])
    )
    if (pair_number < 0).any():
        unknown = records.loc[pair_number < 0, [CLIENT_GROUP, SERVICE]].drop_duplicates()
        raise InputError(
            f"{CLIENT_GROUP}/{SERVICE}: {int((pair_number < 0).sum())} record(s) with pairs the catalogue "
            f"does not offer, e.g. {list(unknown.itertuples(index=False, name=None))[:5]}"
        )
    return ward_number.astype(np.int64) * len(pairs) + pair_number


def _month_days(months: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    return day_numbers(months), day_numbers(months + pd.offsets.MonthEnd(0))


def _long_panel(
    values: dict[str, np.ndarray],
    wards: list[str],
    pairs: list[tuple[str, str]],
    months: pd.DatetimeIndex,
) -> pd.DataFrame:
    n_wards, n_pairs, n_months, n_measures = len(wards), len(pairs), len(months), len(MEASURES)
    rows_per_ward = n_pairs * n_months * n_measures
    groups = np.array([group for group, _ in pairs], dtype=object)
    services = np.array([service for _, service in pairs], dtype=object)
    stacked = np.stack([values[m].reshape(-1, n_months) for m in MEASURES], axis=-1)
    return pd.DataFrame(
        {
            WARD_CODE: np.repeat(np.array(wards, dtype=object), rows_per_ward),
            CLIENT_GROUP: np.tile(np.repeat(groups, n_months * n_measures), n_wards),
            SERVICE: np.tile(np.repeat(services, n_months * n_measures), n_wards),
            MONTH: np.tile(np.repeat(months.to_numpy(), n_measures), n_wards * n_pairs),
            MEASURE: np.tile(np.array(MEASURES, dtype=object), n_wards * n_pairs * n_months),
            VALUE: stacked.reshape(-1).astype(np.float64),
        },
        columns=list(PANEL_COLUMNS),
    )
