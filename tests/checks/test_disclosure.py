"""Published tables hold no count in the suppressed band and no cell derivable from their totals."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from demandcast import columns as c
from demandcast.checks.disclosure import (
    DFE,
    NHS,
    ONS_10_5,
    DisclosureRule,
    protect_table,
    protected_counts,
    rule_named,
)
from demandcast.checks.forecast_disclosure import protect_forecasts
from demandcast.checks.suppression import group_ids, hidden_counts_per_total
from demandcast.errors import InputError


def _grid(values: np.ndarray) -> pd.DataFrame:
    """A ward x service table in long format from a 2-D array of counts."""
    wards, services = values.shape
    return pd.DataFrame({
        "ward": np.repeat([f"w{i}" for i in range(wards)], services),
        "service": np.tile([f"s{j}" for j in range(services)], wards),
        "value": values.ravel(),
    })


def _suppressed(protected) -> pd.Series:
    return protected.frame["value_status"].str.startswith("suppressed")


@pytest.mark.parametrize(
    ("rule", "raw", "published"),
    [
        (NHS, [0, 1, 7, 8, 12, 13, 102], [0, None, None, 10, 10, 15, 100]),
        (DFE, [0, 1, 5, 6, 13], [0, None, None, 6, 13]),
        (ONS_10_5, [0, 9, 10, 12, 13], [0, None, 10, 10, 15]),
    ],
)
def test_each_rule_suppresses_its_band_and_rounds_the_rest(rule, raw, published):
    expected = np.array([np.nan if v is None else v for v in published], dtype=float)
    np.testing.assert_array_equal(protected_counts(raw, rule), expected)


def test_fractional_counts_in_the_band_are_suppressed():
    np.testing.assert_array_equal(protected_counts([0.2, 7.4, 7.5, 0.0], NHS), [np.nan, np.nan, 10.0, 0.0])


def test_rules_are_found_by_name_and_unsafe_rules_are_refused():
    assert rule_named("ons_10_5") is ONS_10_5
    with pytest.raises(InputError, match="unknown; choose one of"):
        rule_named("loose")
    with pytest.raises(ValueError, match="would publish suppressed counts"):
        DisclosureRule("bad", suppress_up_to=11, round_to=5)


def test_a_recoverable_suppressed_cell_is_caught_and_fixed():
    # Ward w0 total 23 is published; with only the 3 hidden, 23 - 20 recovers it.
    table = _grid(np.array([[3, 20], [15, 12], [30, 40]]))
    primary_only = protect_table(table)
    counts = hidden_counts_per_total(_suppressed(primary_only).to_numpy(), group_ids(table, ["ward"], 1))
    assert (counts["n_hidden"] == 1).any()  # the unprotected table would leak

    protected = protect_table(table, totals=[("ward",), ("service",)])
    assert protected.frame["value_status"].tolist() == [
        "suppressed_primary", "suppressed_secondary", "suppressed_secondary",
        "suppressed_secondary", "rounded", "rounded",
    ]
    assert protected.report["cells_by_status"]["suppressed_secondary"] == 3
    assert protected.report["n_exposing_totals"] == 0


def test_complements_prefer_the_smallest_non_zero_cell():
    table = _grid(np.array([[2, 0, 9, 30]]))
    protected = protect_table(table, totals=[("ward",)])
    assert protected.frame["value_status"].tolist() == ["suppressed_primary", "zero", "suppressed_secondary",
                                                       "rounded"]


def test_a_total_over_one_hidden_cell_is_reported_as_exposing():
    protected = protect_table(_grid(np.array([[4], [30]])), totals=[("ward",)])
    assert protected.report["n_exposing_totals"] == 1


def test_row_totals_across_count_columns_are_protected():
    table = pd.DataFrame({"ward": ["w0", "w1"], "a": [3, 50], "b": [40, 60]})
    protected = protect_table(table, count_columns=["a", "b"], row_totals=True)
    assert protected.frame[["a_status", "b_status"]].iloc[0].tolist() == ["suppressed_primary",
                                                                          "suppressed_secondary"]


def test_cost_cells_covering_few_people_or_dominated_by_one_package_are_suppressed():
    table = pd.DataFrame({
        "ward": ["w0", "w1", "w2", "w3"],
        "cost": [5_000.0, 20_000.0, 30_000.0, 0.0],
        "people": [3, 12, 20, 0],
        "largest": [2_000.0, 15_000.0, 4_000.0, 0.0],
    })
    protected = protect_table(table, count_columns=[], cost_columns=["cost"], people_column="people",
                              max_contributor_column="largest", dominance_share=0.5)
    assert protected.frame["cost_status"].tolist() == ["suppressed_few_people", "suppressed_dominance",
                                                       "exact", "zero"]
    assert "largest" not in protected.frame and "people" not in protected.frame
    assert protected.frame["cost"].iloc[2] == 30_000.0


def test_cost_columns_need_a_people_column():
    with pytest.raises(InputError, match="cost columns need people_column"):
        protect_table(pd.DataFrame({"cost": [1.0]}), count_columns=[], cost_columns=["cost"])


def test_display_shows_the_rule_symbol():
    shown = protect_table(_grid(np.array([[3, 0, 20]])), rule=DFE).display()
    assert shown["value"].tolist() == ["c", "0", "20"]


def test_protect_table_never_mutates_its_input():
    table = _grid(np.array([[3, 20], [15, 12]]))
    before = table.copy()
    protect_table(table, totals=[("ward",), ("service",)])
    pd.testing.assert_frame_equal(table, before)


counts = st.tuples(st.integers(2, 6), st.integers(2, 6)).flatmap(
    lambda shape: arrays(np.int64, shape, elements=st.integers(0, 40))
)
rules = st.sampled_from([NHS, DFE, ONS_10_5])


@settings(max_examples=60, deadline=None)
@given(values=counts, rule=rules)
def test_no_published_count_lies_in_the_suppressed_band(values, rule):
    published = protect_table(_grid(values), rule=rule, totals=[("ward",), ("service",)]).frame["value"]
    shown = published.dropna()
    assert not ((shown > 0) & (shown <= rule.suppress_up_to)).any()
    if rule.round_to:
        assert (shown % rule.round_to == 0).all()


@settings(max_examples=60, deadline=None)
@given(values=counts, rule=rules)
def test_zeros_stay_zero_and_only_zeros_become_zero(values, rule):
    frame = protect_table(_grid(values), rule=rule, totals=[("ward",), ("service",)]).frame
    raw_zero = values.ravel() == 0
    # a zero is published as 0 unless it had to hide another cell
    assert set(frame.loc[raw_zero, "value_status"]) <= {"zero", "suppressed_secondary"}
    assert (frame.loc[frame["value_status"] == "zero", "value"] == 0).all()
    assert (frame.loc[~raw_zero, "value"] != 0).all()


@settings(max_examples=60, deadline=None)
@given(values=counts, rule=rules)
def test_no_suppressed_cell_can_be_derived_from_a_row_or_column_total(values, rule):
    table = _grid(values)
    hidden = _suppressed(protect_table(table, rule=rule, totals=[("ward",), ("service",)])).to_numpy()
    for keys in (["ward"], ["service"]):
        per_total = hidden_counts_per_total(hidden, group_ids(table, keys, 1))
        assert not (per_total["n_hidden"] == 1).any(), f"a total over {keys} exposes one hidden cell"


def _forecasts() -> pd.DataFrame:
    rows = [
        (c.WARD_LEVEL, "w0", 3.2, 1.0, 6.0, 0.0, 9.0),
        (c.WARD_LEVEL, "w1", 41.0, 30.0, 52.0, 25.0, 58.0),
        (c.WARD_LEVEL, "w2", 12.4, 6.0, 19.0, 2.0, 23.0),
        (c.COUNCIL_LEVEL, c.ALL, 56.6, 44.0, 69.0, 38.0, 75.0),
    ]
    frame = pd.DataFrame(rows, columns=[c.AREA_LEVEL, c.AREA, c.MEAN, *c.INTERVAL_COLUMNS])
    return frame.assign(**{c.CLIENT_GROUP: c.OLDER_PEOPLE, c.SERVICE: "home_care",
                           c.MONTH: pd.Timestamp("2026-04-01"), c.MEASURE: c.CASELOAD})


def test_ward_forecast_counts_follow_the_rule_and_the_council_is_exempt():
    protected = protect_forecasts(_forecasts(), "nhs")
    expected = ["suppressed_primary", "rounded", "suppressed_secondary", "exempt"]
    assert protected["disclosure_status"].tolist() == expected
    assert protected.loc[1, [c.MEAN, *c.INTERVAL_COLUMNS]].tolist() == [40.0, 30.0, 50.0, 25.0, 60.0]
    assert protected.loc[[0, 2], c.INTERVAL_COLUMNS].isna().all().all()
    assert protected.loc[3, c.MEAN] == 56.6


def test_cost_forecasts_pass_unchanged():
    costs = _forecasts().assign(**{c.MEASURE: c.COST})
    protected = protect_forecasts(costs)
    assert (protected["disclosure_status"] == "exempt").all()
    pd.testing.assert_series_equal(protected[c.MEAN], costs[c.MEAN])
