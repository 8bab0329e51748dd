"""Per-fit seconds of each local model on a 72-month series, and the process-executor speed-up.

Run: .venv/bin/python benchmarks/model_fit_times.py [--series 20]
Prints a markdown table; copy it into benchmarks/model_fit_times.md.
"""

from __future__ import annotations

import argparse
import platform
import time

from demandcast.models.baselines import MeanOfLastYear, SeasonalNaive
from demandcast.models.executor import ProcessExecutor
from demandcast.models.prophet_model import ProphetForecaster
from demandcast.models.statistical import ETSForecaster, SARIMAXForecaster
from demandcast.models.synthetic import synthetic_series

MODELS = {
    "SeasonalNaive": SeasonalNaive,
    "MeanOfLastYear": MeanOfLastYear,
    "ETSForecaster": ETSForecaster,
    "SARIMAXForecaster": SARIMAXForecaster,
    "ProphetForecaster": ProphetForecaster,
}


def seconds_per_fit(model, y, n_series: int) -> tuple[float, float]:
    """(fit seconds per series, predict(12) seconds per series), after one warm-up fit."""
    model.fit(y[y["unique_id"] == y["unique_id"].iloc[0]])  # imports and compilation out of the timing
    start = time.perf_counter()
    model.fit(y)
    fitted = time.perf_counter()
    model.predict(12)
    return (fitted - start) / n_series, (time.perf_counter() - fitted) / n_series


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=20)
    n_series = parser.parse_args().series
    y = synthetic_series(n_series=n_series, n_months=72, seed=0)
    print(f"{n_series} Poisson series x 72 months; {platform.processor() or platform.machine()}")  # noqa: T201
    print("| model | executor | fit s/series | predict(12) s/series |")  # noqa: T201
    print("|---|---|---:|---:|")  # noqa: T201
    for name, cls in MODELS.items():
        for label, executor in (("serial", None), ("process n_jobs=2", ProcessExecutor(n_jobs=2))):
            fit_s, predict_s = seconds_per_fit(cls(executor=executor), y, n_series)
            print(f"| {name} | {label} | {fit_s:.4f} | {predict_s:.4f} |")  # noqa: T201


if __name__ == "__main__":
    main()
