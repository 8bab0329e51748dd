"""Council caseload: how much of the forecast error is new demand? A run-off diagnostic.

The council's total caseload is a stock: the clients on a service at the forecast origin who are still
on it, plus the new starts who are still on it. The first part is nearly known at the origin: each
current client's chance of still being on the service h months on follows from how long they have
been on it and the service's duration law, estimated by Kaplan-Meier with delayed entry (packages
that began before the records start are seen only from then on). The second part needs a forecast
of the starts.

For each city and origin this script forecasts the council total caseload 12 months ahead four ways
and scores each by MASE (scale: the in-sample seasonal-naive MAE):
- seasonal naive (the value 12 months earlier);
- damped additive ETS with additive season (statsmodels; one of demandcast's council candidates);
- run-off: current clients' expected survivors plus forecast starts (each month the mean of the
  same month in the two years before) times their survival to each later month;
- run-off with the actual starts of the forecast year: not a forecast (the starts are not known at
  the origin); it shows what is left once new demand is known.
Run-off counts packages; it becomes a person count through the origin's persons-per-package ratio.

Usage: .venv/bin/python benchmarks/council_runoff.py [--seeds 20260331 0] [--out benchmarks/council_runoff.md]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import ORIGINS, demo_city
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from demandcast.columns import CASELOAD, CLIENT_GROUP, END_DATE, MEASURE, MONTH, SERVICE, START_DATE, VALUE

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 12
KEYS = [CLIENT_GROUP, SERVICE]


def survival(records: pd.DataFrame, origin_end: pd.Timestamp, first_day: pd.Timestamp):
    """A function days -> P(a package lasts more than that many days), from what was known at the origin.

    Packages still open at the origin are censored there; packages that began before `first_day`
    (the records' first month) enter the risk set at their age on that day.
    """
    end = records[END_DATE].where(records[END_DATE] <= origin_end)
    days = (end.fillna(origin_end) - records[START_DATE]).dt.days.to_numpy(dtype=float)
    entry = np.clip((first_day - records[START_DATE]).dt.days.to_numpy(dtype=float), 0.0, days)
    fitted = SurvfuncRight(days + 0.5, end.notna().to_numpy().astype(int), entry=entry)
    times, probabilities = fitted.surv_times, fitted.surv_prob

    def at(d: np.ndarray) -> np.ndarray:
        index = np.searchsorted(times, np.asarray(d, dtype=float), side="right") - 1
        return np.where(index >= 0, probabilities[np.maximum(index, 0)], 1.0)

    return at


def runoff(records: pd.DataFrame, origin: pd.Timestamp, first_day: pd.Timestamp) -> dict[str, np.ndarray]:
    """Expected packages active in each of the 12 months after `origin`: current ones plus new starts.

    Returns:
        "forecast": new starts forecast (each month the mean of the same month in the two years
        before); "actual": the year's actual new starts. The current packages' part is shared.
    """
    origin_end = origin + pd.offsets.MonthEnd(0)
    months = pd.date_range(origin + pd.DateOffset(months=1), periods=HORIZON, freq="MS")
    known = records[records[START_DATE] <= origin_end]
    current_part = np.zeros(HORIZON)
    new_parts = {"forecast": np.zeros(HORIZON), "actual": np.zeros(HORIZON)}
    for key, group in known.groupby(KEYS):
        surviving = survival(group, origin_end, first_day)
        current = group[group[END_DATE].isna() | (group[END_DATE] > origin_end)]
        tenure = (origin_end - current[START_DATE]).dt.days.to_numpy(dtype=float)
        for step, month in enumerate(months):
            gap = (month - origin_end).days
            current_part[step] += (surviving(tenure + gap) / np.maximum(surviving(tenure), 1e-12)).sum()
        known_starts, actual_starts = _monthly_starts(known, key), _monthly_starts(records, key)
        for step, month in enumerate(months):
            still_on = surviving(np.maximum((months[step:] - month).days - 15, 0))
            forecast = np.mean([known_starts.get(month - pd.DateOffset(years=k), 0.0) for k in (1, 2)])
            new_parts["forecast"][step:] += forecast * still_on
            new_parts["actual"][step:] += actual_starts.get(month, 0.0) * still_on
    return {name: current_part + part for name, part in new_parts.items()}


def _monthly_starts(records: pd.DataFrame, key: tuple) -> dict:
    rows = records[(records[CLIENT_GROUP] == key[0]) & (records[SERVICE] == key[1])]
    return rows[START_DATE].dt.to_period("M").dt.to_timestamp().value_counts().to_dict()


def active_packages(records: pd.DataFrame, month: pd.Timestamp) -> int:
    """Packages active on any day of `month`."""
    ends = records[END_DATE]
    return int(
        ((records[START_DATE] <= month + pd.offsets.MonthEnd(0)) & (ends.isna() | (ends >= month))).sum()
    )


def city_scores(seed: int) -> pd.DataFrame:
    hpanel, _, _, records = demo_city(seed)
    total = hpanel[hpanel[MEASURE] == CASELOAD].groupby(MONTH)[VALUE].sum()
    first_day = total.index.min()
    rows = []
    for label in ORIGINS:
        origin = pd.Timestamp(f"{label}-01")
        history = total[total.index <= origin].to_numpy(dtype=float)
        months = pd.date_range(origin + pd.DateOffset(months=1), periods=HORIZON, freq="MS")
        actual = total.reindex(months).to_numpy(dtype=float)
        scale = np.abs(history[12:] - history[:-12]).mean()
        persons_per_package = history[-1] / active_packages(
            records[records[START_DATE] <= origin + pd.offsets.MonthEnd(0)], origin
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ets = ExponentialSmoothing(
                history, trend="add", damped_trend=True, seasonal="add", seasonal_periods=12
            ).fit()
        packages = runoff(records, origin, first_day)
        forecasts = {
            "seasonal naive": total.reindex(months - pd.DateOffset(years=1)).to_numpy(dtype=float),
            "damped ETS": ets.forecast(HORIZON),
            "run-off, starts forecast": persons_per_package * packages["forecast"],
            "run-off, actual starts (not a forecast)": persons_per_package * packages["actual"],
        }
        for name, forecast in forecasts.items():
            rows.append(
                {
                    "seed": seed,
                    "origin": label,
                    "model": name,
                    "mase": np.abs(forecast - actual).mean() / scale,
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[20260331, 0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "council_runoff.md")
    args = parser.parse_args()
    scores = pd.concat([city_scores(seed) for seed in args.seeds], ignore_index=True)
    table = scores.pivot_table(index=["seed", "origin"], columns="model", values="mase", sort=False)
    table.loc[("all", "mean"), :] = table.mean()
    lines = [
        "| city (seed) | origin | " + " | ".join(table.columns) + " |",
        "|---|---|" + "---:|" * len(table.columns),
    ]
    for (seed, origin), row in table.iterrows():
        lines.append(f"| {seed} | {origin} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    text = (
        "# Council caseload run-off (benchmarks/council_runoff.py)\n\n"
        "MASE of the council total caseload over the 12 months after each origin (lower is better).\n\n"
        + "\n".join(lines)
        + "\n"
    )
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
