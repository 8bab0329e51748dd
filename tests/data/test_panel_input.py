"""The `--panel` input: an aggregated long panel with optional AREAS.csv and SERVICES.csv."""

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import (
    ALL,
    AREA,
    CLIENT_GROUP,
    HIERARCHICAL_PANEL_COLUMNS,
    MEASURE,
    MONTH,
    SERVICE,
    VALUE,
)
from demandcast.data.panel_input import read_panel_input
from demandcast.errors import InputError


def _panel(n_periods=60, freq="MS", areas=("a1", "a2"), services=("s1", "s2")) -> pd.DataFrame:
    months = pd.date_range("2019-01-01", periods=n_periods, freq=freq)
    keys = pd.DataFrame([(a, s) for a in areas for s in services], columns=[AREA, SERVICE])
    panel = keys.merge(pd.DataFrame({MONTH: months.strftime("%Y-%m")}), how="cross").assign(
        **{MEASURE: "caseload"}
    )
    return panel.assign(**{VALUE: np.random.default_rng(0).poisson(10, len(panel)).astype(float)})


def _without(panel: pd.DataFrame, area: str, service: str) -> pd.DataFrame:
    return panel[(panel[AREA] != area) | (panel[SERVICE] != service)]


def _write(tmp_path, frame, name="panel.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_panel_without_hierarchy_files_is_flat(tmp_path):
    result = read_panel_input(_write(tmp_path, _panel()))
    assert list(result.hpanel.columns) == list(HIERARCHICAL_PANEL_COLUMNS)
    assert (result.hpanel[CLIENT_GROUP] == ALL).all()
    assert result.areas is None and result.freq == "MS" and not result.service_groups


def test_panel_with_hierarchy_files_takes_groups_and_districts(tmp_path):
    areas = _write(
        tmp_path,
        pd.DataFrame({AREA: ["a1", "a2"], "district": ["d", "d"], "council": ["c", "c"]}),
        "AREAS.csv",
    )
    services = _write(tmp_path, pd.DataFrame({SERVICE: ["s1", "s2"], "group": ["g1", "g2"]}), "SERVICES.csv")
    result = read_panel_input(_write(tmp_path, _panel()), areas, services)
    groups = result.hpanel.drop_duplicates(SERVICE).set_index(SERVICE)[CLIENT_GROUP].to_dict()
    assert groups == {"s1": "g1", "s2": "g2"}
    assert result.areas["district"].to_list() == ["d", "d"]


def test_quarterly_panel_is_recognised(tmp_path):
    result = read_panel_input(_write(tmp_path, _panel(n_periods=20, freq="QS")), horizon=4)
    assert result.freq == "QS"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.drop(columns=[VALUE]), r"missing columns \['value'\]"),
        (
            lambda p: p.assign(**{MONTH: p[MONTH].where(p.index != 3, "March")}),
            r"column 'month' row 4: cannot read 'March'",
        ),
        (
            lambda p: p.drop(index=5),
            r"series \(area='a1', service='s1', measure='caseload'\) has no row for 2019-06",
        ),
        (lambda p: pd.concat([p, p.iloc[[7]]], ignore_index=True), r"row 241: duplicate key \(area='a1'"),
        (
            lambda p: pd.concat([p, _without(p.assign(**{MEASURE: "cost"}), "a2", "s2")], ignore_index=True),
            r"column 'measure': \(area='a2', service='s2'\) has rows for other measures but none for 'cost'",
        ),
        (
            lambda p: p.assign(**{VALUE: p[VALUE].astype(str).where(p.index != 2, "n/a")}),
            r"row 3: 'n/a' is not a number",
        ),
        (
            lambda p: p.assign(**{VALUE: p[VALUE].where(p.index != 4, -2.0)}),
            r"column 'value' row 5: '-2.0' is not a non-negative finite number",
        ),
        (
            lambda p: p.assign(**{VALUE: p[VALUE].astype(str).where(p.index != 6, "inf")}),
            r"column 'value' row 7: 'inf' is not a non-negative finite number",
        ),
    ],
)
def test_clear_errors_name_file_column_and_row(tmp_path, change, message):
    with pytest.raises(InputError, match=message):
        read_panel_input(_write(tmp_path, change(_panel())))


def test_too_short_history_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"has 40 periods of history; at least 48 are needed"):
        read_panel_input(_write(tmp_path, _panel(n_periods=40)))


def test_horizon_beyond_36_is_refused(tmp_path):
    with pytest.raises(InputError, match="horizon 37: must be between 1 and 36"):
        read_panel_input(_write(tmp_path, _panel()), horizon=37)


def test_areas_missing_from_the_area_file_are_named(tmp_path):
    areas = _write(tmp_path, pd.DataFrame({AREA: ["a1"], "district": ["d"], "council": ["c"]}), "AREAS.csv")
    with pytest.raises(InputError, match=r"AREAS.csv: column 'area' lacks 1 panel areas, e.g. \['a2'\]"):
        read_panel_input(_write(tmp_path, _panel()), areas)


def test_panel_rows_in_any_order_give_the_same_hierarchical_panel(tmp_path):
    panel = _panel()
    panel[VALUE] = np.random.default_rng(1).gamma(2.0, 1234.567, len(panel))  # costs, all their bits used
    as_given = read_panel_input(_write(tmp_path, panel, "given.csv")).hpanel
    shuffled = read_panel_input(
        _write(tmp_path, panel.sample(frac=1.0, random_state=4), "shuffled.csv")
    ).hpanel
    pd.testing.assert_frame_equal(shuffled, as_given, check_exact=True)
