"""Benchmark of VectorETSForecaster: fit time on all demo ward series, holdout MASE against peers.

The second demo city (seed 0; the demo city is seed 20260331), as benchmarks/peers' seed-0
section, its ward panel (69 wards x 20 pairs x 3 measures
= 4,140 series x 72 months). Timing: one fit on all 4,140 series x 72 months. Holdout: train on the
months up to 2025-03, forecast April 2025 - March 2026, mean MASE (demandcast.models.metrics; scale
= in-sample seasonal-naive MAE) per measure over the ward series, forecasts clipped at 0. Compared:
seasonal naive, vector ETS variants, the global GBM (covariates + queen neighbours, as
benchmarks/global_gbm.py), the simple average of vector ETS and the GBM, and statsmodels ETS on a
seeded 300-series sample (every model is also scored on that sample). AutoETS forecasts from the peer
comparison are scored too when `$PEERS_WORK/forecasts_autoets.parquet` exists.

Run: python benchmarks/vector_ets.py [--cache /tmp/demo_ward_panel.parquet] [--sample 300]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    ACTUAL,
    AREA,
    CLIENT_GROUP,
    CUTOFF,
    MEAN,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
    VALUE,
    WARD_CODE,
)
from demandcast.data.demo import generate_demo_city
from demandcast.data.wards import load_wards
from demandcast.features.panel import monthly_panel
from demandcast.features.spatial import queen_neighbours
from demandcast.models.baselines import SeasonalNaive
from demandcast.models.global_gbm import GlobalGBMForecaster
from demandcast.models.metrics import mase, seasonal_naive_scales
from demandcast.models.statistical import ETSForecaster
from demandcast.models.vector_ets import VectorETSForecaster

CUTOFF_MONTH = pd.Timestamp("2025-03-01")
HORIZON = 12
AUTOETS = Path(os.environ.get("PEERS_WORK", "/tmp/demandcast-peers")) / "forecasts_autoets.parquet"
VARIANTS = {
    "vector ETS default (AICc, damped, auto log1p)": VectorETSForecaster(),
    "vector ETS additive (AICc, damped)": VectorETSForecaster(transform=None),
    "vector ETS log1p (AICc, damped)": VectorETSForecaster(transform="log1p"),
    "vector ETS additive, + undamped trend": VectorETSForecaster(transform=None, phis=(0.8, 0.9, 0.98, 1.0)),
    "vector ETS additive, SSE, full damped form": VectorETSForecaster(transform=None, criterion="sse"),
}
DEFAULT = "vector ETS default (AICc, damped, auto log1p)"


def ward_series(cache: Path | None) -> pd.DataFrame:
    """The demo ward panel with unique_id = measure|ward|area|client_group|service, sorted."""
    if cache is not None and cache.exists():
        return pd.read_parquet(cache)
    wards = load_wards()
    records = generate_demo_city(seed=0)
    panel = monthly_panel(records, ward_codes=list(wards[WARD_CODE]), catalogue=load_catalogue())
    panel = panel.rename(columns={WARD_CODE: AREA})
    keys = [panel[c].astype("str") for c in (MEASURE, AREA, CLIENT_GROUP, SERVICE)]
    panel[SERIES_ID] = keys[0] + "|ward|" + keys[1] + "|" + keys[2] + "|" + keys[3]
    panel = panel.sort_values([SERIES_ID, MONTH], ignore_index=True)
    if cache is not None:
        panel.to_parquet(cache, index=False)
    return panel


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def gbm_forecasts(train: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """The global GBM fitted per measure with ward covariates and queen neighbours."""
    wards = load_wards()
    options = {
        "covariates": wards.drop(columns="geometry").rename(columns={WARD_CODE: AREA}),
        "neighbours": queen_neighbours(wards),
    }
    start, frames = time.perf_counter(), []
    for _, y in train.groupby(MEASURE, sort=True):
        y = y.reset_index(drop=True)
        frames.append(GlobalGBMForecaster(**options).fit(y).predict(HORIZON))
    return pd.concat(frames, ignore_index=True), time.perf_counter() - start


def scored(test: pd.DataFrame, forecasts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The holdout months with one clipped forecast column per model."""
    frame = test[[SERIES_ID, MEASURE, MONTH, VALUE]].rename(columns={VALUE: ACTUAL})
    for name, forecast in forecasts.items():
        column = forecast[[SERIES_ID, MONTH, MEAN]].rename(columns={MEAN: name})
        frame = frame.merge(column, on=[SERIES_ID, MONTH], how="left", validate="one_to_one")
        frame[name] = frame[name].clip(lower=0)
    return frame.assign(**{CUTOFF: CUTOFF_MONTH})


def mase_table(frame: pd.DataFrame, models: list[str], scales: pd.DataFrame) -> pd.DataFrame:
    """Mean MASE per measure (rows) and model (columns)."""
    rows = {
        measure: {model: mase(part, model, scales) for model in models}
        for measure, part in frame.groupby(MEASURE, sort=True)
    }
    return pd.DataFrame(rows).T.round(3)


def markdown(table: pd.DataFrame) -> str:
    """A pipe table with the index as the first column."""
    lines = ["| model | " + " | ".join(table.columns) + " |", "|---|" + "---:|" * len(table.columns)]
    lines += [f"| {name} | " + " | ".join(f"{v:.3f}" for v in row) + " |" for name, row in table.iterrows()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args()
    series, seconds = timed(lambda: ward_series(args.cache))
    print(f"panel: {series[SERIES_ID].nunique()} series x {series[MONTH].nunique()} months ({seconds:.1f} s)")

    y = series[[SERIES_ID, MONTH, VALUE]]
    for transform in ("auto", None):
        for _ in range(3):
            _, fit_s = timed(lambda t=transform: VectorETSForecaster(transform=t).fit(y))
            print(
                f"vector ETS (transform={transform}) fit, {y[SERIES_ID].nunique()} series x 72: {fit_s:.2f} s"
            )

    train = series[series[MONTH] <= CUTOFF_MONTH].reset_index(drop=True)
    end = CUTOFF_MONTH + pd.DateOffset(months=HORIZON)
    test = series[(series[MONTH] > CUTOFF_MONTH) & (series[MONTH] <= end)]
    local = train[[SERIES_ID, MONTH, VALUE]]
    forecasts = {"seasonal naive": SeasonalNaive().fit(local).predict(HORIZON)}
    for name, model in VARIANTS.items():
        forecasts[name], fit_s = timed(lambda m=model: m.fit(local).predict(HORIZON))
        print(f"{name}: fit + predict {fit_s:.2f} s; forms {pd.Series(model.form_).value_counts().to_dict()}")
    forecasts["global GBM"], gbm_s = gbm_forecasts(train)
    print(f"global GBM (3 measures): fit + predict {gbm_s:.1f} s")
    average = forecasts[DEFAULT].merge(forecasts["global GBM"], on=[SERIES_ID, MONTH])
    combined = (average[f"{MEAN}_x"] + average[f"{MEAN}_y"]) / 2
    forecasts["average of vector ETS default + GBM"] = average.assign(**{MEAN: combined})
    if AUTOETS.exists():
        forecasts["AutoETS (peers)"] = pd.read_parquet(AUTOETS).rename(columns={"forecast": MEAN})

    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(local[SERIES_ID].unique(), size=args.sample, replace=False))
    sampled = local[local[SERIES_ID].isin(sample)].reset_index(drop=True)
    forecasts["statsmodels ETS"], ets_s = timed(lambda: ETSForecaster().fit(sampled).predict(HORIZON))
    print(f"statsmodels ETS on {args.sample} series: {ets_s:.1f} s")

    scales = seasonal_naive_scales(local, [CUTOFF_MONTH], 12)
    frame = scored(test, forecasts)
    models = [m for m in forecasts if m != "statsmodels ETS"]
    print("\nmean MASE, all ward series\n" + markdown(mase_table(frame, models, scales).T))
    in_sample = frame[frame[SERIES_ID].isin(sample)]
    sample_table = mase_table(in_sample, list(forecasts), scales).T
    print(f"\nmean MASE, {args.sample}-series sample\n" + markdown(sample_table))


if __name__ == "__main__":
    main()
