"""The report's charts as matplotlib Figures (Agg, no pyplot state): costs, unit costs, mix and ward maps.

Maps show published rates only: wards whose count is suppressed are hatched, not coloured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure

from demandcast.columns import CLIENT_GROUP, COST, MONTH, SERVICE, WARD_CODE
from demandcast.insights.concentration import CLUSTER, HIGH_HIGH, HIGH_LOW, LOW_HIGH, LOW_LOW, RATE_PER_10K
from demandcast.insights.cost_trends import FISCAL_YEAR, UNIT_COST_PER_WEEK
from demandcast.insights.service_mix import CASELOAD_SHARE

if TYPE_CHECKING:
    from demandcast.insights.report import Insights

CLUSTER_COLOURS = {HIGH_HIGH: "#d7191c", LOW_LOW: "#2c7bb6", HIGH_LOW: "#fdae61", LOW_HIGH: "#abd9e9"}
NOT_SIGNIFICANT_COLOUR = "#eeeeee"
SUPPRESSED_COLOUR = "#bbbbbb"
DPI = 110


def report_figures(insights: Insights, wards: gpd.GeoDataFrame) -> dict[str, Figure]:
    """Every chart of the report by file stem."""
    return {
        "cost_by_year": cost_by_year(insights.annual_costs),
        "unit_cost_by_month": unit_cost_by_month(insights.monthly_unit_costs),
        "service_mix": service_mix_bars(insights.service_mix),
        "ward_rates_map": ward_rate_maps(insights.ward_rates, wards),
        "ward_clusters_map": ward_cluster_maps(insights.ward_rates, wards),
    }


def cost_by_year(annual: pd.DataFrame) -> Figure:
    """Bars of cost (GBP million) per fiscal year and client group; needs fiscal_year, client_group, cost."""
    table = annual.pivot_table(index=FISCAL_YEAR, columns=CLIENT_GROUP, values=COST, aggfunc="sum") / 1e6
    figure = Figure(figsize=(8, 4.5), dpi=DPI, layout="constrained")
    axes = figure.subplots()
    table.plot.bar(ax=axes, rot=0)
    axes.set(title="Cost by fiscal year", xlabel="fiscal year (April to March)", ylabel="GBP million")
    return figure


def unit_cost_by_month(monthly: pd.DataFrame) -> Figure:
    """Lines of cost per client-week by month and client group, Aprils marked; needs month, client_group."""
    figure = Figure(figsize=(9, 4.5), dpi=DPI, layout="constrained")
    axes = figure.subplots()
    for group, rows in monthly.groupby(CLIENT_GROUP, sort=True):
        axes.plot(rows[MONTH], rows[UNIT_COST_PER_WEEK], label=str(group))
    for april in pd.DatetimeIndex(monthly[MONTH].unique()).sort_values():
        if april.month == 4:
            axes.axvline(april, color="grey", linewidth=0.5, linestyle=":")
    axes.set(title="Unit cost per client-week (dotted lines: April price steps)", ylabel="GBP per week")
    axes.legend()
    return figure


def service_mix_bars(mix: pd.DataFrame) -> Figure:
    """Stacked bars of each service's share of caseload, one panel per client group."""
    groups = sorted(mix[CLIENT_GROUP].unique())
    figure = Figure(figsize=(5 * max(len(groups), 1), 4.5), dpi=DPI, layout="constrained")
    for axes, group in zip(figure.subplots(1, max(len(groups), 1), squeeze=False)[0], groups, strict=False):
        table = mix[mix[CLIENT_GROUP] == group].pivot_table(
            index=FISCAL_YEAR, columns=SERVICE, values=CASELOAD_SHARE, aggfunc="sum")
        (table * 100).plot.bar(stacked=True, ax=axes, rot=45, width=0.8)
        axes.set(title=f"{group}: share of caseload", xlabel="", ylabel="%")
        axes.legend(fontsize=7, loc="lower left")
    return figure


def ward_rate_maps(published: pd.DataFrame, wards: gpd.GeoDataFrame) -> Figure:
    """Choropleths of published rates per 10,000, one per client group; suppressed wards hatched."""
    return _maps(published, wards, _draw_rates, "rate per 10,000 of the age group")


def ward_cluster_maps(published: pd.DataFrame, wards: gpd.GeoDataFrame) -> Figure:
    """Local Moran clusters per client group: hot spots red, cold spots blue, outliers pale."""
    return _maps(published, wards, _draw_clusters, "local Moran clusters")


def _maps(published, wards, draw, title) -> Figure:
    groups = sorted(published[CLIENT_GROUP].unique())
    figure = Figure(figsize=(5 * max(len(groups), 1), 5), dpi=DPI, layout="constrained")
    for axes, group in zip(figure.subplots(1, max(len(groups), 1), squeeze=False)[0], groups, strict=False):
        rows = published[published[CLIENT_GROUP] == group].drop(columns=[CLIENT_GROUP])
        shaped = wards[[WARD_CODE, "geometry"]].merge(rows, on=WARD_CODE, how="left")
        draw(shaped, axes)
        axes.set_axis_off()
        axes.set_title(f"{group}: {title}")
    return figure


def _draw_rates(shaped: gpd.GeoDataFrame, axes) -> None:
    shaped.plot(column=RATE_PER_10K, ax=axes, cmap="OrRd", legend=True, edgecolor="white", linewidth=0.3,
                missing_kwds={"color": SUPPRESSED_COLOUR, "hatch": "///", "label": "suppressed"})


def _draw_clusters(shaped: gpd.GeoDataFrame, axes) -> None:
    colours = shaped[CLUSTER].map(CLUSTER_COLOURS).fillna(NOT_SIGNIFICANT_COLOUR)
    shaped.plot(color=colours.tolist(), ax=axes, edgecolor="white", linewidth=0.3)
