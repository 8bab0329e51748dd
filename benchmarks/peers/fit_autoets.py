"""statsforecast's AutoETS per series, in its own venv (statsforecast pins pandas < 3).

Reads $PEERS_WORK/train.parquet (unique_id, ds, y; written by prepare.py), fits
AutoETS(season_length=12) on every series (model form chosen by AICc per series), forecasts 12 months,
clips at 0 and writes forecasts_autoets.parquet (unique_id, month, forecast) and meta_autoets.json.
It imports nothing from demandcast: scoring happens in the project venv (score.py).

Usage: /tmp/peers-venv/bin/python benchmarks/peers/fit_autoets.py [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsforecast
from statsforecast import StatsForecast
from statsforecast.models import AutoETS

WORK = Path(os.environ.get("PEERS_WORK", "/tmp/demandcast-peers"))
HORIZON = 12


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    train = pd.read_parquet(WORK / "train.parquet")
    start = time.perf_counter()
    sf = StatsForecast(models=[AutoETS(season_length=12)], freq="MS", n_jobs=args.jobs)
    forecasts = sf.forecast(df=train, h=HORIZON)
    seconds = time.perf_counter() - start
    forecasts = forecasts.reset_index() if "unique_id" not in forecasts.columns else forecasts
    out = pd.DataFrame(
        {
            "unique_id": forecasts["unique_id"].astype(str),
            "month": pd.to_datetime(forecasts["ds"]),
            "forecast": np.clip(forecasts["AutoETS"].to_numpy(dtype=float), 0, None),
        }
    )
    target = WORK / "forecasts_autoets.parquet"
    out.to_parquet(target.with_suffix(".tmp"), index=False)
    os.replace(target.with_suffix(".tmp"), target)
    city = WORK / "city.json"
    meta = {
        "model": "autoets",
        "city_seed": json.loads(city.read_text())["city_seed"] if city.exists() else None,
        "statsforecast": statsforecast.__version__,
        "series": int(train["unique_id"].nunique()),
        "jobs": args.jobs,
        "wall_seconds": round(seconds, 1),
        "non_finite": int((~np.isfinite(forecasts["AutoETS"].to_numpy(dtype=float))).sum()),
    }
    (WORK / "meta_autoets.json").write_text(json.dumps(meta, indent=2))
    print(meta)


if __name__ == "__main__":
    main()
