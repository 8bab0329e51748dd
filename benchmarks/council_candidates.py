"""A city's council levels set up as training sets them up, their candidates held out, cached per city.

benchmarks/council_selection.py and benchmarks/council_origins.py score every council candidate of many
cities' holdouts (benchmarks/holdout_demo.py: trained to 12 months before the end, scored on the last
12) with training's own level backtests, fits and scores; this module is what they share.
"""

from __future__ import annotations

import argparse
import logging
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from council_oracle import city_seeds
from holdout_demo import holdout_city

from demandcast.columns import ACTUAL, CUTOFF, MEAN, MEASURE, MONTH, SERIES_ID, VALUE
from demandcast.data.panel_input import backtest_span
from demandcast.models import training
from demandcast.models.base import infer_freq
from demandcast.models.demand_model import measure_series
from demandcast.models.scoring import level_scores

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CouncilLevel:
    """One council level of one measure: its training series and held-out actuals, as trained.

    Attributes:
        held: columns unique_id, month, actual and cutoff (the last training month) of the held-out year.
        step: months between backtest origins.
    """

    measure: str
    level: str
    series: pd.DataFrame
    held: pd.DataFrame
    config: training.TrainConfig
    freq: str
    h: int
    step: int

    def backtest(self) -> tuple[pd.DataFrame, list[str]]:
        """Training's backtest of the level's candidates: (frame, candidate names)."""
        job = (self.level, self.series, None)
        return training._level_backtest(job, config=self.config, h=self.h, step=self.step)

    def held_out_mase(self, names: list[str], members: list[str]) -> pd.Series:
        """Each named model (a combination of `members` for `combination`) fitted on the training
        months as training fits it, and its MASE over the held-out year."""
        held = self.held
        for name in names:
            _, forecast = training._fitted((self.level, self.series, name, members), config=self.config)
            held = held.merge(forecast.rename(columns={MEAN: name}), on=[SERIES_ID, MONTH], how="left")
        return level_scores(held, self.series, names, self.freq)["mase"]


def council_levels(seed: int, monthly_origins: int | None = None) -> Iterator[CouncilLevel]:
    """The council levels of every measure of the city made with `seed`, as its holdout trains them.

    Args:
        monthly_origins: backtest from this many origins a month apart instead of training's.
    """
    logging.getLogger("cmdstanpy").disabled = True
    warnings.filterwarnings("ignore")
    hpanel, hierarchy, config, records = holdout_city(seed)
    panel = training._panel_up_to(hpanel, config.as_of)
    freq = infer_freq(panel[MONTH])
    h, step = backtest_span(freq, config.horizon)
    if monthly_origins is not None:
        config, step = replace(config, n_windows=monthly_origins), 1
    paths = training._caseload_paths(records, panel, hierarchy, config, h=h, step=step, freq=freq)
    config = replace(config, caseload_paths=paths)
    last = panel[MONTH].max()
    for measure in sorted(panel[MEASURE].unique()):
        trained, full = measure_series(panel, hierarchy, measure), measure_series(hpanel, hierarchy, measure)
        for level, y in trained.items():
            if level.startswith("council/"):
                held = full[level][full[level][MONTH] > last][[SERIES_ID, MONTH, VALUE]]
                held = held.rename(columns={VALUE: ACTUAL}).assign(**{CUTOFF: last})
                yield CouncilLevel(measure, level, y, held, config, freq, h, step)


def cached_cities(
    city_candidates: Callable[[int], pd.DataFrame], seeds: list[int], work: Path, jobs: int
) -> pd.DataFrame:
    """`city_candidates(seed)` of every seed, computed in `jobs` processes where not cached in `work`."""
    work.mkdir(parents=True, exist_ok=True)
    missing = [seed for seed in seeds if not _cached(work, seed).exists()]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for seed, frame in zip(missing, pool.map(city_candidates, missing), strict=True):
            frame.to_parquet(_cached(work, seed))
            print(f"city {seed} done", flush=True)
    return pd.concat([pd.read_parquet(_cached(work, seed)) for seed in seeds], ignore_index=True)


def main_over_cities(
    city_candidates: Callable[[int], pd.DataFrame],
    report: Callable[[pd.DataFrame], str],
    name: str,
    cities: int,
) -> None:
    """A script's command line: --cities (default `cities`), --work, --jobs and --out (benchmarks/NAME.md);
    the report of every city's candidates is written there and printed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=cities, help="the two product cities and seeds 1..N-2")
    parser.add_argument("--work", type=Path, default=Path(f"/tmp/demandcast_{name}"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / f"{name}.md")
    args = parser.parse_args()
    text = report(cached_cities(city_candidates, city_seeds(args.cities), args.work, args.jobs))
    args.out.write_text(text)
    print(text)


def candidate_row(level: CouncilLevel, seed: int, name: str, **scores: Any) -> dict[str, Any]:
    """One candidate's row of a city's frame: seed, measure, level, model and its scores."""
    return {"seed": seed, "measure": level.measure, "level": level.level, "model": name, **scores}


def _cached(work: Path, seed: int) -> Path:
    return work / f"city_{seed}.parquet"
