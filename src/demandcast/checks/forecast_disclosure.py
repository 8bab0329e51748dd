"""The publishing rule applied to forecasts: counts below council level are protected like data.

Council-level forecasts are exempt. Below it, each count forecast's mean goes through
`protect_table` with the sum over the areas of a level as a published total (reconciled ward
forecasts add up to the council's), and each interval bound through the rule alone; when the mean
is suppressed, so are its bounds, which would otherwise locate it. Cost forecasts are
magnitudes, not counts of people, and pass unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from demandcast import columns as c
from demandcast.checks.disclosure import (
    NHS,
    STATUS_SUFFIX,
    DisclosureRule,
    protect_table,
    protected_counts,
    rule_named,
)
from demandcast.errors import InputError

DISCLOSURE_STATUS = "disclosure_status"
EXEMPT = "exempt"


def protect_forecasts(
    forecasts: pd.DataFrame,
    rule: DisclosureRule | str = NHS,
    *,
    measures: Sequence[str] = c.COUNT_MEASURES,
) -> pd.DataFrame:
    """Forecasts fit to publish: sub-council count forecasts follow `rule`.

    Args:
        forecasts: the forecast contract (`area_level`, `area`, `client_group`, `service`, `month`,
            `measure`, `mean`, `lo_80`, `hi_80`, `lo_95`, `hi_95`); a `cutoff` column, if present,
            separates backtest windows.
        rule: the publishing rule (or its name).
        measures: the measures that are counts of people.

    Returns:
        The same rows with NaN where a value is suppressed and a `disclosure_status` column
        (the mean's status: 'rounded', 'suppressed_primary', ...; 'exempt' where the rule does
        not apply).
    """
    rule = rule_named(rule)
    missing = sorted(set(c.FORECAST_COLUMNS) - set(forecasts.columns))
    if missing:
        raise InputError(f"protect_forecasts: column(s) {missing} not found")
    covered = (forecasts[c.AREA_LEVEL] != c.COUNCIL_LEVEL) & forecasts[c.MEASURE].isin(list(measures))
    protected = _protected_rows(forecasts[covered], rule)
    exempt = forecasts[~covered].assign(**{DISCLOSURE_STATUS: EXEMPT})
    combined = pd.concat([protected, exempt]).loc[forecasts.index]
    return combined.astype({DISCLOSURE_STATUS: "str"})


def _protected_rows(rows: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    keys = [c.CUTOFF] if c.CUTOFF in rows.columns else []
    totals = [(*keys, c.AREA_LEVEL, c.CLIENT_GROUP, c.SERVICE, c.MONTH, c.MEASURE)]
    table = protect_table(rows, rule=rule, count_columns=[c.MEAN], totals=totals).frame
    status = table.pop(f"{c.MEAN}{STATUS_SUFFIX}")
    hidden = status.str.startswith("suppressed").to_numpy()
    bounds = {
        column: np.where(hidden, np.nan, protected_counts(rows[column], rule))
        for column in c.INTERVAL_COLUMNS
    }
    return table.assign(**bounds, **{DISCLOSURE_STATUS: status})
