"""Intervals no narrower than the records' own stock-flow forecast says the caseload can stray.

Conformal intervals calibrated on three backtest origins of one council series are too few to see
how far a year can drift: on the demo city the council total caseload's 80% interval was 0.7-0.9
times as wide as the noise of new demand and exits alone (benchmarks/holdout.md, decision 21).
Where the records give the stock-flow's predictive variance (features.caseload_paths: a term per
known client staying or leaving and a Poisson term for new ones, each with the error of what was
learnt, calibrated over 40 demo cities; decision 22), each interval is widened to at least mean +/- z x
its standard deviation, z the normal quantile of the interval's level. It is a floor, not a model
of the whole error: the conformal width stays wherever it is wider. It is laid only on levels of a
few series (FLOOR_MAX_SERIES): a level of many series shows the conformal calibration many years'
drift, its intervals were calibrated already, and the larger of two calibrated intervals
over-covers (benchmarks/holdout.md, decisions 23 and 24).

Where those levels' forecasts are the stock-flow's own (its council services kept and summed, the
reconciliation `middle_out_by_service`), the records' variance is the whole predictive variance of
the forecast, not a floor under another one's: their intervals are mean +/- z x its standard
deviation alone (`whole_through`; decision 36). Over 40 cities x 5 origins those intervals covered
80/95 at the council total 1-12 months ahead (benchmarks/stock_flow_calibration.md), but not beyond:
a two-year mean of new demand cannot follow its trend, and on 24-month holdouts of 8 cities they
covered 56/88 at the total and 53/74 by client group 13-24 months ahead. There, beyond the backtest's
last step, the conformal intervals (growing as the errors did) floored by the noise serve instead
(benchmarks/holdout.md, decision 41).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from demandcast.columns import (
    AREA,
    AREA_LEVEL,
    CLIENT_GROUP,
    CUTOFF,
    HORIZON_STEP,
    MEAN,
    MONTH,
    SERIES_ID,
    SERVICE,
)
from demandcast.features.caseload_paths import ORIGIN, VARIANCE
from demandcast.models.conformal import interval_columns

NOISE_SD = "noise_sd"
FLOOR_MAX_SERIES = 8  # council client groups (3) and total (1); not council services (20), districts (10+)


def with_noise_floor(
    forecasts: pd.DataFrame, floor: pd.DataFrame | None, levels: tuple[int, ...], *, whole_through: int = 0
) -> pd.DataFrame:
    """`forecasts` with every lo_L / hi_L at least z_L x noise_sd from the mean, where a floor is known.

    Args:
        forecasts: columns unique_id, month, mean, lo_L and hi_L for each level L (and cutoff, for a
            backtest; horizon_step, when `whole_through` is set); not modified.
        floor: columns unique_id, month, noise_sd (and cutoff when `forecasts` has one); rows it
            does not name are left as they are. None leaves every row.
        levels: the interval levels in percent.
        whole_through: the rows the floor names at horizon steps 1..whole_through get exactly
            mean +/- z_L x noise_sd, narrower or wider than before: the noise is the forecast's whole
            predictive spread (the stock-flow's own). Later rows are floored. 0: every row is floored.

    Returns:
        A copy with the widened (or replaced) intervals, the lower bounds clipped at zero.
    """
    out = forecasts.copy()
    if floor is None or floor.empty:
        return out
    keys = [SERIES_ID, MONTH, *([CUTOFF] if CUTOFF in forecasts and CUTOFF in floor else [])]
    sd = out[keys].merge(floor[[*keys, NOISE_SD]], on=keys, how="left")[NOISE_SD].to_numpy()
    has = ~np.isnan(sd)
    whole = (out[HORIZON_STEP] <= whole_through).to_numpy() if whole_through > 0 else np.zeros(len(out), bool)
    for level in levels:
        half = NormalDist().inv_cdf(0.5 + level / 200) * np.where(has, sd, 0.0)
        lo, hi = interval_columns(level)
        lower, upper = (out[MEAN] - half).clip(lower=0.0), out[MEAN] + half
        lower = np.where(whole, lower, np.minimum(out[lo], lower))
        upper = np.where(whole, upper, np.maximum(out[hi], upper))
        out[lo] = np.where(has, lower, out[lo])
        out[hi] = np.where(has, upper, out[hi])
    return out


def noise_floor(
    paths: pd.DataFrame, nodes: pd.DataFrame, area_level: str, max_series: int = FLOOR_MAX_SERIES
) -> pd.DataFrame:
    """The noise standard deviation of each path, keyed like a backtest: unique_id, cutoff, month, noise_sd.

    Args:
        paths: columns origin, area, client_group, service, month, variance (features.caseload_paths).
        nodes: the hierarchy's nodes (level, area_level, area, client_group, service, unique_id).
        area_level: the area level the paths' areas belong to (the council's).
        max_series: only the nodes of levels with at most this many nodes get a floor.
    """
    small = nodes.groupby("level")[SERIES_ID].transform("size") <= max_series
    at_level = nodes.loc[small & (nodes[AREA_LEVEL] == area_level), [AREA, CLIENT_GROUP, SERVICE, SERIES_ID]]
    keyed = paths.merge(at_level, on=[AREA, CLIENT_GROUP, SERVICE], how="inner")
    return pd.DataFrame(
        {
            SERIES_ID: keyed[SERIES_ID].to_numpy(),
            CUTOFF: keyed[ORIGIN].to_numpy(),
            MONTH: keyed[MONTH].to_numpy(),
            NOISE_SD: np.sqrt(keyed[VARIANCE].clip(lower=0.0)).to_numpy(),
        }
    )
