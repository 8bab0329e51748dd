"""Per-series peers in the project venv: statsmodels ETS and Prophet, one model per series.

ets: statsmodels ExponentialSmoothing with a damped additive trend and additive yearly seasonality;
     for strictly positive series a multiplicative-seasonal fit is tried as well and the lower AICc kept.
prophet: Prophet with yearly seasonality only (monthly data), default changepoints.
Every series of every compared level is fitted on its own (the "many models" pattern); council series
are fitted on the summed series, not summed from ward forecasts. Forecasts are clipped at 0 (counts and
costs cannot be negative). A fit that raises falls back to seasonal naive and is counted.

Usage: /work/main/.venv/bin/python benchmarks/peers/fit_local_peers.py --model ets|prophet
       [--jobs 2] [--ward-sample N] [--seed 0]
--ward-sample N fits only a seeded random sample of N ward series (council series are always all fitted).
--seed is the seed of that ward sample, not the city's: the city is the one prepare.py wrote to
$PEERS_WORK (its seed is recorded in city.json and copied into meta_<model>.json as city_seed).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import time
import warnings
from multiprocessing import Pool

import numpy as np
import pandas as pd
from holdout import (
    AS_OF,
    FORECAST,
    HORIZON,
    SEASON,
    WORK,
    city_seed,
    read_panel,
    training_part,
    write_result,
)

from demandcast.columns import MONTH, SERIES_ID, VALUE

FUTURE = pd.date_range(AS_OF + pd.offsets.MonthBegin(1), periods=HORIZON, freq="MS")


def quiet_workers() -> None:
    """Silence cmdstanpy and statsmodels in this process."""
    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")


def ets_forecast(y: pd.Series) -> np.ndarray:
    """Damped additive trend, additive (or, if positive and better by AICc, multiplicative) seasonality."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    if np.ptp(y.to_numpy()) == 0:
        return np.full(HORIZON, y.iat[-1])
    kinds = ["add", "mul"] if (y > 0).all() else ["add"]
    fits = [
        ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal=k, seasonal_periods=SEASON).fit()
        for k in kinds
    ]
    fits = [f for f in fits if np.isfinite(f.aicc) and np.isfinite(f.forecast(HORIZON)).all()] or fits[:1]
    best = min(fits, key=lambda f: f.aicc if np.isfinite(f.aicc) else np.inf)
    return best.forecast(HORIZON).to_numpy()


def prophet_forecast(y: pd.Series) -> np.ndarray:
    """Prophet with yearly seasonality on the monthly series."""
    from prophet import Prophet

    model = Prophet(yearly_seasonality=True, weekly_seasonality=False, daily_seasonality=False)
    model.fit(pd.DataFrame({"ds": y.index, "y": y.to_numpy()}))
    return model.predict(pd.DataFrame({"ds": FUTURE}))["yhat"].to_numpy()


MODELS = {"ets": ets_forecast, "prophet": prophet_forecast}


def fit_one(task: tuple[str, str, np.ndarray, np.ndarray]) -> tuple[str, np.ndarray, bool]:
    """(id, 12 forecasts clipped at 0, whether it fell back to seasonal naive) for one series."""
    model, uid, months, values = task
    y = pd.Series(values, index=pd.DatetimeIndex(months, freq="MS"))
    try:
        forecast, fell_back = MODELS[model](y), False
    except Exception:  # noqa: BLE001 - any failed fit falls back, and is counted
        forecast, fell_back = values[-SEASON:], True
    if not np.isfinite(forecast).all():
        forecast, fell_back = values[-SEASON:], True
    return uid, np.clip(forecast, 0, None), fell_back


def chosen_ids(series: pd.DataFrame, ward_sample: int | None, seed: int) -> list[str]:
    """Every council series, and all or a seeded random sample of the ward series."""
    ids = series.drop_duplicates(SERIES_ID)[[SERIES_ID, "level"]]
    wards = ids.loc[ids["level"] == "ward/service", SERIES_ID].sort_values().to_numpy()
    council = ids.loc[ids["level"] != "ward/service", SERIES_ID].to_list()
    if ward_sample:
        wards = np.sort(np.random.default_rng(seed).choice(wards, size=ward_sample, replace=False))
    return council + list(wards)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--ward-sample", type=int, default=0, help="0: every ward series")
    parser.add_argument("--seed", type=int, default=0, help="seed of the ward sample (not the city seed)")
    args = parser.parse_args()
    train = training_part(read_panel())
    ids = chosen_ids(train, args.ward_sample, args.seed)
    train = train[train[SERIES_ID].isin(ids)]
    if args.ward_sample:
        wards = [i for i in ids if i.split("|")[1] == "ward"]
        (WORK / "ward_sample.json").write_text(json.dumps(wards))
    tasks = [
        (args.model, uid, g[MONTH].to_numpy(), g[VALUE].to_numpy(dtype=float))
        for uid, g in train.groupby(SERIES_ID, sort=True)
    ]
    start = time.perf_counter()
    pool = Pool(args.jobs, initializer=quiet_workers)
    results = pool.map(fit_one, tasks, chunksize=8)
    pool.close()
    pool.join()
    seconds = time.perf_counter() - start
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    forecasts = pd.DataFrame(
        {
            SERIES_ID: np.repeat([r[0] for r in results], HORIZON),
            MONTH: np.tile(FUTURE, len(results)),
            FORECAST: np.concatenate([r[1] for r in results]),
        }
    )
    meta = {
        "model": args.model,
        "series": len(tasks),
        "city_seed": city_seed(),
        "ward_sample": args.ward_sample or "all",
        "seed": args.seed,
        "jobs": args.jobs,
        "wall_seconds": round(seconds, 1),
        "worker_cpu_seconds": round(cpu.ru_utime + cpu.ru_stime, 1),
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        "fallbacks": int(sum(r[2] for r in results)),
    }
    write_result(args.model, forecasts, meta, WORK)
    print(meta)


if __name__ == "__main__":
    main()
