"""Open demo packages priced again each April: the split, the uplift by service, the errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import (
    CLIENT_GROUP,
    END_DATE,
    OLDER_PEOPLE,
    PACKAGE_ID,
    SERVICE,
    START_DATE,
    UNIT_COST,
    WEEKLY_COST,
)
from demandcast.data.demo.costs import PRICES, hourly_rate
from demandcast.data.demo.uplifts import priced_each_april
from demandcast.errors import InputError


def packages(*rows: tuple) -> pd.DataFrame:
    """Older people's packages from (package_id, service, start, end or None, weekly_cost) tuples."""
    frame = pd.DataFrame(rows, columns=[PACKAGE_ID, SERVICE, START_DATE, END_DATE, WEEKLY_COST])
    frame[CLIENT_GROUP] = OLDER_PEOPLE
    frame[START_DATE] = pd.to_datetime(frame[START_DATE])
    frame[END_DATE] = pd.to_datetime(frame[END_DATE])
    frame[UNIT_COST] = frame[WEEKLY_COST] / 10
    return frame


def test_each_april_after_the_history_starts_opens_a_row_at_the_next_years_price():
    frame = packages(
        ("A", "residential", "2019-01-10", None, 700.0),  # open when the history begins
        ("B", "home_care", "2021-06-01", "2022-05-31", 200.0),
        ("C", "residential", "2022-05-01", "2022-12-31", 700.0),  # crosses no April
    )
    rows = priced_each_april(frame, "2020-04-01")
    a, b, c = (rows[rows[PACKAGE_ID] == key] for key in "ABC")
    # A: the history's own April is not crossed again; 2021, 2022 open rows (the latest date 2022-12-31)
    assert a[START_DATE].tolist() == [pd.Timestamp(d) for d in ("2019-01-10", "2021-04-01", "2022-04-01")]
    assert a[END_DATE].iloc[:2].tolist() == [pd.Timestamp("2021-03-31"), pd.Timestamp("2022-03-31")]
    assert pd.isna(a[END_DATE].iloc[2])
    growth = 1 + PRICES[(OLDER_PEOPLE, "residential")].growth
    np.testing.assert_allclose(a[WEEKLY_COST], 700.0 * growth ** np.arange(3))
    np.testing.assert_allclose(a[UNIT_COST], a[WEEKLY_COST] / 10)
    rate = hourly_rate(np.array([2021, 2022]))
    np.testing.assert_allclose(b[WEEKLY_COST], [200.0, 200.0 * rate[1] / rate[0]])
    assert b[END_DATE].iloc[-1] == pd.Timestamp("2022-05-31")
    assert c[WEEKLY_COST].tolist() == [700.0] and len(rows) == 6


def test_not_uprated_keeps_each_packages_price_on_every_row():
    frame = packages(
        ("A", "nursing", "2020-06-01", None, 800.0), ("B", "nursing", "2020-06-01", "2024-12-31", 800.0)
    )
    rows = priced_each_april(frame, "2020-04-01", uprated=False)
    assert rows.groupby(PACKAGE_ID).size().tolist() == [5, 5]  # Aprils 2021-2024
    assert rows[WEEKLY_COST].eq(800.0).all()


def test_package_ids_are_required_and_unknown_prices_refused():
    frame = packages(("A", "teleportation", "2020-06-01", "2022-01-01", 700.0))
    with pytest.raises(InputError, match="package_id"):
        priced_each_april(frame.drop(columns=PACKAGE_ID), "2020-04-01")
    with pytest.raises(InputError, match="teleportation"):
        priced_each_april(frame, "2020-04-01")
