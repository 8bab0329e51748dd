"""The report's markdown summary: headline answers in words, then where each table and chart is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from demandcast.checks.markdown import markdown_table, percent
from demandcast.columns import CLIENT_GROUP, COST, WARD_CODE, WARD_NAME
from demandcast.insights.concentration import CLUSTER, COUNT, HIGH_HIGH, LOW_LOW
from demandcast.insights.cost_trends import (
    APRIL_STEP,
    COST_CHANGE,
    FISCAL_YEAR,
    MONTHS_IN_YEAR,
    N_MONTHS,
    UNIT_COST_CHANGE,
    UNIT_COST_PER_WEEK,
)
from demandcast.insights.service_mix import CARE_HOME, CASELOAD_SHARE, SETTING

if TYPE_CHECKING:
    from demandcast.insights.report import Insights


def summary_markdown(insights: Insights, wards: gpd.GeoDataFrame, *, chart_files: Sequence[str]) -> str:
    """The summary: costs, price steps, setting shift, concentration, disclosure, then the file list."""
    sections = [
        "# What the data say",
        _costs_section(insights.council_costs, insights.price_steps),
        _setting_section(insights.setting_shift),
        _concentration_section(insights, wards),
        _disclosure_section(insights),
        _files_section(list(insights.tables()), chart_files),
    ]
    return "\n\n".join(sections) + "\n"


def _costs_section(council: pd.DataFrame, steps: pd.DataFrame) -> str:
    rows = [[row[FISCAL_YEAR], f"{row[N_MONTHS]}", f"£{row[COST] / 1e6:,.1f}m", percent(row[COST_CHANGE]),
             f"£{row[UNIT_COST_PER_WEEK]:,.0f}", percent(row[UNIT_COST_CHANGE])]
            for _, row in council.iterrows()]
    headers = ["fiscal year", "months", "cost", "change", "cost per client-week", "change"]
    table = markdown_table(headers, rows)
    median_step = steps[APRIL_STEP].median()
    return (
        "## How costs evolve\n\n" + table + "\n\n"
        f"Across services and years, the median March-to-April step in unit cost is {percent(median_step)}"
        " (`april_price_steps.csv` sets each beside its typical month-to-month change). Cost changes are"
        f" shown only between two complete years ({MONTHS_IN_YEAR} months)."
    )


def _setting_section(shift: pd.DataFrame) -> str:
    care_home = shift[shift[SETTING] == CARE_HOME].sort_values(FISCAL_YEAR)
    lines = []
    for group, rows in care_home.groupby(CLIENT_GROUP, sort=True):
        first, last = rows.iloc[0], rows.iloc[-1]
        change = (last[CASELOAD_SHARE] - first[CASELOAD_SHARE]) * 100
        lines.append(f"- {group}: care homes held {percent(first[CASELOAD_SHARE])} of caseload in "
                     f"{first[FISCAL_YEAR]} and {percent(last[CASELOAD_SHARE])} in {last[FISCAL_YEAR]} "
                     f"({change:+.1f} percentage points).")
    return "## How services are provided\n\n" + "\n".join(lines)


def _concentration_section(insights: Insights, wards: gpd.GeoDataFrame) -> str:
    year = insights.ward_rates[FISCAL_YEAR].iloc[0] if len(insights.ward_rates) else "none"
    moran = insights.spatial_autocorrelation
    rows = [[row[CLIENT_GROUP], f"{row['morans_i']:.2f}", f"{row['p_value']:.3f}",
             _ward_names(insights.ward_rates, wards, row[CLIENT_GROUP], HIGH_HIGH),
             _ward_names(insights.ward_rates, wards, row[CLIENT_GROUP], LOW_LOW)]
            for _, row in moran.iterrows()]
    headers = ["client group", "Moran's I", "p", "hot spots (high-high)", "cold spots (low-low)"]
    table = markdown_table(headers, rows)
    return (
        f"## Where demand concentrates ({insights.measure}, {year})\n\n"
        "Rates per 10,000 of each group's age population (children 0-17, working age 18-64, older"
        " people 65+); Moran's I on Queen contiguity (above 0: similar rates sit together).\n\n" + table
    )


def _ward_names(published: pd.DataFrame, wards: gpd.GeoDataFrame, group: str, cluster: str) -> str:
    codes = published.loc[(published[CLIENT_GROUP] == group) & (published[CLUSTER] == cluster), WARD_CODE]
    names = wards.set_index(WARD_CODE).reindex(codes)[WARD_NAME].astype("str").tolist()
    return ", ".join(sorted(names)) or "none"


def _disclosure_section(insights: Insights) -> str:
    statuses = insights.ward_rates[f"{COUNT}_status"]
    hidden = int(statuses.str.startswith("suppressed").sum())
    rule = insights.rule
    rounding = f", the rest rounded to the nearest {rule.round_to}" if rule.round_to else ""
    return (
        "## Disclosure control\n\n"
        f"Ward counts follow the '{rule.name}' rule: counts from 1 to {rule.suppress_up_to} suppressed"
        f"{rounding};"
        f" {hidden} of {len(statuses)} ward cells withheld (primary and secondary). Rates come from the"
        " published counts. Council totals are shown as they are; no person-level data appear."
    )


def _files_section(table_stems: Sequence[str], chart_files: Sequence[str]) -> str:
    tables = [f"- `{stem}.csv`" for stem in table_stems]
    charts = [f"![{name.removesuffix('.png')}]({name})" for name in chart_files]
    return "## Files\n\n" + "\n".join(tables) + "\n\n" + "\n\n".join(charts)
