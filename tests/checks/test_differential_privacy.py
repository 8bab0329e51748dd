"""Noisy counts keep the declared promise; the reported scale is the scale of the noise.

OpenDP draws noise from a secure generator that cannot be seeded, so these tests are
statistical: with 20,000 cells the checked moments sit many standard errors inside the bounds.
"""

import math

import numpy as np
import pandas as pd
import pytest

from demandcast.checks.differential_privacy import dp_release
from demandcast.errors import InputError

N_CELLS = 20_000


def _panel(value: float = 200.0) -> pd.DataFrame:
    counts = pd.DataFrame({"ward_code": "E05011118", "measure": "caseload", "value": [value] * N_CELLS})
    costs = pd.DataFrame({"ward_code": "E05011118", "measure": ["cost"], "value": [1e6]})
    return pd.concat([counts, costs], ignore_index=True)


def test_laplace_scale_is_contributions_over_epsilon_and_matches_the_noise():
    released, info = dp_release(_panel(), 0.5, contributions_per_person=3)
    assert info["scale"] == pytest.approx(3 / 0.5, rel=1e-6)
    assert (info["mechanism"], info["sensitivity"], info["n_cells"]) == ("laplace", 3.0, N_CELLS)
    noise = released["value"].to_numpy() - 200
    assert abs(noise.mean()) < 0.2
    assert np.abs(noise).mean() == pytest.approx(info["scale"], rel=0.05)  # E|Laplace(b)| = b
    assert noise.std() == pytest.approx(info["noise_sd"], rel=0.05)


def test_gaussian_noise_matches_its_reported_sigma():
    released, info = dp_release(_panel(), 1.0, contributions_per_person=4, mechanism="gaussian", delta=1e-6)
    assert info["sensitivity"] == 2.0 and info["delta"] == 1e-6
    noise = released["value"].to_numpy() - 200
    assert abs(noise.mean()) < 0.4
    assert noise.std() == pytest.approx(info["scale"], rel=0.05)
    # no looser than the classical Gaussian-mechanism bound
    assert info["scale"] <= 2 * math.sqrt(2 * math.log(1.25 / 1e-6)) / 1.0


def test_more_budget_means_less_noise():
    _, tight = dp_release(_panel(), 0.5, contributions_per_person=2)
    _, loose = dp_release(_panel(), 5.0, contributions_per_person=2)
    assert loose["scale"] < tight["scale"]


def test_releases_whole_non_negative_counts_and_leaves_costs_out():
    released, info = dp_release(_panel(value=1.0), 1.0, contributions_per_person=1)
    assert released["value"].dtype == "int64" and (released["value"] >= 0).all()
    assert set(released["measure"]) == {"caseload"} and info["measures_left_out"] == ["cost"]
    assert info["reproducible"] is False


def test_release_never_mutates_the_panel():
    panel = _panel()
    before = panel.copy()
    dp_release(panel, 1.0, contributions_per_person=1)
    pd.testing.assert_frame_equal(panel, before)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"epsilon": 0.0, "contributions_per_person": 1}, "epsilon=0.0; it must be positive"),
        ({"epsilon": 1.0, "contributions_per_person": 0}, "contributions_per_person=0"),
        ({"epsilon": 1.0, "contributions_per_person": 1, "mechanism": "gaussian"}, "needs 0 < delta < 1"),
        ({"epsilon": 1.0, "contributions_per_person": 1, "mechanism": "exponential"}, "choose one of"),
    ],
)
def test_bad_promises_are_refused(arguments, message):
    with pytest.raises(InputError, match=message):
        dp_release(_panel(), **arguments)
