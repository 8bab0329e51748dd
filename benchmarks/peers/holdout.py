"""The shared holdout of the peer comparison: the demo city's series at four levels, and how they are scored.

Every script in this folder reads the series written by `prepare.py`, fits on the months up to
`AS_OF` and forecasts the next `HORIZON` months.
The city is chosen by its seed (`prepare.py --seed`, recorded in $PEERS_WORK/city.json): 20260331 is the
default demo city (demandcast.data.demo.generate.DEFAULT_SEED, what `demandcast generate` and `make run`
make), 0 the second city. Use one $PEERS_WORK folder per city.
A series id is `measure|area_level|area|client_group|service`.
Scoring uses demandcast's own metric code (demandcast.models.metrics): MASE with the in-sample
seasonal-naive MAE (period 12) of each series' training part as its scale, WAPE pooled per level.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from demandcast.catalogue import load_catalogue
from demandcast.columns import ACTUAL, CUTOFF, MEASURE, MONTH, SERIES_ID, VALUE, WARD_CODE
from demandcast.data.demo import generate_demo_city
from demandcast.data.panel_input import hpanel_from_ward_panel
from demandcast.data.wards import load_wards
from demandcast.features.panel import monthly_panel
from demandcast.models.hierarchy import aggregate, build_hierarchy, node_ids
from demandcast.models.metrics import seasonal_naive_scales

AS_OF = pd.Timestamp("2025-03-31")
CUTOFF_MONTH = pd.Timestamp("2025-03-01")
HORIZON = 12
SEASON = 12
LEVELS: dict[str, str] = {
    "ward/service": "ward bottom (ward x service)",
    "council/service": "council by service",
    "council/client_group": "council by client group",
    "council/all": "council all",
}
WORK = Path(os.environ.get("PEERS_WORK", "/tmp/demandcast-peers"))
FORECAST = "forecast"
CITY_FILE = "city.json"


def demo_inputs(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(hpanel, areas, wards, records) of the demo city generated with `seed` (0: the second city)."""
    wards = load_wards()
    records = generate_demo_city(seed=seed)
    panel = monthly_panel(records, ward_codes=list(wards[WARD_CODE]), catalogue=load_catalogue())
    hpanel, areas = hpanel_from_ward_panel(panel, wards)
    return hpanel, areas, wards, records


def holdout_series(hpanel: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Every series of the compared levels over all months.

    Returns:
        Columns unique_id (measure|node id), level, measure, month, value, sorted by (unique_id, month).
    """
    summed = aggregate(hpanel, build_hierarchy(hpanel, areas))
    summed = summed[summed["level"].isin(list(LEVELS))]
    ids = summed[MEASURE].astype("str") + "|" + node_ids(summed)
    out = pd.DataFrame(
        {
            SERIES_ID: ids,
            "level": summed["level"],
            MEASURE: summed[MEASURE],
            MONTH: summed[MONTH],
            VALUE: summed[VALUE],
        }
    )
    return out.sort_values([SERIES_ID, MONTH], ignore_index=True)


def training_part(series: pd.DataFrame) -> pd.DataFrame:
    """The months up to the cutoff."""
    return series[series[MONTH] <= AS_OF].reset_index(drop=True)


def holdout_part(series: pd.DataFrame) -> pd.DataFrame:
    """The HORIZON months after the cutoff."""
    end = CUTOFF_MONTH + pd.DateOffset(months=HORIZON)
    return series[(series[MONTH] > AS_OF) & (series[MONTH] <= end)].reset_index(drop=True)


def series_scales(series: pd.DataFrame) -> pd.DataFrame:
    """Columns unique_id, cutoff, scale: in-sample seasonal-naive MAE of the training part (NaN when 0)."""
    return seasonal_naive_scales(training_part(series)[[SERIES_ID, MONTH, VALUE]], [CUTOFF_MONTH], SEASON)


def seasonal_naive(series: pd.DataFrame) -> pd.DataFrame:
    """Columns unique_id, month, forecast: the last training year repeated."""
    last_year = training_part(series).groupby(SERIES_ID, sort=False).tail(SEASON)
    return last_year.assign(
        **{MONTH: last_year[MONTH] + pd.DateOffset(months=SEASON), FORECAST: last_year[VALUE]}
    )[[SERIES_ID, MONTH, FORECAST]]


def scored_frame(series: pd.DataFrame, forecasts: pd.DataFrame) -> pd.DataFrame:
    """The holdout months of `series` beside a model's forecasts (columns of demandcast.models.metrics)."""
    actual = holdout_part(series).rename(columns={VALUE: ACTUAL})
    joined = actual.merge(forecasts[[SERIES_ID, MONTH, FORECAST]], on=[SERIES_ID, MONTH], how="left")
    return joined.assign(**{CUTOFF: CUTOFF_MONTH})


def write_city_seed(seed: int, work: Path = WORK) -> None:
    """Record which city's series are in `work` (read back by city_seed)."""
    (work / CITY_FILE).write_text(json.dumps({"city_seed": seed}))


def city_seed(work: Path = WORK) -> int | None:
    """The city seed prepare.py used for `work`; None for a folder prepared before it was recorded."""
    path = work / CITY_FILE
    return json.loads(path.read_text())["city_seed"] if path.exists() else None


def read_panel(work: Path = WORK) -> pd.DataFrame:
    """The series written by prepare.py."""
    return pd.read_parquet(work / "series.parquet")


def write_result(name: str, forecasts: pd.DataFrame, meta: dict, work: Path = WORK) -> None:
    """Forecasts (unique_id, month, forecast) and a JSON of timings, written atomically."""
    work.mkdir(parents=True, exist_ok=True)
    target = work / f"forecasts_{name}.parquet"
    forecasts[[SERIES_ID, MONTH, FORECAST]].to_parquet(target.with_suffix(".tmp"), index=False)
    os.replace(target.with_suffix(".tmp"), target)
    (work / f"meta_{name}.json").write_text(json.dumps(meta, indent=2, default=str))
