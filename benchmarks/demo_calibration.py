"""Generated demo city versus Birmingham's published totals; writes benchmarks/demo_calibration.md.

Run: .venv/bin/python benchmarks/demo_calibration.py
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from demandcast.columns import OLDER_PEOPLE, WORKING_AGE
from demandcast.data.demo import generate_demo_city, window_bounds
from demandcast.data.demo.calibration import (
    PUBLISHED_CHILD_STARTS,
    PUBLISHED_LONG_TERM,
    PUBLISHED_LOOKED_AFTER,
    PUBLISHED_NURSING,
    PUBLISHED_OLDER_MIX,
    PUBLISHED_RESIDENTIAL,
    PUBLISHED_TOP_DECILE_SHARE,
    children_looked_after,
    children_starting_care,
    older_people_mix,
    people_on,
    spend_by_person,
    top_decile_share,
)
from demandcast.data.wards import load_wards

OUTPUT = Path(__file__).with_suffix(".md")
ADULTS = (WORKING_AGE, OLDER_PEOPLE)
LONG_TERM = ("home_care", "residential", "nursing", "supported_living", "direct_payment", "day_care")
TIMING_RUNS = 3


def main() -> None:
    wards = load_wards()
    timings, records = [], None
    for _ in range(TIMING_RUNS):
        began = time.perf_counter()
        records = generate_demo_city(wards=wards)
        timings.append(time.perf_counter() - began)
    window_start, extract_date = window_bounds("2020-04", 72)
    years = range(window_start.year + 1, extract_date.year + 1)
    rows = _children_rows(records, years) + _adult_rows(records, years)
    rows.append(
        _row(
            "top 10% of clients' share of spend, 2024-25",
            top_decile_share(spend_by_person(records, "2024-04-01", "2025-03-31")),
            PUBLISHED_TOP_DECILE_SHARE,
            percent=True,
        )
    )
    table = _markdown(rows)
    header = (
        "# Demo city versus Birmingham's published figures\n\n"
        f"Default demo (seed 20260331, April 2020 to March 2026): {len(records):,} records, "
        f"{records['person_id'].nunique():,} people. Generation time (best of {TIMING_RUNS}, shared 2-core "
        f"machine, ward table loaded once): {min(timings):.1f} s.\n\n"
        "Published: DfE children looked after tables (SSDA903) and NHS Digital adult social care "
        "activity for Birmingham (years ending 31 March), as listed in DOMAIN.md; ranges are the "
        "approximate figures quoted there (difference to the nearer bound when outside). "
        "'-' = not published in the tables we hold.\n\n"
    )
    OUTPUT.write_text(header + table + "\n")
    print(header + table)


def _children_rows(records: pd.DataFrame, years: range) -> list[list[str]]:
    rows = []
    for year in years:
        rows.append(
            _row(
                f"children looked after at 31 March {year}",
                children_looked_after(records, year),
                PUBLISHED_LOOKED_AFTER.get(year),
            )
        )
    for year in years:
        rows.append(
            _row(
                f"children starting care, {year - 1}-{year % 100:02d}",
                children_starting_care(records, year),
                PUBLISHED_CHILD_STARTS.get(year),
            )
        )
    return rows


def _adult_rows(records: pd.DataFrame, years: range) -> list[list[str]]:
    days = [f"{year}-03-31" for year in years]
    residential = sum(people_on(records, d, ADULTS, ("residential",)) for d in days) / len(days)
    nursing = sum(people_on(records, d, ADULTS, ("nursing",)) for d in days) / len(days)
    long_term = sum(people_on(records, d, ADULTS, LONG_TERM) for d in days) / len(days)
    mixes = [older_people_mix(records, d) for d in days]
    rows = [
        _row("adults in residential care on 31 March (mean of years)", residential, PUBLISHED_RESIDENTIAL),
        _row("adults in nursing care on 31 March (mean of years)", nursing, PUBLISHED_NURSING),
        _row("adults on long-term support on 31 March (mean of years)", long_term, PUBLISHED_LONG_TERM),
    ]
    for setting, published in PUBLISHED_OLDER_MIX.items():
        share = sum(m[setting] for m in mixes) / len(mixes)
        rows.append(_row(f"older people's long-term mix: {setting}", share, published, percent=True))
    return rows


def _row(
    measure: str, generated: float, published: float | tuple[float, float] | None, percent: bool = False
) -> list[str]:
    show = (lambda v: f"{v:.1%}") if percent else (lambda v: f"{v:,.0f}")
    if published is None:
        return [measure, show(generated), "-", "-"]
    if isinstance(published, tuple):
        low, high = published
        shown = f"{show(low)}-{show(high)}"
        if low <= generated <= high:
            return [measure, show(generated), shown, "within range"]
        bound = low if generated < low else high
        return [measure, show(generated), shown, f"{(generated - bound) / bound:+.1%} from range"]
    return [measure, show(generated), show(published), f"{(generated - published) / published:+.1%}"]


def _markdown(rows: list[list[str]]) -> str:
    lines = ["| measure | generated | published | difference |", "|---|---:|---:|---:|"]
    return "\n".join(lines + [f"| {' | '.join(row)} |" for row in rows])


if __name__ == "__main__":
    main()
