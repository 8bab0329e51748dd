"""Time the identifier scan and disclosure control on demo-sized tables.

Run: .venv/bin/python benchmarks/disclosure.py
"""

import time

import numpy as np
import pandas as pd

from demandcast.checks.disclosure import protect_table
from demandcast.checks.identifiers import scan_identifiers
from demandcast.checks.pseudonymise import pseudonymise


def _records(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ids = pd.DataFrame({"person_id": [f"P{i:07d}" for i in rng.integers(0, n // 2, n)]})
    return pseudonymise(ids, b"k" * 32).assign(
        ward_code=rng.choice([f"E0501{1118 + i}" for i in range(69)], n),
        client_group=rng.choice(["children", "working_age", "older_people"], n),
        service=rng.choice(["home_care", "residential", "nursing"], n),
        start_date="2020-01-01",
        end_date="",
        weekly_cost=rng.gamma(2, 300, n).round(2).astype("str"),
        birth_year=rng.integers(1920, 2020, n).astype("str"),
        sex=rng.choice(["F", "M"], n),
        ethnicity=rng.choice(["White", "Asian", "Black"], n),
    )


def _timed(label: str, run) -> None:
    start = time.perf_counter()
    run()
    print(f"| {label} | {time.perf_counter() - start:.2f} s |")


def main() -> None:
    records = _records(200_000)
    print("| step | time |\n|---|---|")
    _timed("scan_identifiers, 200k rows x 12 columns, sample 5,000", lambda: scan_identifiers(records))
    _timed("scan_identifiers, 200k rows x 12 columns, full",
           lambda: scan_identifiers(records, sample_size=None))
    _timed("pseudonymise person_id, 200k rows", lambda: pseudonymise(records, b"k" * 32))
    rng = np.random.default_rng(1)
    panel = pd.DataFrame({
        "ward_code": np.repeat(np.arange(69), 15 * 120),
        "service": np.tile(np.repeat(np.arange(15), 120), 69),
        "month": np.tile(np.arange(120), 69 * 15),
        "value": rng.poisson(6, 69 * 15 * 120),
    })
    _timed(
        "protect_table NHS, 124k ward x service x month cells, 2 families of totals",
        lambda: protect_table(panel, totals=[("service", "month"), ("ward_code", "month")]),
    )


if __name__ == "__main__":
    main()
