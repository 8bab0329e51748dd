"""Markdown tables of the fairness and privacy checks a `demandcast train` run wrote.

Run `make run` (or `demandcast train ... --out DIR`), then:
    .venv/bin/python benchmarks/checks_tables.py demo/model > benchmarks/checks.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def fairness_table(fairness: dict) -> str:
    """Per IMD and minority-share quintile: WAPE, signed bias and 80% coverage with bootstrap intervals."""
    lines = [
        "| grouping | quintile | measure | wards | WAPE (95% CI) | signed bias (95% CI) "
        "| 80% coverage | 95% coverage |",
        "|---|---:|---|---:|---|---|---:|---:|",
    ]
    for row in fairness["fairness"]["groups"]:
        if row["measure"] == "starts":
            continue
        lines.append(
            f"| {row['grouping']} | {row['group']} | {row['measure']} | {row['n_wards']} "
            f"| {row['wape']:.1%} ({row['wape_lo']:.1%}-{row['wape_hi']:.1%}) "
            f"| {row['bias']:+.1%} ({row['bias_lo']:+.1%} to {row['bias_hi']:+.1%}) "
            f"| {row['coverage_80']:.1%} | {row['coverage_95']:.1%} |"
        )
    return "\n".join(lines)


def gates_table(fairness: dict) -> str:
    """Each gate's outcome, one line per check, grouping and measure."""
    lines = ["| check | grouping | measure | group | status | detail |", "|---|---|---|---|---|---|"]
    for row in fairness["gates"]["checks"]:
        if row["check"] == "coverage_80" and row["status"] == "pass":
            continue
        lines.append(
            f"| {row['check']} | {row['grouping']} | {row['measure']} | {row['group']} "
            f"| {row['status']} | {row['detail']} |"
        )
    return "\n".join(lines)


def privacy_lines(privacy: dict) -> str:
    """Re-identification risk and what disclosure control did to the published forecasts."""
    risk = privacy["reidentification"]
    cells = privacy["published_forecasts"]["cells_by_status"]
    total = sum(cells.values())
    shares = ", ".join(f"{name} {count / total:.1%}" for name, count in sorted(cells.items()))
    return (
        f"- Re-identification on (ward, age band, sex, ethnicity): k-anonymity {risk['k_anonymity']}, "
        f"l-diversity {risk['l_diversity']}, {risk['n_classes_below_k']:,} of {risk['n_classes']:,} classes "
        f"below k={risk['k_threshold']}, holding {risk['share_people_below_k']:.1%} of people "
        f"(median class size {risk['median_class_size']:.0f}).\n"
        f"- Published forecasts under the {privacy['published_forecasts']['rule'].upper()} rule "
        f"({total:,} cells): {shares}.\n"
        f"- Direct identifiers found in the records: {len(privacy['direct_identifiers'])}."
    )


def main(folder: Path) -> None:
    fairness = json.loads((folder / "checks" / "fairness.json").read_text())
    privacy = json.loads((folder / "checks" / "privacy.json").read_text())
    gates = fairness["gates"]
    passed = "passed" if gates["passed"] else "FAILED: " + "; ".join(gates["failures"])
    print(f"Fairness gates: {passed}.\n")
    print(fairness_table(fairness), "\n")
    print(gates_table(fairness), "\n")
    print(privacy_lines(privacy))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo/model"))
