"""Where starts fall: age-band population times a deprivation gradient, ward effects and clusters."""

import numpy as np
import pytest

from demandcast.columns import CHILDREN, IMD_DECILE, OLDER_PEOPLE, POP_0_17, POP_65_PLUS
from demandcast.data.demo.flows import direct_starts_per_year
from demandcast.data.demo.population import ward_start_weights
from demandcast.data.wards import load_wards


def test_childrens_rate_rises_about_a_third_per_imd_decile_step():
    wards = load_wards()
    weights = ward_start_weights(wards, np.random.default_rng(1))
    rate = weights[CHILDREN] / wards[POP_0_17].to_numpy()
    slope = np.polyfit(wards[IMD_DECILE].to_numpy(), np.log(rate), 1)[0]
    assert np.exp(-slope) == pytest.approx(4 / 3, rel=0.08)


def test_weights_are_probabilities_and_follow_the_older_population():
    wards = load_wards()
    weights = ward_start_weights(wards, np.random.default_rng(2))
    for group_weights in weights.values():
        assert group_weights.sum() == pytest.approx(1.0) and (group_weights > 0).all()
    assert np.corrcoef(weights[OLDER_PEOPLE], wards[POP_65_PLUS])[0, 1] > 0.7


def test_every_adult_service_has_direct_starts():
    for group in ("older_people", "working_age"):
        assert min(direct_starts_per_year(group).values()) > 0
