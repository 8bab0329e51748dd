"""A chart of forecast quality by ward group: WAPE and signed bias with bootstrap intervals."""

from __future__ import annotations

from matplotlib.figure import Figure

from demandcast.checks.fairness import FairnessReport
from demandcast.checks.ward_groups import IMD_QUINTILE, MINORITY_QUINTILE

CHART_METRICS = (("wape", "WAPE"), ("bias", "signed bias"))
AXIS_LABELS = {
    IMD_QUINTILE: "IMD quintile (1 = most deprived)",
    MINORITY_QUINTILE: "minority-ethnic-share quintile (5 = highest)",
}


def fairness_figure(report: FairnessReport) -> Figure:
    """One row per grouping (IMD, minority share), one column per metric; a line per measure.

    Uses matplotlib's object API only (no global pyplot state), so it is safe in servers and workers.
    """
    table = report.table
    groupings = list(dict.fromkeys(table["grouping"]))
    figure = Figure(figsize=(9, 3 * max(len(groupings), 1)))
    axes = figure.subplots(max(len(groupings), 1), len(CHART_METRICS), squeeze=False)
    for row, grouping in enumerate(groupings):
        for column, (metric, label) in enumerate(CHART_METRICS):
            axis = axes[row, column]
            for measure, rows in table[table["grouping"] == grouping].groupby("measure", sort=True):
                estimate = rows[metric].to_numpy(dtype=float)
                errors = [estimate - rows[f"{metric}_lo"].to_numpy(float), rows[f"{metric}_hi"] - estimate]
                axis.errorbar(rows["group"], estimate, yerr=errors, marker="o", capsize=3, label=measure)
            if metric == "bias":
                axis.axhline(0.0, color="grey", linewidth=0.8)
            axis.set_title(label, fontsize="medium")
            axis.set_xlabel(AXIS_LABELS.get(grouping, grouping))
            axis.legend(fontsize="small")
    figure.tight_layout()
    return figure
