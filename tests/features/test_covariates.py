"""Area covariates: joined per area, and protected characteristics never become model inputs."""

import pandas as pd
import pytest

from demandcast.columns import AREA, IMD_DECILE, MINORITY_SHARE, POP_65_PLUS
from demandcast.features.covariates import area_covariates

COVARIATES = pd.DataFrame(
    {AREA: ["A", "B"], POP_65_PLUS: [100, 300], IMD_DECILE: [1, 9], MINORITY_SHARE: [0.6, 0.1]}
)


def test_covariates_follow_each_rows_area():
    frame = pd.DataFrame({AREA: ["B", "A", "B", "Z"]})

    joined = area_covariates(frame, COVARIATES, [POP_65_PLUS, IMD_DECILE])

    assert joined[POP_65_PLUS].tolist()[:3] == [300, 100, 300]
    assert joined[IMD_DECILE].tolist()[:3] == [9, 1, 9]
    assert joined[IMD_DECILE].isna().tolist() == [False, False, False, True]
    assert MINORITY_SHARE not in joined.columns


def test_protected_characteristics_are_refused():
    refused = r"protected characteristics are never model features: \['minority_ethnic_share'\]"
    with pytest.raises(ValueError, match=refused):
        area_covariates(pd.DataFrame({AREA: ["A"]}), COVARIATES, [IMD_DECILE, MINORITY_SHARE])


def test_covariates_do_not_mutate_their_input():
    frame = pd.DataFrame({AREA: ["A"]})
    snapshot = frame.copy()

    area_covariates(frame, COVARIATES, [IMD_DECILE])

    pd.testing.assert_frame_equal(frame, snapshot)
