"""Differentially private release of historical counts (OpenDP), with the noise scale reported.

Adding or removing one person changes each count they appear in by at most 1, and they appear in
at most `contributions_per_person` cells of the released panel (declared by the caller: a person
in care for 24 months touches 24 caseload cells). The L1 sensitivity is therefore
`contributions_per_person` (Laplace) and the L2 sensitivity its square root, rounded up to a whole
number as OpenDP's integer metric needs (Gaussian, conservative).

Noise comes from OpenDP's cryptographically secure generator, which cannot be seeded: a release
is not reproducible, by design. Non-negativity (clamping at zero) is post-processing and costs no
privacy. Cost measures are magnitudes with no bound on one person's contribution and are left out
of the release.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import opendp.prelude as dp
import pandas as pd

from demandcast import columns as c
from demandcast.errors import InputError

LAPLACE, GAUSSIAN = "laplace", "gaussian"
MECHANISMS = (LAPLACE, GAUSSIAN)

dp.enable_features("contrib")


def dp_release(
    panel: pd.DataFrame,
    epsilon: float,
    *,
    contributions_per_person: int,
    mechanism: str = LAPLACE,
    delta: float | None = None,
    measures: Sequence[str] = c.COUNT_MEASURES,
    clamp_non_negative: bool = True,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """The panel's count rows with calibrated noise, and what was promised.

    Args:
        panel: the long panel (`measure`, `value` plus key columns); only `measures` rows are released.
        epsilon: the privacy-loss budget of the whole release.
        contributions_per_person: the most cells one person can change (by 1 each).
        mechanism: 'laplace' (pure epsilon-DP) or 'gaussian' ((epsilon, delta)-DP; needs `delta`).
        delta: the failure probability for the Gaussian mechanism.
        measures: the count measures released.
        clamp_non_negative: set noisy negative counts to 0 (post-processing).

    Returns:
        The released rows (integer `value`s with noise) and release information: mechanism,
        epsilon, delta, contributions_per_person, sensitivity, noise `scale` (Laplace b, Gaussian
        sigma), noise standard deviation, n_cells, the measures left out.
    """
    _check_arguments(epsilon, contributions_per_person, mechanism, delta)
    released = panel[panel[c.MEASURE].isin(list(measures))]
    counts = released[c.VALUE].round().astype("int64").tolist()
    measurement, scale, sensitivity = _measurement(
        len(counts), epsilon, contributions_per_person, mechanism, delta
    )
    noisy = np.asarray(measurement(counts), dtype="int64")
    if clamp_non_negative:
        noisy = np.maximum(noisy, 0)
    info = {
        "mechanism": mechanism,
        "epsilon": float(epsilon),
        "delta": float(delta) if delta is not None else 0.0,
        "contributions_per_person": int(contributions_per_person),
        "sensitivity": sensitivity,
        "scale": scale,
        "noise_sd": scale * math.sqrt(2) if mechanism == LAPLACE else scale,
        "n_cells": len(counts),
        "measures_left_out": sorted(set(panel[c.MEASURE]) - set(measures)),
        "clamped_non_negative": clamp_non_negative,
        "reproducible": False,
    }
    return released.assign(**{c.VALUE: noisy}), info


def _measurement(n_cells, epsilon, contributions, mechanism, delta) -> tuple[dp.Measurement, float, float]:
    """The OpenDP measurement with the smallest noise scale that keeps the declared promise."""
    domain = dp.vector_domain(dp.atom_domain(T=int), size=n_cells)
    if mechanism == LAPLACE:
        space = (domain, dp.l1_distance(T=int))
        scale = dp.binary_search_param(
            lambda s: dp.m.make_laplace(*space, s), d_in=contributions, d_out=epsilon
        )
        return dp.m.make_laplace(*space, scale), scale, float(contributions)
    sensitivity = math.ceil(math.sqrt(contributions))
    space = (domain, dp.l2_distance(T=int))

    def approximate(scale: float) -> dp.Measurement:
        gaussian = dp.m.make_gaussian(*space, scale)
        return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(gaussian), delta)

    scale = dp.binary_search_param(approximate, d_in=sensitivity, d_out=(epsilon, delta))
    return approximate(scale), scale, float(sensitivity)


def _check_arguments(epsilon, contributions, mechanism, delta) -> None:
    if mechanism not in MECHANISMS:
        raise InputError(f"dp_release: mechanism {mechanism!r}; choose one of {list(MECHANISMS)}")
    if not epsilon > 0:
        raise InputError(f"dp_release: epsilon={epsilon}; it must be positive")
    if int(contributions) != contributions or contributions < 1:
        raise InputError(
            f"dp_release: contributions_per_person={contributions}; it must be a whole number >= 1"
        )
    if mechanism == GAUSSIAN and not (delta is not None and 0 < delta < 1):
        raise InputError(f"dp_release: the Gaussian mechanism needs 0 < delta < 1 (got {delta})")
