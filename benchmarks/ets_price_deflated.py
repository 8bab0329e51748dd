"""The council cost's ETS on the cost per day divided by each fiscal year's price per client-day.

benchmarks/ets_scaling.md found every scaled fit of the council cost either following each April's
price step (trend smoothing free) or lagging it (trend or level smoothing bounded), where the raw
fit stops in between. This script takes the step out before the fit: each council cost series (per
day, as training models it) is divided by its fiscal year's mean price per client-day (the cost per
day over the same node's caseload, averaged over April-March), fitted as the engine's ETS (damped or
undamped by AICc), and its forecast multiplied by the next year's price, taken as the last year's
grown by the last April's step. Variants: `raw` (the engine's fit on the cost per day), `raw,
price-deflated` and `scaled, price-deflated` (divided by a power of two near its mean, as in
ets_scaling.py). Per level: MASE and bias over the held-out year, the forecast's change under a
1e-15 relative change of the cost (the prices held), trend-form flips, median smoothing parameters.

Usage: .venv/bin/python benchmarks/ets_price_deflated.py [--cities 12] [--first-seed 1]
       [--out benchmarks/ets_price_deflated.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from ets_initialisation import LEVELS, NOISE, _seasonal_naive_scale, council_series
from ets_scaling import BOTH_TRENDS, fitted, over_cities, per_level, scored
from provenance import short_commit

from demandcast.columns import CASELOAD, COST, MEASURE, MONTH, SERIES_ID, VALUE
from demandcast.insights.cost_trends import fiscal_year

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "raw": (False, False),
    "raw, price-deflated": (False, True),
    "scaled, price-deflated": (True, True),
}
"""variant: (fitted on a power-of-two scale, divided by the fiscal year's price)"""


def city_rows(seed: int) -> pd.DataFrame:
    """One row per council cost series and variant of one city."""
    history, future = council_series(seed)
    cost = history[history[MEASURE] == COST]
    clients = history[history[MEASURE] == CASELOAD].set_index([SERIES_ID, MONTH])[VALUE]
    future = future[future[MEASURE] == COST]
    scale = _seasonal_naive_scale(cost)
    rng = np.random.default_rng(seed)
    rows = []
    for uid, series in cost.groupby(SERIES_ID):
        values = series[VALUE].to_numpy()
        again = values * (1 + rng.uniform(-NOISE, NOISE, len(values)))
        caseload = clients.loc[CASELOAD + uid[len(COST) :]].reindex(series[MONTH]).to_numpy()
        years = fiscal_year(series[MONTH]).to_numpy()
        price = pd.Series(values / caseload).groupby(years).mean()
        deflator = price.loc[years].to_numpy()
        next_price = price.iloc[-1] * price.iloc[-1] / price.iloc[-2]
        held_out = future[future[SERIES_ID] == uid].sort_values(MONTH)
        for variant, (scaled, deflated) in VARIANTS.items():
            divisor, multiplier = (deflator, next_price) if deflated else (1.0, 1.0)
            forecast, about = fitted(values / divisor, scaled, None, None, BOTH_TRENDS)
            perturbed, about_again = fitted(again / divisor, scaled, None, None, BOTH_TRENDS)
            fits = (forecast * multiplier, about, perturbed * multiplier, about_again)
            rows.append(scored(seed, variant, held_out, fits, scale[uid]))
    return pd.DataFrame(rows)


def report(rows: pd.DataFrame, seconds: float) -> str:
    seeds = sorted(rows["seed"].unique())
    table = per_level(rows)
    lines = [
        "# The council cost's ETS with each fiscal year's price taken out",
        "",
        f"(benchmarks/ets_price_deflated.py at {short_commit()}; {len(seeds)} cities, seeds "
        f"{seeds[0]}-{seeds[-1]}, {seconds / 60:.0f} min on the shared 2-core machine.) Every council "
        "cost series of each city's holdout (per day, as_of 12 months before the end), fitted as the "
        "engine's ETS on its own scale (`raw`) or divided by its fiscal year's mean price per "
        "client-day, the forecast multiplied by the next year's (the last grown by the last April's "
        "step); change = the largest relative change of the 12-month forecast when every cost is "
        f"multiplied by 1 + u, u uniform in +/- {NOISE:g}, the prices held (one trial); flipped, damped: "
        "shares of the series; alpha and beta: median smoothing; MASE and bias over the 12 held-out "
        "months (means over the series).",
        "",
        "| level | variant | series | change median | flipped | damped | alpha | beta | MASE | bias |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in LEVELS:
        for variant in VARIANTS:
            r = table.loc[(level, variant)]
            lines.append(
                f"| {level} | {variant} | {int(r['series'])} | {r['median']:.1e} | {r['flipped']:.0%} "
                f"| {r['damped']:.0%} | {r['alpha']:.2f} | {r['beta']:.2f} | {r['mase']:.3f} "
                f"| {r['bias']:+.4f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=12)
    parser.add_argument("--first-seed", type=int, default=1, help="The first city's seed.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "ets_price_deflated.md")
    args = parser.parse_args()
    text = report(*over_cities(city_rows, args.first_seed, args.cities))
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
