"""Which trend forms should ETS choose between by AICc, for counts and for cost?

AutoETS chooses between no trend, a damped and an undamped additive trend by AICc; the engine's ETS
chose between the two trends only (benchmarks/holdout.md, decision 48). For each city (the two
product cities and seeds 1-12, the cities of benchmarks/holdout_cities.py) this script fits the
engine's `ETSForecaster` on every district and council series of the aggregated levels ETS serves
(district totals and client groups; council services, client groups and total) up to 12 months
before the end of the data, as the demo holdout does (cost per day of the month, decision 25), and
scores the held-out year: mean MASE (scale: the series' in-sample seasonal-naive MAE) per measure
and level, with the trend damped, by AICc between the two trends, and by AICc among the three
forms; and how often AICc kept no trend.

Usage: .venv/bin/python benchmarks/ets_trend_forms.py [--seeds 20260331 0 1 ... 12]
       [--out benchmarks/ets_trend_forms.md]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from holdout_demo import holdout_city
from provenance import short_commit

from demandcast.columns import (
    AREA,
    CLIENT_GROUP,
    COST,
    MEAN,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
    VALUE,
)
from demandcast.models.daily_rate import DailyRate
from demandcast.models.hierarchy import aggregate
from demandcast.models.statistical import ETSForecaster

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = 12
SEEDS = (20260331, 0, *range(1, 13))
FORMS: dict[str, tuple[bool | str, bool]] = {
    "damped": (True, False),
    "by AICc, two trends": ("auto", False),
    "by AICc, with no trend": ("auto", True),
}
"""ETSForecaster's trend options compared: (damped, no_trend)."""
LEVEL_ORDER = (
    "district/client_group",
    "district/all",
    "council/service",
    "council/client_group",
    "council/all",
)


def city_scores(seed: int) -> pd.DataFrame:
    """Per series of the ETS levels and trend option: held-out MASE and whether no trend was kept."""
    hpanel, hierarchy, _, _ = holdout_city(seed)
    full = aggregate(hpanel, hierarchy)
    as_of = hpanel[MONTH].max() - pd.DateOffset(months=HELD_OUT) + pd.offsets.MonthEnd(0)
    kept = full[full["level"].isin(LEVEL_ORDER)]
    rows = []
    for (measure, level), frame in kept.groupby([MEASURE, "level"]):
        y = frame.assign(**{SERIES_ID: frame[AREA] + "|" + frame[CLIENT_GROUP] + "|" + frame[SERVICE]})
        y = y[[SERIES_ID, MONTH, VALUE]].sort_values([SERIES_ID, MONTH], ignore_index=True)
        train, test = y[y[MONTH] <= as_of], y[y[MONTH] > as_of]
        wide = train.pivot(index=SERIES_ID, columns=MONTH, values=VALUE).to_numpy()
        scale = pd.Series(
            np.abs(wide[:, 12:] - wide[:, :-12]).mean(axis=1), index=sorted(train[SERIES_ID].unique())
        )
        for form, (damped, no_trend) in FORMS.items():
            model = ETSForecaster(damped=damped, no_trend=no_trend)
            fitted = (DailyRate(model) if measure == COST else model).fit(train)
            forecast = fitted.predict(HELD_OUT).merge(test, on=[SERIES_ID, MONTH])
            error = (forecast[MEAN].clip(lower=0) - forecast[VALUE]).abs().groupby(forecast[SERIES_ID]).mean()
            states = (fitted.model_ if measure == COST else fitted).states_
            for uid, mae in error.items():
                if scale[uid] > 0:
                    rows.append(
                        {
                            "seed": seed,
                            MEASURE: measure,
                            "level": level,
                            "form": form,
                            "mase": mae / scale[uid],
                            "no_trend": getattr(states[uid], "form", "") == "none",
                        }
                    )
    return pd.DataFrame(rows)


def report(scores: pd.DataFrame, seeds: list[int]) -> str:
    per_city = scores.groupby([MEASURE, "level", "form", "seed"])["mase"].mean()
    mase = per_city.groupby([MEASURE, "level", "form"]).mean().unstack("form")
    widest = scores[scores["form"] == "by AICc, with no trend"]
    no_trend = widest.groupby([MEASURE, "level"])["no_trend"].mean()
    forms = list(FORMS)
    lines = [
        "# ETS trend forms by AICc: counts and cost",
        "",
        f"(benchmarks/ets_trend_forms.py; {len(seeds)} cities: {', '.join(map(str, seeds))}; the last 12 "
        f"months held out; commit {short_commit()})",
        "",
        "The engine's ETS on every district and council series of the levels it serves (cost per day of",
        "the month). Mean held-out MASE over each city's series, then over the cities; the last column:",
        "the share of series for which AICc kept no trend when offered it.",
        "",
        "| measure | level | " + " | ".join(forms) + " | change with no trend | no trend kept |",
        "|---|---|" + "---:|" * (len(forms) + 2),
    ]
    for measure in sorted(mase.index.get_level_values(0).unique()):
        for level in LEVEL_ORDER:
            if (measure, level) not in mase.index:
                continue
            row = mase.loc[(measure, level)]
            change = row[forms[2]] / row[forms[1]] - 1
            cells = " | ".join(f"{row[form]:.3f}" for form in forms)
            lines.append(
                f"| {measure} | {level} | {cells} | {change:+.1%} | {no_trend[(measure, level)]:.0%} |"
            )
    return "\n".join([*lines, ""])


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "ets_trend_forms.md")
    args = parser.parse_args()
    scores = pd.concat([city_scores(seed) for seed in args.seeds], ignore_index=True)
    text = report(scores, args.seeds)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
