"""How services are provided: each service's share of caseload and cost in its client group, by fiscal year.

The setting shift asks whether care moves between the community (home care, supported living,
direct payments, fostering...) and care homes (residential and nursing homes, children's homes).
Caseload here is the mean monthly caseload of the year, a council-level figure.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from demandcast.columns import CASELOAD, CLIENT_GROUP, COST, MEASURE, MONTH, SERVICE, VALUE
from demandcast.insights.cost_trends import FISCAL_YEAR, N_MONTHS, fiscal_year

SETTING = "setting"
COMMUNITY = "community"
CARE_HOME = "care_home"
CARE_HOME_SERVICES: tuple[str, ...] = ("residential", "nursing", "childrens_home")
CASELOAD_SHARE = "caseload_share"
COST_SHARE = "cost_share"
CASELOAD_SHARE_CHANGE = "caseload_share_change"
COST_SHARE_CHANGE = "cost_share_change"


def service_mix(panel: pd.DataFrame) -> pd.DataFrame:
    """Each service's caseload and cost per fiscal year, and its share of its client group's.

    Args:
        panel: the long monthly panel (ward_code, client_group, service, month, measure, value).

    Returns:
        Columns fiscal_year, client_group, service, n_months, caseload (mean monthly), cost (sum),
        caseload_share and cost_share (fractions of the client group in that year).
    """
    annual = _annual_by(panel, [CLIENT_GROUP, SERVICE])
    return _with_shares(annual, [FISCAL_YEAR, CLIENT_GROUP])


def setting_shift(
    panel: pd.DataFrame, *, care_home_services: Collection[str] = CARE_HOME_SERVICES
) -> pd.DataFrame:
    """The community and care-home shares of each client group's caseload and cost, year by year.

    Args:
        panel: the long monthly panel (ward_code, client_group, service, month, measure, value).
        care_home_services: service codes delivered in a care home; every other service is community.

    Returns:
        Columns fiscal_year, client_group, setting, n_months, caseload, cost, caseload_share,
        cost_share, and caseload_share_change and cost_share_change: the change in share since
        the previous year, in percentage points.
    """
    settings = panel[SERVICE].isin(list(care_home_services)).map({True: CARE_HOME, False: COMMUNITY})
    annual = _annual_by(panel.assign(**{SETTING: settings.astype("str")}), [CLIENT_GROUP, SETTING])
    shares = _with_shares(annual, [FISCAL_YEAR, CLIENT_GROUP]).sort_values(
        [CLIENT_GROUP, SETTING, FISCAL_YEAR], ignore_index=True)
    previous = shares.groupby([CLIENT_GROUP, SETTING], observed=True)[[CASELOAD_SHARE, COST_SHARE]].shift(1)
    return shares.assign(**{
        CASELOAD_SHARE_CHANGE: (shares[CASELOAD_SHARE] - previous[CASELOAD_SHARE]) * 100,
        COST_SHARE_CHANGE: (shares[COST_SHARE] - previous[COST_SHARE]) * 100,
    })


def _annual_by(panel: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean monthly caseload and total cost per fiscal year at the level of `keys`, wards summed."""
    rows = panel[panel[MEASURE].isin([CASELOAD, COST])]
    monthly = (
        rows.pivot_table(index=[*keys, MONTH], columns=MEASURE, values=VALUE, aggfunc="sum", observed=True)
        .reindex(columns=[CASELOAD, COST], fill_value=0.0)
        .reset_index()
    )
    monthly[FISCAL_YEAR] = fiscal_year(monthly[MONTH]).to_numpy()
    return (
        monthly.groupby([FISCAL_YEAR, *keys], observed=True, sort=True)
        .agg(**{N_MONTHS: (MONTH, "nunique"), CASELOAD: (CASELOAD, "mean"), COST: (COST, "sum")})
        .reset_index()
    )


def _with_shares(annual: pd.DataFrame, within: list[str]) -> pd.DataFrame:
    totals = annual.groupby(within, observed=True)[[CASELOAD, COST]].transform("sum")
    return annual.assign(**{
        CASELOAD_SHARE: (annual[CASELOAD] / totals[CASELOAD]).where(totals[CASELOAD] > 0),
        COST_SHARE: (annual[COST] / totals[COST]).where(totals[COST] > 0),
    })
