"""Benchmark of the global GBM on a demo-sized panel: fit/predict seconds, recursive vs direct, cost loss.

The panel has the demo's shape (69 wards x 20 client-group/service pairs x 3 measures x 72 months)
and its structure (ward size from the age-group population, a deprivation gradient, shared yearly
seasonality, trend, Poisson counts, cost = caseload x a rising unit cost with noise). Neighbours
are queen contiguity of the embedded ward geometry. Run: python benchmarks/global_gbm.py
"""

import time

import numpy as np
import pandas as pd

from demandcast.catalogue import load_catalogue
from demandcast.columns import (
    AREA,
    CASELOAD,
    CHILDREN,
    CLIENT_GROUP,
    COST,
    IMD_DECILE,
    MEAN,
    MEASURE,
    MONTH,
    OLDER_PEOPLE,
    POP_0_17,
    POP_18_64,
    POP_65_PLUS,
    SERIES_ID,
    SERVICE,
    STARTS,
    VALUE,
    WARD_CODE,
)
from demandcast.data.wards import load_wards
from demandcast.features.spatial import queen_neighbours
from demandcast.models.global_gbm import GlobalGBMForecaster

N_MONTHS = 72
AGE_COLUMN = {CHILDREN: POP_0_17, OLDER_PEOPLE: POP_65_PLUS}


def demo_shaped_panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    wards = load_wards()
    months = pd.date_range("2020-04-01", periods=N_MONTHS, freq="MS")
    season = 1 + 0.12 * np.cos(2 * np.pi * (months.month.to_numpy() - 1) / 12)
    frames = []
    for group, service in load_catalogue().pairs():
        people = wards[AGE_COLUMN.get(group, POP_18_64)].to_numpy(dtype=float)
        rate = rng.uniform(0.0005, 0.004) * (1 + 0.15 * (10 - wards[IMD_DECILE].to_numpy()))
        trend = 1 + rng.uniform(-0.002, 0.004) * np.arange(N_MONTHS)
        caseload = rng.poisson(np.outer(people * rate, season * trend)).astype(float)
        starts = rng.poisson(caseload * rng.uniform(0.03, 0.1) * season).astype(float)
        unit = rng.uniform(300, 3000) * 4.35 * (1.04 ** (np.arange(N_MONTHS) / 12))
        cost = caseload * unit * rng.gamma(20, 1 / 20, caseload.shape)
        for measure, values in ((CASELOAD, caseload), (STARTS, starts), (COST, cost)):
            frames.append(_long(wards[WARD_CODE].to_numpy(), group, service, measure, months, values))
    panel = pd.concat(frames, ignore_index=True)
    return panel.sort_values([SERIES_ID, MONTH], ignore_index=True)


def _long(areas, group, service, measure, months, values) -> pd.DataFrame:
    n_areas, n_months = values.shape
    area = np.repeat(areas, n_months)
    return pd.DataFrame(
        {
            SERIES_ID: [f"{a}/{group}/{service}/{measure}" for a in area],
            AREA: area,
            CLIENT_GROUP: group,
            SERVICE: service,
            MEASURE: measure,
            MONTH: np.tile(months, n_areas),
            VALUE: values.ravel(),
        }
    )


def wape_by_horizon_year(forecast: pd.DataFrame, actual: pd.DataFrame, cutoff: pd.Timestamp) -> dict:
    joined = actual.merge(forecast, on=[SERIES_ID, MONTH])
    step = (joined[MONTH].dt.year - cutoff.year) * 12 + joined[MONTH].dt.month - cutoff.month
    year = (step - 1) // 12 + 1
    error = (joined[MEAN] - joined[VALUE]).abs()
    return (error.groupby(year).sum() / joined[VALUE].groupby(year).sum()).round(3).to_dict()


def seasonal_naive(train: pd.DataFrame, h: int) -> pd.DataFrame:
    last_year = train.groupby(SERIES_ID).tail(12)
    rows = [
        last_year.assign(**{MONTH: last_year[MONTH] + pd.DateOffset(years=k)}) for k in range(1, h // 12 + 1)
    ]
    return pd.concat(rows).rename(columns={VALUE: MEAN})[[SERIES_ID, MONTH, MEAN]]


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def main() -> None:
    panel, seconds = timed(demo_shaped_panel)
    wards = load_wards()
    neighbours, _ = timed(lambda: queen_neighbours(wards))
    covariates = wards.drop(columns="geometry").rename(columns={WARD_CODE: AREA})
    options = {"covariates": covariates, "neighbours": neighbours}
    print(f"panel: {panel[SERIES_ID].nunique()} series x {N_MONTHS} months built in {seconds:.1f}s")

    for measure in (CASELOAD, STARTS, COST):
        y = panel[panel[MEASURE] == measure].reset_index(drop=True)
        model, fit_s = timed(lambda y=y: GlobalGBMForecaster(**options).fit(y))
        _, p12 = timed(lambda m=model: m.predict(12))
        _, p36 = timed(lambda m=model: m.predict(36))
        print(f"{measure}: fit {fit_s:.1f}s  predict h=12 {p12:.1f}s  h=36 {p36:.1f}s  rows {len(y)}")

    months = np.sort(panel[MONTH].unique())
    cutoff = pd.Timestamp(months[N_MONTHS - 36 - 1])
    for measure in (CASELOAD, COST):
        y = panel[panel[MEASURE] == measure]
        train, test = y[y[MONTH] <= cutoff].reset_index(drop=True), y[y[MONTH] > cutoff]
        print(f"{measure} h=36 from {cutoff:%Y-%m}: WAPE by horizon year")
        print("  seasonal naive", wape_by_horizon_year(seasonal_naive(train, 36), test, cutoff))
        for strategy in ("recursive", "direct"):
            forecast, s = timed(
                lambda t=train, st=strategy: GlobalGBMForecaster(strategy=st, **options).fit(t).predict(36)
            )
            print(f"  {strategy} ({s:.1f}s)", wape_by_horizon_year(forecast, test, cutoff))

    cost = panel[panel[MEASURE] == COST]
    cutoff = pd.Timestamp(months[N_MONTHS - 12 - 1])
    train, test = cost[cost[MONTH] <= cutoff].reset_index(drop=True), cost[cost[MONTH] > cutoff]
    for loss in ("poisson", "log_squared_error"):
        forecast = GlobalGBMForecaster(cost_loss=loss, **options).fit(train).predict(12)
        joined = test.merge(forecast, on=[SERIES_ID, MONTH])
        wape = (joined[MEAN] - joined[VALUE]).abs().sum() / joined[VALUE].sum()
        bias = (joined[MEAN] - joined[VALUE]).sum() / joined[VALUE].sum()
        print(f"cost loss {loss}: h=12 WAPE {wape:.3f} bias {bias:+.3f}")


if __name__ == "__main__":
    main()
