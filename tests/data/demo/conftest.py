"""The default demo city, generated once for the demo tests."""

import pandas as pd
import pytest

from demandcast.data.demo import generate_demo_city


@pytest.fixture(scope="session")
def demo_records() -> pd.DataFrame:
    return generate_demo_city()
