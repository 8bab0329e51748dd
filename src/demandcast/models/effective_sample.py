"""How many independent errors a backtest holds, and how much wider a few of them make an interval.

A backtest's residuals come in clusters, one per origin: the errors of one origin's forecast path
(and of the series forecast from it) share that origin's surprise. Where they move together, as
the council cost total's do month after month, 36 residuals of one series over three origins are
worth about three draws, not 36, and quantiles learnt from them under-cover (the council cost total
covered 70/88 of 14 held-out city-years; benchmarks/holdout.md, decision 44). The effective sample
is Kish's: n / (1 + (m - 1) rho), with m the mean cluster size and rho the intraclass correlation by
origin (one-way analysis of variance). A scale learnt from n_eff draws predicts a new error as
Student's t with n_eff degrees of freedom, so the interval is t / z times as wide as the normal's.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy import stats


def effective_sample_size(values: np.ndarray, clusters: np.ndarray) -> float:
    """Kish's effective sample size of `values` drawn in `clusters`: n / (1 + (m - 1) rho).

    rho is the one-way analysis-of-variance estimate of the intraclass correlation (clipped at 0;
    n0 stands in for the cluster size where sizes differ), m the clusters' mean size. n where there
    is one cluster or the values do not vary. Never below the number of clusters.
    """
    frame = pd.DataFrame({"value": np.asarray(values, dtype=float), "cluster": np.asarray(clusters)})
    n, k = len(frame), frame["cluster"].nunique()
    if k < 2 or n <= k:
        return float(n)
    grouped = frame.groupby("cluster")["value"]
    sizes, means = grouped.size(), grouped.mean()
    between = float((sizes * (means - frame["value"].mean()) ** 2).sum()) / (k - 1)
    within = float(((frame["value"] - grouped.transform("mean")) ** 2).sum()) / (n - k)
    size = (n - float((sizes**2).sum()) / n) / (k - 1)
    if between + (size - 1) * within <= 0:
        return float(n)
    rho = max(0.0, (between - within) / (between + (size - 1) * within))
    return float(max(k, n / (1 + (n / k - 1) * rho)))


def small_sample_factor(effective_size: float, level: int) -> float:
    """How much wider a `level`% interval is when its scale was learnt from `effective_size` draws.

    The ratio of Student's t quantile with that many degrees of freedom to the normal's: 1.12 for
    an 80% interval and 1.25 for a 95% one from six draws, under 1.01 from a few hundred.
    """
    q = 0.5 + level / 200
    return float(stats.t.ppf(q, effective_size) / NormalDist().inv_cdf(q))
