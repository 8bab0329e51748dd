"""Calendar features: month of year, the April-to-March fiscal calendar and the trend clock."""

import pandas as pd

from demandcast.columns import MONTH
from demandcast.features.calendar import calendar_features, days_in_period


def _months(*labels: str) -> pd.DataFrame:
    return pd.DataFrame({MONTH: pd.to_datetime(list(labels))})


def test_fiscal_month_counts_april_as_one_and_fiscal_year_is_named_by_its_start():
    months = _months("2024-01-01", "2024-03-01", "2024-04-01", "2025-02-01", "2025-04-01")

    features = calendar_features(months)

    assert features["month_of_year"].tolist() == [1, 3, 4, 2, 4]
    assert features["fiscal_month"].tolist() == [10, 12, 1, 11, 1]
    assert features["fiscal_year"].tolist() == [2023, 2023, 2024, 2024, 2025]
    assert features["months_since_start"].tolist() == [0, 2, 3, 13, 15]


def test_months_since_start_keeps_counting_from_a_given_training_start():
    future = calendar_features(_months("2025-01-01", "2025-02-01"), start=pd.Timestamp("2024-01-01"))

    assert future["months_since_start"].tolist() == [12, 13]


def test_calendar_features_do_not_mutate_their_input():
    frame = _months("2024-01-01", "2024-02-01")
    snapshot = frame.copy()

    calendar_features(frame)

    pd.testing.assert_frame_equal(frame, snapshot)


def test_days_in_period_counts_leap_februaries_and_quarters():
    months = pd.to_datetime(["2024-02-01", "2025-02-01", "2025-03-01", "2025-04-01"])
    quarters = pd.to_datetime(["2024-01-01", "2025-01-01", "2025-07-01"])

    assert days_in_period(months, "MS").tolist() == [29.0, 28.0, 31.0, 30.0]
    assert days_in_period(quarters, "QS").tolist() == [91.0, 90.0, 92.0]
