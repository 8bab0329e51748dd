"""Service mix: shares of caseload and cost within a client group, and the community/care-home shift."""

import pandas as pd
import pytest

from demandcast.columns import (
    CASELOAD,
    CLIENT_GROUP,
    COST,
    MEASURE,
    MONTH,
    OLDER_PEOPLE,
    SERVICE,
    VALUE,
    WARD_CODE,
)
from demandcast.insights.cost_trends import FISCAL_YEAR
from demandcast.insights.service_mix import (
    CARE_HOME,
    CASELOAD_SHARE,
    CASELOAD_SHARE_CHANGE,
    COMMUNITY,
    COST_SHARE,
    SETTING,
    service_mix,
    setting_shift,
)


def panel(rows):
    """rows: (ward, service, month, caseload, cost) for older people."""
    records = []
    for ward, service, month, caseload, cost in rows:
        records.append((ward, OLDER_PEOPLE, service, pd.Timestamp(month), CASELOAD, float(caseload)))
        records.append((ward, OLDER_PEOPLE, service, pd.Timestamp(month), COST, float(cost)))
    return pd.DataFrame(records, columns=[WARD_CODE, CLIENT_GROUP, SERVICE, MONTH, MEASURE, VALUE])


TINY = panel(
    [
        ("w1", "home_care", "2024-03-01", 6, 1000),
        ("w2", "home_care", "2024-03-01", 2, 1000),
        ("w1", "nursing", "2024-03-01", 2, 8000),
        ("w1", "home_care", "2024-04-01", 5, 1000),
        ("w1", "nursing", "2024-04-01", 5, 9000),
    ]
)


def test_service_shares_are_within_client_group_and_fiscal_year():
    mix = service_mix(TINY).set_index([FISCAL_YEAR, SERVICE])
    assert mix.loc[("2023-24", "home_care"), CASELOAD_SHARE] == pytest.approx(0.8)
    assert mix.loc[("2023-24", "nursing"), COST_SHARE] == pytest.approx(0.8)
    assert mix.loc[("2024-25", "nursing"), CASELOAD_SHARE] == pytest.approx(0.5)
    assert mix.groupby(FISCAL_YEAR)[[CASELOAD_SHARE, COST_SHARE]].sum().to_numpy() == pytest.approx(1.0)


def test_setting_shift_reports_the_change_in_percentage_points():
    shift = setting_shift(TINY).set_index([SETTING, FISCAL_YEAR])
    assert shift.loc[(COMMUNITY, "2023-24"), CASELOAD_SHARE] == pytest.approx(0.8)
    assert shift.loc[(CARE_HOME, "2024-25"), CASELOAD_SHARE_CHANGE] == pytest.approx(30.0)
    assert pd.isna(shift.loc[(CARE_HOME, "2023-24"), CASELOAD_SHARE_CHANGE])
