"""The stock-flow forecaster: each series' caseload path summed from the pairs, the fallback elsewhere."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import ALL, AREA, CLIENT_GROUP, MEAN, MEASURE, MONTH, SERIES_ID, SERVICE, VALUE
from demandcast.errors import InputError
from demandcast.features.caseload_paths import ORIGIN
from demandcast.models.baselines import SeasonalNaive
from demandcast.models.stock_flow import StockFlowForecaster

LAST = pd.Timestamp("2024-03-01")
PAIRS = [("older_people", "home_care"), ("older_people", "nursing"), ("working_age", "home_care")]


def _series(keys: list[tuple[str, str]], months: int = 30) -> pd.DataFrame:
    """Council caseload series ending at LAST: value 100 + month index, per (client_group, service) key."""
    index = pd.date_range(end=LAST, periods=months, freq="MS")
    frames = [
        pd.DataFrame(
            {
                SERIES_ID: f"council|C1|{group}|{service}",
                MONTH: index,
                VALUE: 100.0 + np.arange(months),
                AREA: "C1",
                CLIENT_GROUP: group,
                SERVICE: service,
                MEASURE: "caseload",
            }
        )
        for group, service in keys
    ]
    return pd.concat(frames, ignore_index=True).sort_values([SERIES_ID, MONTH], ignore_index=True)


def _paths(origin: pd.Timestamp = LAST, steps: int = 2) -> pd.DataFrame:
    """Pair k has path 10 * (k + 1) + step for `steps` months after `origin`; groups and total: sums."""
    rows = [
        {
            ORIGIN: origin,
            AREA: "C1",
            CLIENT_GROUP: group,
            SERVICE: service,
            MONTH: origin + pd.DateOffset(months=step),
            MEAN: 10.0 * (k + 1) + step,
        }
        for k, (group, service) in enumerate(PAIRS)
        for step in range(1, steps + 1)
    ]
    pairs = pd.DataFrame(rows)
    groups = (
        pairs.groupby([ORIGIN, AREA, CLIENT_GROUP, MONTH], as_index=False)[MEAN]
        .sum()
        .assign(**{SERVICE: ALL})
    )
    total = (
        pairs.groupby([ORIGIN, AREA, MONTH], as_index=False)[MEAN]
        .sum()
        .assign(**{CLIENT_GROUP: ALL, SERVICE: ALL})
    )
    return pd.concat([pairs, groups, total], ignore_index=True)


def test_each_service_series_gets_its_own_path():
    forecast = StockFlowForecaster(paths=_paths()).fit(_series(PAIRS)).predict(2)
    by_series = forecast.set_index([SERIES_ID, MONTH])[MEAN]
    assert by_series[("council|C1|older_people|nursing", pd.Timestamp("2024-05-01"))] == 22.0
    assert by_series[("council|C1|working_age|home_care", pd.Timestamp("2024-04-01"))] == 31.0


def test_group_and_total_series_take_their_own_nodes_path():
    series = _series([("older_people", ALL), (ALL, ALL)])
    forecast = StockFlowForecaster(paths=_paths()).fit(series).predict(1).set_index(SERIES_ID)[MEAN]
    assert forecast["council|C1|older_people|all"] == 11.0 + 21.0
    assert forecast["council|C1|all|all"] == 11.0 + 21.0 + 31.0


def test_months_beyond_the_path_and_origins_without_one_come_from_the_fallback():
    series = _series(PAIRS)
    naive = SeasonalNaive().fit(series).predict(4).set_index([SERIES_ID, MONTH])[MEAN]
    beyond = StockFlowForecaster(paths=_paths(steps=2), fallback=SeasonalNaive()).fit(series).predict(4)
    beyond = beyond.set_index([SERIES_ID, MONTH])[MEAN]
    later = beyond.index.get_level_values(MONTH) > LAST + pd.DateOffset(months=2)
    pd.testing.assert_series_equal(beyond[later], naive[later])
    assert (beyond[~later] < 50).all()
    other_origin = _paths(origin=LAST - pd.DateOffset(months=1))
    refitted = StockFlowForecaster(paths=other_origin, fallback=SeasonalNaive()).fit(series).predict(4)
    pd.testing.assert_series_equal(refitted.set_index([SERIES_ID, MONTH])[MEAN], naive)


def test_paths_without_their_columns_and_an_unfitted_model_are_refused():
    with pytest.raises(InputError, match=r"missing columns \['mean'\]"):
        StockFlowForecaster(paths=_paths().drop(columns=[MEAN])).fit(_series(PAIRS))
    with pytest.raises(InputError, match="not fitted"):
        StockFlowForecaster(paths=_paths()).predict(2)


def test_the_default_fallback_is_ets_fitted_on_first_need():
    model = StockFlowForecaster(paths=_paths(steps=2)).fit(_series(PAIRS))
    within = model.predict(2)
    assert not hasattr(model, "fallback_")
    beyond = model.predict(4).set_index([SERIES_ID, MONTH])[MEAN]
    assert type(model.fallback_).__name__ == "ETSForecaster"
    pd.testing.assert_series_equal(
        beyond.loc[within.set_index([SERIES_ID, MONTH]).index], within.set_index([SERIES_ID, MONTH])[MEAN]
    )
    later = beyond[beyond.index.get_level_values(MONTH) > LAST + pd.DateOffset(months=2)]
    # the series climb by one a month: ETS carries the climb on past the last value (129)
    assert np.isfinite(later).all() and (later > 129).all()
