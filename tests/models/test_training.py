"""The training pipeline: coherent, non-negative, deterministic forecasts and a reproducible model."""

import pickle
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from demandcast.columns import (
    ALL,
    AREA,
    AREA_LEVEL,
    CLIENT_GROUP,
    FORECAST_COLUMNS,
    INTERVAL_COLUMNS,
    MEAN,
    MEASURE,
    MONTH,
    SERIES_ID,
    SERVICE,
    VALUE,
)
from demandcast.data.panel_input import backtest_span, read_panel_input
from demandcast.errors import InputError
from demandcast.models.backtest import rolling_origin_backtest
from demandcast.models.baselines import MeanOfLastYear, SeasonalNaive
from demandcast.models.combination import MeanForecaster
from demandcast.models.demand_model import measure_series
from demandcast.models.executor import ProcessExecutor
from demandcast.models.grown_beyond_year import GrownBeyondYear
from demandcast.models.hierarchy import NODE_KEYS, aggregate, build_hierarchy
from demandcast.models.selection import build_models, candidate_names
from demandcast.models.synthetic import synthetic_areas, synthetic_panel
from demandcast.models.training import TrainConfig, train
from demandcast.models.vector_ets import VectorETSForecaster

BASELINES = ("seasonal_naive", "mean_of_last_year")


def _config(**changes) -> TrainConfig:
    return TrainConfig(**{"horizon": 3, "n_windows": 3, "allowed_models": BASELINES, **changes})


@pytest.fixture(scope="module")
def panel():
    return synthetic_panel(n_areas=4, n_months=36, seed=3)


@pytest.fixture(scope="module")
def result(panel):
    return train(panel, build_hierarchy(panel, synthetic_areas(4)), _config())


def _children_sum(forecasts: pd.DataFrame, parent_level: str, child_level: str, keys: list[str]) -> None:
    parent = forecasts[forecasts["node_level"] == parent_level].set_index(keys + [MONTH])[MEAN]
    child = forecasts[forecasts["node_level"] == child_level].groupby(keys + [MONTH])[MEAN].sum()
    np.testing.assert_allclose(child.reindex(parent.index), parent, rtol=1e-6)


def _with_node_level(forecasts: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    service_level = np.where(
        forecasts[SERVICE] != ALL, "service", np.where(forecasts[CLIENT_GROUP] != ALL, "group", "all")
    )
    out = forecasts.assign(node_level=forecasts[AREA_LEVEL] + "/" + service_level)
    district = areas.set_index(AREA)["district"]
    return out.assign(district=out[AREA].map(district).fillna(out[AREA]), council="c0")


def test_forecasts_have_the_contract_columns_and_every_level(result):
    assert list(result.forecasts.columns) == list(FORECAST_COLUMNS)
    assert set(result.forecasts[AREA_LEVEL]) == {"ward", "district", "council"}
    assert len(result.forecasts) == (4 + 2 + 1) * (3 + 2 + 1) * 3


def test_every_level_is_coherent_in_both_hierarchies(result):
    f = _with_node_level(result.forecasts, synthetic_areas(4))
    for area_level in ("ward", "district", "council"):
        _children_sum(f, f"{area_level}/group", f"{area_level}/service", [AREA, CLIENT_GROUP])
        _children_sum(f, f"{area_level}/all", f"{area_level}/group", [AREA])
    for service_level in ("service", "group", "all"):
        keys = [CLIENT_GROUP, SERVICE]
        wards = f[f["node_level"] == f"ward/{service_level}"].assign(**{AREA: lambda d: d["district"]})
        districts = f[f["node_level"] == f"district/{service_level}"]
        pd.testing.assert_series_equal(
            wards.groupby([AREA, *keys, MONTH])[MEAN].sum(),
            districts.set_index([AREA, *keys, MONTH])[MEAN],
            check_names=False,
            rtol=1e-6,
        )


def test_means_and_intervals_are_non_negative_and_ordered(result):
    f = result.forecasts
    assert (f[[MEAN, *INTERVAL_COLUMNS]] >= 0).all().all()
    assert (f["lo_95"] <= f["lo_80"]).all() and (f["hi_80"] <= f["hi_95"]).all()


@pytest.mark.slow
def test_training_is_deterministic(panel, result):
    again = train(panel, build_hierarchy(panel, synthetic_areas(4)), _config())
    pd.testing.assert_frame_equal(again.forecasts, result.forecasts)
    assert again.panel_fingerprint == result.panel_fingerprint


def test_pickled_model_reproduces_the_forecasts(result):
    model = pickle.loads(pickle.dumps(result.model))
    pd.testing.assert_frame_equal(model.forecast(3), result.forecasts)


def test_base_forecasts_are_each_levels_chosen_baseline_before_reconciliation(panel, result):
    base = result.model.base_forecast(3)
    recent = panel[panel[MONTH] > panel[MONTH].max() - pd.DateOffset(months=12)]
    last_year = aggregate(recent, result.model.hierarchy)
    for (measure, level), got in base.groupby([MEASURE, "level"]):
        history = last_year[(last_year[MEASURE] == measure) & (last_year["level"] == level)]
        by_node = history.sort_values(MONTH).groupby(list(NODE_KEYS))[VALUE]
        baseline = {
            "seasonal_naive": by_node.apply(lambda v: pd.Series(v.to_numpy()[:3])).to_numpy(),
            "mean_of_last_year": np.repeat(by_node.mean().to_numpy(), 3),
        }
        decision = result.decisions[measure]
        members = decision["combinations"].get(level, [decision["chosen_models"][level]])
        expected = np.mean([baseline[name] for name in members], axis=0)
        np.testing.assert_allclose(got.sort_values([*NODE_KEYS, MONTH])[MEAN], expected)
    assert len(base) == len(result.forecasts)


def test_metrics_report_every_model_chosen_and_reconciled(result):
    council = result.metrics["caseload"]["council/all"]
    assert {"seasonal_naive", "mean_of_last_year", "chosen", "reconciled"} <= set(council)
    assert {"mase", "wape", "bias", "coverage_80", "coverage_95", "width_80", "width_95"} <= set(
        council["reconciled"]
    )
    assert result.decisions["caseload"]["reconciliation"]["method"] in {
        "bottom_up",
        "mint_shrink",
        "wls_struct",
    }
    assert {"backtest", "reconciliation", "intervals", "fit"} <= set(result.stage_seconds)


def test_a_kept_reconciliation_method_is_used_for_its_measure_alone(panel, result):
    chosen = result.decisions["caseload"]["reconciliation"]["method"]
    kept = next(m for m in ("bottom_up", "ols") if m != chosen)
    config = _config(kept_methods={"caseload": kept})

    out = train(panel, build_hierarchy(panel, synthetic_areas(4)), config)

    assert out.decisions["caseload"]["reconciliation"]["method"] == kept
    assert "kept by the configuration" in out.decisions["caseload"]["reconciliation"]["reason"]
    for measure in set(out.decisions) - {"caseload"}:
        assert out.decisions[measure]["reconciliation"] == result.decisions[measure]["reconciliation"]


@pytest.mark.parametrize(
    ("kept", "message"),
    [({"visits": "ols"}, "measure 'visits' is not in the panel"), ({"caseload": "median"}, "'median'")],
)
def test_a_kept_method_for_an_unknown_measure_or_not_compared_is_refused(panel, kept, message):
    with pytest.raises(InputError, match=message):
        train(panel, build_hierarchy(panel, synthetic_areas(4)), _config(kept_methods=kept))


def test_backtest_has_at_least_three_origins_and_a_chosen_column(result):
    assert result.backtest["cutoff"].nunique() >= 3
    assert {"chosen", "reconciled", MEASURE, AREA_LEVEL}.issubset(result.backtest.columns)


def test_horizon_beyond_36_is_refused(panel):
    with pytest.raises(InputError, match="horizon 37"):
        train(panel, build_hierarchy(panel), _config(horizon=37))


@pytest.mark.slow
def test_panel_input_without_hierarchy_files_trains_a_flat_hierarchy(tmp_path, panel):
    file = tmp_path / "panel.csv"
    panel.drop(columns=[CLIENT_GROUP]).assign(**{MONTH: panel[MONTH].dt.strftime("%Y-%m")}).to_csv(
        file, index=False
    )
    data = read_panel_input(file, horizon=3)
    out = train(data.hpanel, build_hierarchy(data.hpanel, data.areas), _config()).forecasts
    assert set(out[AREA_LEVEL]) == {"ward", "council"}
    assert set(out.loc[out[AREA_LEVEL] == "council", AREA]) == {ALL}
    assert (out[CLIENT_GROUP] == ALL).all()


@pytest.mark.slow
def test_quarterly_panel_trains(panel):
    quarterly = panel[panel[MONTH].dt.month.isin([1, 4, 7, 10])].reset_index(drop=True)
    quarterly = quarterly.assign(**{VALUE: quarterly[VALUE] * 3})
    out = train(quarterly, build_hierarchy(quarterly), _config(horizon=2)).forecasts
    assert sorted(out[MONTH].dt.month.unique()) == [1, 4]


def test_backtest_carries_the_reconciled_intervals_held_out_origin_by_origin(result):
    backtest = result.backtest[result.backtest[MEASURE] == "caseload"]
    assert set(INTERVAL_COLUMNS) <= set(backtest.columns)
    assert backtest[list(INTERVAL_COLUMNS)].notna().all().all()
    assert ((backtest["lo_95"] <= backtest["lo_80"]) & (backtest["lo_80"] <= backtest["reconciled"])).all()
    council = backtest[(backtest[AREA_LEVEL] == "council") & (backtest[CLIENT_GROUP] == ALL)]
    council = council[council[SERVICE] == ALL]
    inside = (council["actual"] >= council["lo_80"]) & (council["actual"] <= council["hi_80"])
    reported = result.metrics["caseload"]["council/all"]["reconciled"]
    assert inside.mean() == pytest.approx(reported["coverage_80"])
    # stretched until they cover their nominal share of the held-out origins
    assert reported["coverage_80"] >= 0.80 and reported["coverage_95"] >= 0.95
    assert 0.5 <= reported["widening_80"] <= 3.0


def test_cost_series_carry_their_caseload_and_compete_as_caseload_times_unit_cost(panel):
    cost = panel.assign(**{MEASURE: "cost", VALUE: panel[VALUE] * 250.0})
    both = pd.concat([panel, cost], ignore_index=True)

    series = measure_series(both, build_hierarchy(both, synthetic_areas(4)), "cost")

    council = series["council/all"]
    np.testing.assert_allclose(council[VALUE], council["caseload"] * 250.0)
    many = candidate_names(100, local_max_series=64, prophet_max_series=8, unit_cost=True)
    assert many[-2:] == ["global_gbm", "caseload_x_unit_cost"]
    assert "caseload_x_unit_cost" not in candidate_names(100, local_max_series=64, prophet_max_series=8)


def test_a_chosen_combination_is_fitted_as_the_mean_of_its_members_and_refits_identically(panel):
    candidates = (*BASELINES, "vector_ets")
    result = train(panel, build_hierarchy(panel, synthetic_areas(4)), _config(allowed_models=candidates))
    decisions = result.decisions["caseload"]
    combined = [level for level, name in decisions["chosen_models"].items() if name == "combination"]
    assert combined, "the seeded panel picks the combination somewhere"
    assert all(len(decisions["combinations"][level]) == 3 for level in combined)
    again = pickle.loads(pickle.dumps(result.model)).forecast(3, panel=panel)
    np.testing.assert_allclose(again[MEAN], result.forecasts[MEAN])


def test_training_through_worker_processes_equals_training_in_this_process(panel):
    """The executor path: cost after caseload (replaying its global model), fits beside reconciliation."""
    cost = panel.assign(**{MEASURE: "cost", VALUE: panel[VALUE] * 250.0})
    both = pd.concat([panel, cost], ignore_index=True)
    hierarchy = build_hierarchy(both, synthetic_areas(4))
    config = _config(
        allowed_models=(*BASELINES, "global_gbm", "caseload_x_unit_cost"), local_max_series=8, gbm_max_iter=20
    )

    here = train(both, hierarchy, config)
    workers = train(both, hierarchy, config, executor=ProcessExecutor(n_jobs=2))

    b = here.backtest
    replayed = b[(b[MEASURE] == "cost") & (b[AREA_LEVEL] == "ward") & (b[SERVICE] != ALL)]
    gbm = {"max_iter": config.gbm_max_iter, "learning_rate": config.gbm_learning_rate}
    y = measure_series(both, hierarchy, "cost")["ward/service"]
    h, step = backtest_span("MS", config.horizon)
    models = build_models(["caseload_x_unit_cost"], seed=config.seed, gbm_options=gbm, daily_rate=True)
    refitted = rolling_origin_backtest(y, models, h=h, n_windows=3, step=step).merge(
        y[["unique_id", AREA, CLIENT_GROUP, SERVICE]].drop_duplicates(), on="unique_id"
    )
    keys = [AREA, CLIENT_GROUP, SERVICE, "cutoff", MONTH]
    compared = replayed.merge(refitted, on=keys, suffixes=("", "_refitted"), validate="one_to_one")
    assert len(compared) == len(replayed) == len(refitted)
    np.testing.assert_allclose(compared["caseload_x_unit_cost"], compared["caseload_x_unit_cost_refitted"])
    pd.testing.assert_frame_equal(workers.forecasts, here.forecasts)
    pd.testing.assert_frame_equal(workers.backtest, here.backtest)
    assert workers.decisions == here.decisions


def test_the_bottom_shares_its_gaps_by_the_scales_of_its_whole_history(panel):
    hierarchy = build_hierarchy(panel, synthetic_areas(4))
    by_forecast = train(
        panel, hierarchy, _config(kept_methods={"caseload": "top_down"}, shares_by_scale=False)
    )
    by_scale = train(panel, hierarchy, _config(kept_methods={"caseload": "top_down"}))

    bottom = measure_series(panel, hierarchy, "caseload")[hierarchy.bottom_level].sort_values(
        ["unique_id", MONTH]
    )
    seasonal_change = bottom.groupby("unique_id")[VALUE].diff(12).abs()
    expected = seasonal_change.groupby(bottom["unique_id"]).mean()
    scales = by_scale.model.measures["caseload"].share_scales
    np.testing.assert_allclose(scales.reindex(expected.index), expected.where(expected > 0))
    assert by_forecast.model.measures["caseload"].share_scales is None

    def caseload(out, area_level):
        f = out.forecasts
        return f[(f[MEASURE] == "caseload") & (f[AREA_LEVEL] == area_level)].reset_index(drop=True)

    pd.testing.assert_frame_equal(
        caseload(by_scale, "council")[[MEAN]], caseload(by_forecast, "council")[[MEAN]]
    )
    assert not np.allclose(caseload(by_scale, "ward")[MEAN], caseload(by_forecast, "ward")[MEAN])
    doubled = by_scale.model.refit(panel.assign(**{VALUE: panel[VALUE] * 2}))
    np.testing.assert_allclose(doubled.measures["caseload"].share_scales, 2 * scales)


def _grown(fitted) -> bool:
    """Whether a level's fitted model (a rate per day, or a combination with one) grows beyond a year."""
    if isinstance(fitted, MeanForecaster):
        return any(_grown(member) for _, member in fitted.members_)
    return isinstance(getattr(fitted, "model_", None), GrownBeyondYear)


def test_cost_grows_its_first_year_beyond_it_at_the_few_series_levels_only(panel):
    cost = panel.assign(**{MEASURE: "cost", VALUE: panel[VALUE] * 250.0})
    both = pd.concat([panel, cost], ignore_index=True)
    hierarchy = build_hierarchy(both, synthetic_areas(4))
    config = _config(allowed_models=(*BASELINES, "vector_ets"), local_max_series=8, horizon=15)

    grown = train(both, hierarchy, config).model
    kept = train(both, hierarchy, replace(config, cost_grown_beyond_year=False)).model

    counts = {level: y[SERIES_ID].nunique() for level, y in measure_series(both, hierarchy, "cost").items()}
    models = grown.measures["cost"].models
    fitted = {level: m for level, m in models.items() if not isinstance(m, SeasonalNaive | MeanOfLastYear)}
    few = {level: counts[level] <= 8 for level in fitted}
    assert any(few.values()) and not all(few.values())
    assert {level: _grown(m) for level, m in fitted.items()} == few
    assert not any(_grown(m) for m in grown.measures["caseload"].models.values())
    ours, theirs = grown.base_forecast(15), kept.base_forecast(15)
    later = ours[MONTH] >= ours[MONTH].min() + pd.DateOffset(months=12)
    pd.testing.assert_frame_equal(ours[~later], theirs[~later])
    assert not np.allclose(ours.loc[later, MEAN], theirs.loc[later, MEAN])


def _vector_ets(fitted) -> list[VectorETSForecaster]:
    """The vector ETS forecasters inside a level's fitted model (a combination's members too)."""
    if isinstance(fitted, MeanForecaster):
        return [m for _, member in fitted.members_ for m in _vector_ets(member)]
    inner = getattr(fitted, "model_", None)
    if inner is not None:
        return _vector_ets(inner)
    return [fitted] if isinstance(fitted, VectorETSForecaster) else []


def test_vector_ets_forecasts_means_of_the_starts_and_medians_of_the_other_measures(panel):
    starts = panel.assign(**{MEASURE: "starts", VALUE: np.floor(panel[VALUE] / 20.0)})
    both = pd.concat([panel, starts], ignore_index=True)
    hierarchy = build_hierarchy(both, synthetic_areas(4))
    config = _config(allowed_models=(*BASELINES, "vector_ets"), horizon=12)

    model = train(both, hierarchy, config).model

    back_transforms = {
        measure: {m.back_transform for fitted in fit.models.values() for m in _vector_ets(fitted)}
        for measure, fit in model.measures.items()
    }
    assert back_transforms == {"caseload": {"median"}, "starts": {"mean"}}
