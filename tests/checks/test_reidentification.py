"""k-anonymity and l-diversity of the records' quasi-identifiers, counting people, not packages."""

import numpy as np
import pandas as pd
import pytest

from demandcast.checks.reidentification import age_bands, reidentification_risk
from demandcast.errors import InputError


def _records() -> pd.DataFrame:
    # class A (w1, 75-84, F, White): 3 people, 4 packages, 2 services; class B: 1 person, 1 service
    return pd.DataFrame({
        "person_id": ["p1", "p1", "p2", "p3", "p4"],
        "ward_code": ["w1", "w1", "w1", "w1", "w2"],
        "birth_year": ["1945", "1945", "1948", "1944", "1990"],
        "sex": ["F", "F", "F", "F", "M"],
        "ethnicity": ["White", "White", "White", "White", "Asian"],
        "service": ["home_care", "nursing", "home_care", "home_care", "day_care"],
        "start_date": ["2023-01-01", "2023-03-01", "2024-02-01", "2022-05-01", "2024-06-30"],
    })


def test_age_bands_at_a_year():
    bands = age_bands(pd.Series(["2024", "2010", "2007", "1949", "1930", None]), 2024)
    assert bands.tolist()[:5] == ["0-4", "10-15", "16-17", "75-84", "85+"]
    assert pd.isna(bands.iloc[5])


def test_golden_k_and_l_on_a_tiny_table():
    risk = reidentification_risk(_records(), k_threshold=3)
    assert risk.summary["k_anonymity"] == 1
    assert risk.summary["l_diversity"] == 1
    assert risk.summary["n_classes"] == 2
    assert risk.summary["n_classes_below_k"] == 1
    assert risk.summary["share_people_below_k"] == pytest.approx(1 / 4)
    assert risk.summary["share_records_below_k"] == pytest.approx(1 / 5)
    first = risk.classes.sort_values("n_people", ascending=False).iloc[0]
    sizes = (first["age_band"], first["n_people"], first["n_records"], first["l_diversity"])
    assert sizes == ("75-84", 3, 4, 2)


def test_classes_hold_sizes_never_people():
    risk = reidentification_risk(_records(), k_threshold=3)
    assert "person_id" not in risk.classes
    assert not risk.classes.astype("str").isin(["p1", "p2", "p3", "p4"]).any().any()


def test_coarser_quasi_identifiers_raise_k():
    records = _records()
    fine = reidentification_risk(records, at_year=2024)
    coarse = reidentification_risk(records, quasi_identifiers=["sex"], at_year=2024)
    assert coarse.summary["k_anonymity"] >= fine.summary["k_anonymity"]
    assert coarse.summary["n_classes"] == 2


def test_generated_city_mostly_in_small_classes_at_ward_level():
    rng = np.random.default_rng(7)
    n = 5_000
    records = pd.DataFrame({
        "person_id": [f"p{i}" for i in range(n)],
        "ward_code": rng.choice([f"w{i}" for i in range(69)], n),
        "age_band": rng.choice(["18-24", "65-74", "75-84", "85+"], n),
        "sex": rng.choice(["F", "M"], n),
        "ethnicity": rng.choice(["White", "Asian", "Black", "Mixed", "Other"], n),
        "service": rng.choice(["home_care", "residential"], n),
    })
    risk = reidentification_risk(records)
    # 69 * 4 * 2 * 5 = 2,760 possible classes for 5,000 people: most classes are tiny
    assert risk.summary["share_people_below_k"] > 0.9
    assert risk.classes["n_people"].sum() == n


def test_missing_columns_are_named():
    with pytest.raises(InputError, match=r"column\(s\) \['birth_year'\] not found"):
        reidentification_risk(_records().drop(columns="birth_year"))
