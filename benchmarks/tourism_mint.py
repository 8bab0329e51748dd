"""Tourism (Wickramasuriya, Athanasopoulos & Hyndman 2019): base vs reconciled accuracy per level.

304 monthly series (76 regions x 4 purposes, Jan 1998 - Dec 2016) from ../shared/data/tourism_mint are
written as a long panel with AREAS.csv (region -> zone -> state) and SERVICES.csv (purpose -> 'purpose'
group), read with read_panel_input and trained with train(). Writes benchmarks/tourism_mint.md.

Usage: .venv/bin/python benchmarks/tourism_mint.py [--horizon 12]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from demandcast.data.panel_input import read_panel_input
from demandcast.models.hierarchy import build_hierarchy
from demandcast.models.training import TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / ".." / "shared" / "data" / "tourism_mint" / "TourismData_v3.csv"


def tourism_files(folder: Path) -> tuple[Path, Path, Path]:
    """The tourism data as panel.csv, AREAS.csv and SERVICES.csv in `folder`."""
    wide = pd.read_csv(SOURCE)
    wide["Year"] = wide["Year"].ffill().astype(int)
    months = pd.to_datetime(wide["Year"].astype(str) + "-" + wide["Month"], format="%Y-%B")
    series = [c for c in wide.columns if c not in ("Year", "Month")]
    long = wide[series].set_axis(months.dt.strftime("%Y-%m")).rename_axis("month").reset_index()
    long = long.melt(id_vars="month", var_name="code", value_name="value")
    panel = pd.DataFrame(
        {
            "area": long["code"].str[:3],
            "service": long["code"].str[3:],
            "month": long["month"],
            "measure": "visitor_nights",
            "value": long["value"],
        }
    )
    regions = sorted(panel["area"].unique())
    areas = pd.DataFrame(
        {"area": regions, "district": [r[:2] for r in regions], "council": [r[:1] for r in regions]}
    )
    services = pd.DataFrame({"service": sorted(panel["service"].unique()), "group": "purpose"})
    paths = folder / "panel.csv", folder / "AREAS.csv", folder / "SERVICES.csv"
    for frame, path in zip((panel, areas, services), paths, strict=True):
        frame.to_csv(path, index=False)
    return paths


def table(metrics: dict, decision: dict) -> str:
    """Markdown rows: level, base (chosen) model, MASE and WAPE base vs reconciled."""
    lines = [
        "| level (area/purpose) | base model | MASE base | MASE reconciled | WAPE base | WAPE reconciled |",
        "|---|---|---|---|---|---|",
    ]
    for level, rows in metrics.items():
        base, rec = rows["chosen"], rows["reconciled"]
        lines.append(
            f"| {level} | {base['model']} | {base['mase']:.3f} | {rec['mase']:.3f} | "
            f"{base['wape']:.3f} | {rec['wape']:.3f} |"
        )
    methods = [
        "",
        "Every method in the backtest (MASE ratio to the base forecasts; below 1 is better):",
        "",
        "| method | geometric mean over levels | worst level |",
        "|---|---:|---:|",
    ]
    for method, ratio in sorted(decision["geometric_mean"].items(), key=lambda item: item[1]):
        worst = max(decision["mase_ratio_to_base"][method].items(), key=lambda item: item[1])
        methods.append(f"| {method} | {ratio:.3f} | {worst[1]:.3f} ({worst[0]}) |")
    return "\n".join(lines) + f"\n\nReconciliation: {decision['reason']}\n" + "\n".join(methods) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--horizon", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        panel, areas, services = tourism_files(Path(folder))
        data = read_panel_input(panel, areas, services, horizon=args.horizon)
    hierarchy = build_hierarchy(data.hpanel, data.areas, data.service_groups)
    start = time.perf_counter()
    result = train(data.hpanel, hierarchy, TrainConfig(horizon=args.horizon))
    seconds = time.perf_counter() - start
    decision = result.decisions["visitor_nights"]["reconciliation"]
    text = (
        "# Tourism (MinT paper data) through `--panel`\n\n"
        "Area levels: ward = region (76), district = zone, council = state (7); services = purpose (4), "
        "all purposes. No national total (the hierarchy's top is the state).\n"
        f"Backtest: 3 rolling origins, horizon {min(args.horizon, 12)}, last origins of Dec 2016 data; "
        f"MASE per series scaled by in-sample seasonal-naive MAE.\n\n"
        + table(result.metrics["visitor_nights"], decision)
        + f"\nWall time {seconds:.0f} s; stages (s; the fit runs beside reconciliation and intervals): "
        + ", ".join(f"{k} {v:.1f}" for k, v in result.stage_seconds.items())
        + "\n"
    )
    (ROOT / "benchmarks" / "tourism_mint.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
