"""The insights report: the council's questions answered as tables, PNG charts and a markdown summary.

`council_insights` computes every table (pure); `write_report` writes them into a folder. Ward-level
counts pass through disclosure control before they are written, and rates are computed from the
protected counts; spatial statistics use exact rates, but only their cluster labels and global
summaries are published. Council-level totals are published as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure

from demandcast.checks.disclosure import NHS, DisclosureRule, rule_named
from demandcast.columns import CASELOAD, CLIENT_GROUP, WARD_CODE
from demandcast.files import write_atomically
from demandcast.insights import charts, summary
from demandcast.insights.concentration import (
    CLUSTER,
    HOT_SPOT,
    RATE_PER_10K,
    getis_ord_hot_spots,
    global_moran,
    local_clusters,
    published_ward_rates,
    ward_counts,
    ward_rates,
)
from demandcast.insights.cost_trends import annual_costs, april_price_steps, monthly_cost_and_weeks
from demandcast.insights.service_mix import service_mix, setting_shift

SUMMARY_FILE = "summary.md"


@dataclass(frozen=True)
class Insights:
    """Every table of the report; `ward_rates` is already protected, the rest are council-level."""

    council_costs: pd.DataFrame
    annual_costs: pd.DataFrame
    monthly_unit_costs: pd.DataFrame
    price_steps: pd.DataFrame
    service_mix: pd.DataFrame
    setting_shift: pd.DataFrame
    ward_rates: pd.DataFrame
    spatial_autocorrelation: pd.DataFrame
    rule: DisclosureRule = NHS
    measure: str = CASELOAD

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by file stem, in reading order."""
        return {
            "council_costs": self.council_costs,
            "annual_costs": self.annual_costs,
            "monthly_unit_costs": self.monthly_unit_costs,
            "april_price_steps": self.price_steps,
            "service_mix": self.service_mix,
            "setting_shift": self.setting_shift,
            "ward_rates": self.ward_rates,
            "spatial_autocorrelation": self.spatial_autocorrelation,
        }


@dataclass(frozen=True)
class WrittenReport:
    """Where the report went: the folder, its summary and every file written."""

    folder: Path
    summary: Path
    files: list[Path] = field(default_factory=list)


def council_insights(
    panel: pd.DataFrame,
    wards: gpd.GeoDataFrame,
    *,
    measure: str = CASELOAD,
    year: str | None = None,
    rule: DisclosureRule | str = NHS,
    permutations: int = 999,
    seed: int = 0,
) -> Insights:
    """Every table of the report from the monthly ward panel and the ward table.

    Args:
        panel: the long monthly panel (ward_code, client_group, service, month, measure, value).
        wards: ward_code, ward_name, pop_0_17, pop_18_64, pop_65_plus and geometry.
        measure: the count mapped per ward: 'caseload' (year-end stock) or 'starts' (in the year).
        year: the fiscal year mapped; default the latest complete one.
        rule: the disclosure rule for ward-level counts.
        permutations: permutations for the local spatial statistics.
        seed: seeds the permutations.
    """
    counts = ward_counts(panel, measure=measure, year=year)
    clusters, moran = _spatial(ward_rates(counts, wards), wards, permutations, seed)
    published = published_ward_rates(counts, wards, rule=rule).merge(
        clusters, on=[WARD_CODE, CLIENT_GROUP], how="left", validate="one_to_one")
    return Insights(
        council_costs=annual_costs(panel, keys=()),
        annual_costs=annual_costs(panel),
        monthly_unit_costs=monthly_cost_and_weeks(panel, keys=(CLIENT_GROUP,)),
        price_steps=april_price_steps(panel),
        service_mix=service_mix(panel),
        setting_shift=setting_shift(panel),
        ward_rates=published.assign(**{RATE_PER_10K: published[RATE_PER_10K].round(1)}),
        spatial_autocorrelation=moran,
        rule=rule_named(rule),
        measure=measure,
    )


def write_report(insights: Insights, wards: gpd.GeoDataFrame, out: str | Path) -> WrittenReport:
    """Write the tables (CSV), the charts (PNG) and `summary.md` into folder `out`, each atomically."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files = [write_atomically(folder / f"{stem}.csv", partial(_save_csv, table))
             for stem, table in insights.tables().items()]
    figures = charts.report_figures(insights, wards)
    files += [write_atomically(folder / f"{stem}.png", partial(_save_png, figure))
              for stem, figure in figures.items()]
    text = summary.summary_markdown(insights, wards, chart_files=[f"{stem}.png" for stem in figures])
    summary_path = write_atomically(folder / SUMMARY_FILE, partial(_save_text, text))
    return WrittenReport(folder, summary_path, [*files, summary_path])


def _spatial(
    rates: pd.DataFrame, wards: gpd.GeoDataFrame, permutations: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    labels, moran_rows = [], []
    for group, rows in rates.groupby(CLIENT_GROUP, observed=True, sort=True):
        values = rows.set_index(WARD_CODE)[RATE_PER_10K].fillna(0.0)
        lisa = local_clusters(values, wards, permutations=permutations, seed=seed)
        g_star = getis_ord_hot_spots(values, wards, permutations=permutations, seed=seed)
        labels.append(lisa[[WARD_CODE, CLUSTER]].merge(g_star[[WARD_CODE, HOT_SPOT]], on=WARD_CODE)
                      .assign(**{CLIENT_GROUP: group}))
        result = global_moran(values, wards)
        moran_rows.append({CLIENT_GROUP: group, "morans_i": result.i, "expected_i": result.expected_i,
                           "z": result.z, "p_value": result.p_value, "n_wards": result.n})
    return pd.concat(labels, ignore_index=True), pd.DataFrame(moran_rows)


def _save_csv(table: pd.DataFrame, path: str) -> None:
    table.to_csv(path, index=False)


def _save_png(figure: Figure, path: str) -> None:
    figure.savefig(path, format="png")


def _save_text(text: str, path: str) -> None:
    Path(path).write_text(text, encoding="utf-8")




