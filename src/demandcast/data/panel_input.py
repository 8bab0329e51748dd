"""The `--panel` input: an already aggregated long panel plus optional area and service hierarchies.

The panel file (CSV or Parquet) has columns area, service, month, measure, value. AREAS.csv maps
area -> district, council; SERVICES.csv maps service -> group. Either may be absent, and then that
side of the hierarchy is flat. Months may be monthly (the default) or quarterly: the frequency is
read from the data. Every problem raises InputError naming the file, the column and the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from demandcast.columns import (
    ALL,
    AREA,
    CLIENT_GROUP,
    COUNCIL,
    DISTRICT,
    HIERARCHICAL_PANEL_COLUMNS,
    MEASURE,
    MONTH,
    SERVICE,
    VALUE,
    WARD_CODE,
)
from demandcast.errors import InputError

GROUP = "group"
PANEL_INPUT_COLUMNS: tuple[str, ...] = (AREA, SERVICE, MONTH, MEASURE, VALUE)
MAX_HORIZON = 36
_SEASONAL_PERIOD = {"MS": 12, "QS": 4}


@dataclass(frozen=True)
class PanelInput:
    """A validated `--panel` input.

    Attributes:
        hpanel: columns area, client_group, service, month, measure, value (HIERARCHICAL_PANEL_COLUMNS).
        areas: columns area, district, council, or None when no area file was given.
        freq: "MS" (monthly) or "QS" (quarterly).
    """

    hpanel: pd.DataFrame
    areas: pd.DataFrame | None
    freq: str

    @property
    def service_groups(self) -> bool:
        """Whether services are grouped (a SERVICES.csv was given)."""
        return bool((self.hpanel[CLIENT_GROUP] != ALL).any())


def read_panel_input(
    panel: str | Path,
    areas: str | Path | None = None,
    services: str | Path | None = None,
    *,
    horizon: int = 12,
    n_windows: int = 3,
) -> PanelInput:
    """Read and validate a `--panel` input with its optional AREAS.csv and SERVICES.csv.

    Raises:
        InputError: naming the file, column and row of the first problem found.
    """
    check_horizon(horizon)
    frame = _read_table(panel, PANEL_INPUT_COLUMNS)
    source = str(panel)
    long = _typed_panel(frame, source)
    _check_duplicates(long, source)
    freq = infer_freq(long[MONTH], source)
    _check_gaps(long, freq, source)
    _check_measures_cover_every_series(long, source)
    check_history_length(long[MONTH], freq, horizon, n_windows, source)
    area_table = _read_areas(areas, long) if areas is not None else None
    groups = _read_service_groups(services, long) if services is not None else None
    client_group = long[SERVICE].map(groups) if groups is not None else ALL
    hpanel = long.assign(**{CLIENT_GROUP: client_group})[list(HIERARCHICAL_PANEL_COLUMNS)]
    return PanelInput(
        hpanel.sort_values([MEASURE, AREA, CLIENT_GROUP, SERVICE, MONTH], ignore_index=True), area_table, freq
    )


def check_horizon(horizon: int) -> None:
    """Refuse horizons outside 1..36 periods."""
    if not 1 <= int(horizon) <= MAX_HORIZON:
        raise InputError(f"horizon {horizon}: must be between 1 and {MAX_HORIZON} periods")


def seasonal_period(freq: str) -> int:
    """Periods in a year: 12 for monthly ("MS"), 4 for quarterly ("QS")."""
    return _SEASONAL_PERIOD[freq]


def backtest_span(freq: str, horizon: int) -> tuple[int, int]:
    """(backtest horizon, step between origins): at most a year ahead, origins half of it apart."""
    h = min(horizon, seasonal_period(freq))
    step = max(1, h // 2)
    return h, step


def infer_freq(months: pd.Series, source: str = "panel") -> str:
    """ "MS" when consecutive distinct months are one month apart, "QS" when three (Jan/Apr/Jul/Oct)."""
    periods = sorted(set(months.dt.year * 12 + months.dt.month - 1))
    steps = {b - a for a, b in zip(periods, periods[1:], strict=False)}
    if steps == {1} or not steps:
        return "MS"
    if steps == {3} and periods[0] % 3 == 0:
        return "QS"
    raise InputError(
        f"{source}: column {MONTH!r} is neither monthly nor quarterly (calendar quarters); "
        f"found steps of {sorted(steps)} months between periods"
    )


def check_history_length(months: pd.Series, freq: str, horizon: int, n_windows: int, source: str) -> None:
    """Refuse a history shorter than two seasonal cycles plus the backtest windows."""
    h, step = backtest_span(freq, horizon)
    needed = 2 * seasonal_period(freq) + h + (n_windows - 1) * step
    found = months.nunique()
    if found < needed:
        raise InputError(
            f"{source}: column {MONTH!r} has {found} periods of history; at least {needed} are needed "
            f"(two seasonal cycles of {seasonal_period(freq)} plus {n_windows} backtest windows of {h})"
        )


def _read_table(path: str | Path, required: tuple[str, ...]) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        frame = (
            pd.read_parquet(path)
            if path.suffix == ".parquet"
            else pd.read_csv(path, dtype="str", keep_default_na=False)
        )
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot be read ({error})") from error
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing columns {missing}; found {list(frame.columns)}")
    return frame


def _row(index: int) -> int:
    """The 1-based data row (not counting a CSV header) of a 0-based frame index."""
    return int(index) + 1


def _typed_panel(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    text_months = frame[MONTH].astype("str")
    months = pd.to_datetime(text_months, errors="coerce", format="ISO8601")
    bad = months.isna()
    if bad.any():
        first = bad.idxmax()
        raise InputError(
            f"{source}: column {MONTH!r} row {_row(first)}: cannot read {text_months[first]!r} as a month "
            f"(expected YYYY-MM or YYYY-MM-DD); {int(bad.sum())} such rows"
        )
    values = pd.to_numeric(frame[VALUE], errors="coerce")
    bad = values.isna()
    if bad.any():
        first = bad.idxmax()
        raise InputError(
            f"{source}: column {VALUE!r} row {_row(first)}: {frame[VALUE][first]!r} is not a number"
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        first = bad.idxmax()
        raise InputError(
            f"{source}: column {VALUE!r} row {_row(first)}: {frame[VALUE][first]!r} is not a non-negative "
            f"finite number (counts and spend; net any refund into its month); {int(bad.sum())} such rows"
        )
    return pd.DataFrame(
        {
            AREA: frame[AREA].astype("str"),
            SERVICE: frame[SERVICE].astype("str"),
            MONTH: months.dt.to_period("M").dt.to_timestamp(),
            MEASURE: frame[MEASURE].astype("str"),
            VALUE: values.astype("float64"),
        }
    )


def _check_duplicates(long: pd.DataFrame, source: str) -> None:
    keys = [AREA, SERVICE, MONTH, MEASURE]
    duplicated = long.duplicated(keys, keep="first")
    if duplicated.any():
        first = duplicated.idxmax()
        row = long.loc[first]
        raise InputError(
            f"{source}: row {_row(first)}: duplicate key (area={row[AREA]!r}, service={row[SERVICE]!r}, "
            f"month={row[MONTH]:%Y-%m}, measure={row[MEASURE]!r}); {int(duplicated.sum())} duplicate rows"
        )


def _check_gaps(long: pd.DataFrame, freq: str, source: str) -> None:
    """Every series must have a row for every period from the panel's first to its last."""
    months = pd.date_range(long[MONTH].min(), long[MONTH].max(), freq=freq)
    counts = long.groupby([AREA, SERVICE, MEASURE], sort=True)[MONTH].nunique()
    short = counts[counts < len(months)]
    if short.empty:
        return
    area, service, measure = short.index[0]
    in_series = (long[AREA] == area) & (long[SERVICE] == service) & (long[MEASURE] == measure)
    present = set(long.loc[in_series, MONTH])
    missing = next(m for m in months if m not in present)
    raise InputError(
        f"{source}: series (area={area!r}, service={service!r}, measure={measure!r}) has no row for "
        f"{missing:%Y-%m} (a gap); every series needs every period from {months[0]:%Y-%m} to "
        f"{months[-1]:%Y-%m} (write 0 where there was no demand); {len(short)} series have gaps"
    )


def _check_measures_cover_every_series(long: pd.DataFrame, source: str) -> None:
    """Every (area, service) with rows for one measure must have rows for every measure of the panel.

    The hierarchy's nodes are those of all measures together; a measure lacking a node would leave
    that node without a forecast of it.
    """
    present = long[[AREA, SERVICE, MEASURE]].drop_duplicates()
    pairs = present[[AREA, SERVICE]].drop_duplicates()
    measures = sorted(present[MEASURE].unique())
    expected = pairs.merge(pd.DataFrame({MEASURE: measures}), how="cross")
    missing = expected.merge(present, how="left", indicator=True).query("_merge == 'left_only'")
    if missing.empty:
        return
    area, service, measure = missing.iloc[0][[AREA, SERVICE, MEASURE]]
    raise InputError(
        f"{source}: column {MEASURE!r}: (area={area!r}, service={service!r}) has rows for other measures "
        f"but none for {measure!r}; every area and service needs every measure "
        f"(write 0 where there was no demand); {len(missing)} (area, service, measure) series are missing"
    )


def _read_areas(path: str | Path, long: pd.DataFrame) -> pd.DataFrame:
    table = _read_table(path, (AREA, DISTRICT, COUNCIL))[[AREA, DISTRICT, COUNCIL]].astype("str")
    _check_unique(table, AREA, path)
    missing = sorted(set(long[AREA]) - set(table[AREA]))
    if missing:
        raise InputError(f"{path}: column {AREA!r} lacks {len(missing)} panel areas, e.g. {missing[:5]}")
    return table.reset_index(drop=True)


def _read_service_groups(path: str | Path, long: pd.DataFrame) -> pd.Series:
    table = _read_table(path, (SERVICE, GROUP))[[SERVICE, GROUP]].astype("str")
    _check_unique(table, SERVICE, path)
    missing = sorted(set(long[SERVICE]) - set(table[SERVICE]))
    if missing:
        raise InputError(
            f"{path}: column {SERVICE!r} lacks {len(missing)} panel services, e.g. {missing[:5]}"
        )
    return table.set_index(SERVICE)[GROUP]


def _check_unique(table: pd.DataFrame, column: str, path: str | Path) -> None:
    duplicated = table.duplicated(column)
    if duplicated.any():
        first = duplicated.idxmax()
        raise InputError(
            f"{path}: column {column!r} row {_row(first)}: {table[column][first]!r} is listed twice"
        )


def hpanel_from_ward_panel(panel: pd.DataFrame, wards: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ward panel on the engine's contract, and its area table.

    Args:
        panel: columns ward_code, client_group, service, month, measure, value.
        wards: columns ward_code, district, council (e.g. demandcast.data.wards.load_wards()).

    Returns:
        (hpanel with HIERARCHICAL_PANEL_COLUMNS, areas with columns area, district, council).
    """
    hpanel = panel.rename(columns={WARD_CODE: AREA})[list(HIERARCHICAL_PANEL_COLUMNS)]
    areas = pd.DataFrame(wards).rename(columns={WARD_CODE: AREA})[[AREA, DISTRICT, COUNCIL]]
    return hpanel, areas.astype("str").reset_index(drop=True)
