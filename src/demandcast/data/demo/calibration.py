"""Measures that compare a generated history with Birmingham's published totals.

Each function takes a records frame (the records contract: person_id, client_group, service,
start_date, end_date with NaT for open packages, weekly_cost) and returns plain numbers, so the
benchmark table and the calibration tests read the same figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.columns import (
    CHILDREN,
    CLIENT_GROUP,
    END_DATE,
    OLDER_PEOPLE,
    PERSON_ID,
    SERVICE,
    START_DATE,
    WEEKLY_COST,
)

# real Birmingham figures (DfE SSDA903 tables, NHS Digital; DOMAIN.md), years ending 31 March
PUBLISHED_LOOKED_AFTER = {2019: 1_945, 2020: 1_915, 2021: 1_922, 2022: 2_100, 2023: 2_201}
PUBLISHED_CHILD_STARTS = {2019: 664, 2020: 631, 2021: 559, 2022: 766, 2023: 701}
PUBLISHED_RESIDENTIAL = 1_700
PUBLISHED_NURSING = 1_150
PUBLISHED_LONG_TERM = (10_000, 12_000)
PUBLISHED_OLDER_MIX = {"community": (0.60, 0.65), "residential": (0.20, 0.25), "nursing": (0.12, 0.15)}
PUBLISHED_TOP_DECILE_SHARE = (0.40, 0.50)
COMMUNITY_SERVICES = ("home_care", "direct_payment", "day_care", "supported_living")


def active_on(records: pd.DataFrame, day: str | pd.Timestamp) -> pd.DataFrame:
    """Records running on `day` (start on or before it; end open or on or after it)."""
    when = pd.Timestamp(day)
    end = records[END_DATE]
    return records[(records[START_DATE] <= when) & (end.isna() | (end >= when))]


def people_on(
    records: pd.DataFrame,
    day: str | pd.Timestamp,
    client_groups: tuple[str, ...],
    services: tuple[str, ...] | None = None,
) -> int:
    """Distinct people of the client groups with a package of `services` (any when None) on `day`."""
    running = active_on(records, day)
    running = running[running[CLIENT_GROUP].isin(client_groups)]
    if services is not None:
        running = running[running[SERVICE].isin(services)]
    return int(running[PERSON_ID].nunique())


def children_looked_after(records: pd.DataFrame, year: int) -> int:
    """Children in a placement on 31 March of `year`."""
    return people_on(records, f"{year}-03-31", (CHILDREN,))


def children_starting_care(records: pd.DataFrame, year: int) -> int:
    """Children whose first placement in the records starts in the year ending 31 March `year`."""
    children = records[records[CLIENT_GROUP] == CHILDREN]
    first = children.groupby(PERSON_ID)[START_DATE].min()
    return int(
        ((first >= pd.Timestamp(f"{year - 1}-04-01")) & (first <= pd.Timestamp(f"{year}-03-31"))).sum()
    )


def older_people_mix(records: pd.DataFrame, day: str | pd.Timestamp) -> dict[str, float]:
    """Shares of older people's long-term packages on `day`: community, residential, nursing."""
    running = active_on(records, day)
    services = running.loc[running[CLIENT_GROUP] == OLDER_PEOPLE, SERVICE]
    services = services[services != "reablement"]
    return {
        "community": float(services.isin(COMMUNITY_SERVICES).mean()),
        "residential": float((services == "residential").mean()),
        "nursing": float((services == "nursing").mean()),
    }


def spend_by_person(records: pd.DataFrame, first: str, last: str) -> pd.Series:
    """Each person's gross spend between `first` and `last` (inclusive): weekly cost x days / 7."""
    lo, hi = pd.Timestamp(first), pd.Timestamp(last)
    start = records[START_DATE].clip(lower=lo)
    end = records[END_DATE].fillna(hi).clip(upper=hi)
    days = ((end - start).dt.days + 1).clip(lower=0)
    return (records[WEEKLY_COST] * days / 7).groupby(records[PERSON_ID]).sum()


def top_decile_share(spend: pd.Series) -> float:
    """Share of total spend carried by the dearest 10% of the people who cost anything."""
    positive = np.sort(spend[spend > 0].to_numpy())[::-1]
    return float(positive[: max(1, len(positive) // 10)].sum() / positive.sum())
