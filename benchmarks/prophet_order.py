"""Prophet's yearly Fourier order on the council series, before and in the held-out year.

Prophet runs where a level has few series (the council by client group and the council total).
Its yearly seasonality is a Fourier series; on monthly data order 6 gives each calendar month its
own value and 5 smooths the pattern a little (ProphetForecaster caps the order at 6 on monthly data,
so Prophet's default 10 is the same as 6 there). This script backtests orders 5 and 6 (and damped
ETS, for reference) on the council total and client-group series of both demo cities, every
measure, from five origins 6 months apart (2023-03 to 2025-03, the last being the holdout's origin),
12 months ahead, and reports mean MASE per order: over the four origins before the held-out year
(what a choice can be based on) and in the held-out year.

Usage: .venv/bin/python benchmarks/prophet_order.py [--seeds 20260331 0] [--out benchmarks/prophet_order.md]
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd
from holdout_demo import ORIGINS, demo_city

from demandcast.columns import CLIENT_GROUP, MEAN, MEASURE, MEASURES, MONTH, SERIES_ID, VALUE
from demandcast.models.prophet_model import ProphetForecaster
from demandcast.models.statistical import ETSForecaster

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT_ORIGIN = ORIGINS[-1]
MODELS = {
    "Prophet order 5": lambda: ProphetForecaster(yearly_seasonality=5),
    "Prophet order 6": lambda: ProphetForecaster(yearly_seasonality=6),
    "damped ETS": ETSForecaster,
}


def council_series(hpanel: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The council total and each client group's council series: unique_id, month, value."""
    rows = hpanel[hpanel[MEASURE] == measure]
    total = rows.groupby(MONTH)[VALUE].sum().reset_index().assign(**{SERIES_ID: "all"})
    groups = rows.groupby([CLIENT_GROUP, MONTH])[VALUE].sum().reset_index()
    groups = groups.rename(columns={CLIENT_GROUP: SERIES_ID})
    return pd.concat([total, groups], ignore_index=True)[[SERIES_ID, MONTH, VALUE]]


def scores(seed: int) -> pd.DataFrame:
    hpanel, _, _, _ = demo_city(seed)
    rows = []
    for measure in MEASURES:
        series = council_series(hpanel, measure)
        for label in ORIGINS:
            origin = pd.Timestamp(f"{label}-01")
            train = series[series[MONTH] <= origin]
            test = series[(series[MONTH] > origin) & (series[MONTH] <= origin + pd.DateOffset(months=12))]
            wide = train.pivot(index=SERIES_ID, columns=MONTH, values=VALUE)
            scale = (wide - wide.shift(12, axis=1)).abs().mean(axis=1)
            for name, build in MODELS.items():
                forecast = build().fit(train).predict(12).merge(test, on=[SERIES_ID, MONTH])
                error = (forecast[MEAN] - forecast[VALUE]).abs().groupby(forecast[SERIES_ID]).mean()
                for series_id, mase in (error / scale).items():
                    rows.append((seed, measure, series_id, label, name, mase))
    return pd.DataFrame(rows, columns=["seed", MEASURE, SERIES_ID, "origin", "model", "mase"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[20260331, 0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "prophet_order.md")
    args = parser.parse_args()
    logging.getLogger("cmdstanpy").disabled = True
    frame = pd.concat([scores(seed) for seed in args.seeds], ignore_index=True)
    frame["period"] = (frame["origin"] == HELD_OUT_ORIGIN).map(
        {False: "4 origins before", True: "held-out year"}
    )
    frame["series"] = frame[SERIES_ID].where(frame[SERIES_ID] == "all", "client group")
    table = frame.pivot_table(
        index=["period", "seed", MEASURE, "series"], columns="model", values="mase", sort=False
    )
    overall = frame.pivot_table(index="period", columns="model", values="mase", sort=False)
    lines = ["| period | city (seed) | measure | series | " + " | ".join(table.columns) + " |"]
    lines.append("|---|---|---|---|" + "---:|" * len(table.columns))
    for key, row in table.iterrows():
        lines.append("| " + " | ".join(map(str, key)) + " | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    for period, row in overall.iterrows():
        lines.append(f"| {period} | both | all | mean | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    text = (
        "# Prophet's yearly Fourier order on the council series (benchmarks/prophet_order.py)\n\n"
        "Mean MASE, 12 months ahead (scale: in-sample seasonal-naive MAE); client group: the mean over "
        "the three groups.\n\n" + "\n".join(lines) + "\n"
    )
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
