"""Children's placements: periods of care split into one or more placements.

A child enters care at an age drawn from England's starts (a fifth as babies, a third aged 10-15),
with a legal status that sets how long the period lasts (s20 stays are often weeks, care orders
years), capped at the 18th birthday. Longer periods see placement moves; each placement's type
depends on the child's age (semi-independent accommodation only from 16, few children's homes
for under-10s), giving England's placement mix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.columns import CHILDREN
from demandcast.data.demo.durations import care_period_days
from demandcast.data.demo.starts import draw_starts

STARTS_PER_YEAR = 680.0  # at April 2020 before COVID, rising with the trend in `seasonality`
ENTRY_AGE_BANDS = ((0, 1, 0.19), (1, 5, 0.14), (5, 10, 0.17), (10, 16, 0.33), (16, 18, 0.17))
LEGAL_STATUS = (("V2", 0.45), ("C1", 0.45), ("L1", 0.10))
MOVES_PER_YEAR = 0.45
MAX_MOVES = 5
PLACEMENTS = (
    "foster_inhouse",
    "foster_agency",
    "kinship",
    "childrens_home",
    "semi_independent",
    "placed_with_parents",
)
PLACEMENT_SHARES_BY_AGE = (  # (from age, shares in PLACEMENTS order)
    (0, (0.36, 0.28, 0.24, 0.01, 0.00, 0.11)),
    (10, (0.28, 0.30, 0.12, 0.25, 0.00, 0.05)),
    (16, (0.10, 0.15, 0.05, 0.13, 0.55, 0.02)),
)


def child_placements(
    days: pd.DatetimeIndex, ward_weights: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """All periods of care starting on `days`, one row per placement.

    Returns columns person (local to this frame), ward, client_group, service, start, end
    (datetime64[D], inclusive) and age_at_first (age at entry to care, years).
    """
    start, ward = draw_starts(days, STARTS_PER_YEAR, CHILDREN, ward_weights, rng)
    age = _entry_ages(len(start), rng)
    status = np.asarray([s for s, _ in LEGAL_STATUS])[
        rng.choice(len(LEGAL_STATUS), size=len(start), p=[p for _, p in LEGAL_STATUS])
    ]
    until_18 = np.maximum(np.floor((18 - age) * 365.25).astype("int64"), 1)
    length = np.minimum(care_period_days(status, rng), until_18)
    periods = pd.DataFrame(
        {"person": np.arange(len(start)), "ward": ward, "start": start, "length": length, "age_at_first": age}
    )
    placements = _split_into_placements(periods, rng)
    return placements.assign(client_group=CHILDREN, first_start=placements["person"].map(periods["start"]))


def _entry_ages(n: int, rng: np.random.Generator) -> np.ndarray:
    band = rng.choice(len(ENTRY_AGE_BANDS), size=n, p=[p for _, _, p in ENTRY_AGE_BANDS])
    low = np.array([lo for lo, _, _ in ENTRY_AGE_BANDS])[band]
    high = np.array([hi for _, hi, _ in ENTRY_AGE_BANDS])[band]
    return low + rng.random(n) * (high - low)


def _split_into_placements(periods: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    length = periods["length"].to_numpy()
    moves = np.minimum(rng.poisson(MOVES_PER_YEAR * length / 365.25), np.minimum(MAX_MOVES, length - 1))
    owner = np.repeat(np.arange(len(periods)), moves)
    cut = 1 + np.floor(rng.random(len(owner)) * (length[owner] - 1)).astype("int64")
    offsets = pd.DataFrame(
        {
            "period": np.concatenate([np.arange(len(periods)), owner]),
            "offset": np.concatenate([np.zeros(len(periods), dtype="int64"), cut]),
        }
    )
    offsets = offsets.drop_duplicates().sort_values(["period", "offset"], ignore_index=True)
    period = offsets["period"].to_numpy()
    following = np.append(offsets["offset"].to_numpy()[1:], 0)
    last_in_period = np.append(period[1:] != period[:-1], True)
    end_offset = np.where(last_in_period, length[period], following) - 1
    base = periods.iloc[period]
    start = base["start"].to_numpy() + offsets["offset"].to_numpy().astype("timedelta64[D]")
    age = base["age_at_first"].to_numpy() + offsets["offset"].to_numpy() / 365.25
    return pd.DataFrame(
        {
            "person": base["person"].to_numpy(),
            "ward": base["ward"].to_numpy(),
            "service": _placement_types(age, rng),
            "start": start,
            "end": base["start"].to_numpy() + end_offset.astype("timedelta64[D]"),
            "age_at_first": base["age_at_first"].to_numpy(),
        }
    )


def _placement_types(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    service = np.empty(len(age), dtype=object)
    for low, shares in PLACEMENT_SHARES_BY_AGE:
        rows = age >= low
        service[rows] = np.asarray(PLACEMENTS)[rng.choice(len(PLACEMENTS), size=rows.sum(), p=shares)]
    return service
