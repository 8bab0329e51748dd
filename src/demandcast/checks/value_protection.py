"""What protecting the inputs costs the forecasts: the data-value versus data-protection curve.

Each protection level turns the true panel into what a modeller outside the council would be
given, the model is retrained and backtested on it, and the backtest is scored against the TRUE
panel on the same windows.

How protected cells enter training (the choice is part of the answer):
- Publishing rules (NHS 1-7/5, ONS 10-5) go through `protect_table`, with the council total of
  each (client_group, service, month) treated as published, so secondary suppression applies.
  Published counts enter as rounded. A withheld cell gets an equal share of what its council
  total leaves after the published cells (never below 0): the modeller knows that much.
- Costs are magnitudes: a ward cost cell is withheld where its caseload covers fewer people than
  the rule's threshold (or by secondary suppression), and imputed the same way.
- Differential privacy releases the count measures with discrete Laplace noise at the scale
  OpenDP calibrates for the declared epsilon and the declared bound on the cells one person
  touches (`contribution_bound`), clamped at 0. For a reproducible curve the noise is drawn from
  a seeded generator (OpenDP's own cannot be seeded). Cost, which has no per-person bound, is
  rebuilt as noisy caseload x the council cost per person of that service and month (council
  totals are published outside the release; their privacy loss is not part of the epsilon).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from demandcast.checks.differential_privacy import dp_release
from demandcast.checks.disclosure import DisclosureRule, protect_table, rule_named
from demandcast.checks.fairness import fairness_report
from demandcast.checks.ward_groups import IMD_QUINTILE
from demandcast.columns import (
    ACTUAL,
    AREA,
    AREA_LEVEL,
    CASELOAD,
    CLIENT_GROUP,
    COST,
    COUNT_MEASURES,
    END_DATE,
    HIERARCHICAL_PANEL_COLUMNS,
    MEASURE,
    MONTH,
    PERSON_ID,
    SERIES_ID,
    SERVICE,
    START_DATE,
    VALUE,
    WARD_CODE,
)
from demandcast.errors import InputError
from demandcast.models.base import infer_freq
from demandcast.models.hierarchy import Hierarchy, aggregate, node_ids
from demandcast.models.scoring import level_scores
from demandcast.models.selection import RECONCILED
from demandcast.models.training import TrainConfig, train

PROTECTION = "protection"
EXACT, ROUNDED, WITHHELD, NOISED, DERIVED = "exact", "rounded", "withheld", "noised", "derived"
DEFAULT_EPSILONS: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)
WARD_BOTTOM, COUNCIL_TOTAL = "ward/service", "council/all"
_CELL_KEYS = (CLIENT_GROUP, SERVICE, MONTH)


@dataclass(frozen=True)
class ProtectionLevel:
    """One way of protecting the panel: nothing, a publishing rule, or a DP release."""

    name: str
    rule: DisclosureRule | None = None
    epsilon: float | None = None
    contributions_per_person: int | None = None


def protection_levels(
    contributions_per_person: int,
    epsilons: Sequence[float] = DEFAULT_EPSILONS,
    rules: Sequence[str] = ("nhs", "ons_10_5"),
) -> list[ProtectionLevel]:
    """None, each publishing rule, then DP at each epsilon with the declared contribution bound."""
    levels = [ProtectionLevel("none")]
    levels += [ProtectionLevel(rule_named(r).name, rule=rule_named(r)) for r in rules]
    levels += [ProtectionLevel(f"dp_eps_{e:g}", epsilon=e, contributions_per_person=contributions_per_person)
               for e in epsilons]
    return levels


def contribution_bound(records: pd.DataFrame, months: pd.DatetimeIndex) -> int:
    """The most count cells of the panel one person changes: caseload cells plus starts.

    Args:
        records: person_id, ward_code, client_group, service, start_date, end_date (NaT: open).
        months: the panel's months (first days).
    """
    first, last = months.min(), months.max()
    starts = records[START_DATE].dt.to_period("M").dt.to_timestamp()
    ends = records[END_DATE].fillna(last + pd.offsets.MonthEnd(0)).dt.to_period("M").dt.to_timestamp()
    lo, hi = _month_index(starts.clip(lower=first), first), _month_index(ends.clip(upper=last), first)
    span = np.maximum(hi - lo + 1, 0)
    rows = np.repeat(np.arange(len(records)), span)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(span) - span, span)
    cells = records.iloc[rows][[PERSON_ID, WARD_CODE, CLIENT_GROUP, SERVICE]].assign(m=lo[rows] + offsets)
    caseload_cells = cells.drop_duplicates().groupby(PERSON_ID).size()
    in_window = (starts >= first) & (starts <= last)
    starts_per_person = records[in_window].groupby(PERSON_ID).size()
    total = caseload_cells.add(starts_per_person, fill_value=0)
    return int(total.max()) if len(total) else 1


def protect_panel(
    panel: pd.DataFrame, level: ProtectionLevel, *, seed: int = 0
) -> tuple[pd.DataFrame, float]:
    """The panel a model would be trained on under `level`, and the share of cells altered.

    Args:
        panel: columns area, client_group, service, month, measure, value (the hpanel contract),
            with measures caseload, starts and cost.
        level: the protection level.
        seed: seeds the DP noise.

    Returns:
        (the panel with training `value`s and a `protection` column saying what happened to each
        cell: exact, rounded, withheld (then imputed), noised or derived; the share of cells whose
        value was withheld or differs from the truth).
    """
    if level.rule is not None:
        protected = _rule_protected(panel, level.rule)
    elif level.epsilon is not None:
        protected = _dp_protected(panel, level, seed)
    else:
        protected = panel.assign(**{PROTECTION: EXACT})
    changed = (protected[PROTECTION] == WITHHELD) | (protected[VALUE].to_numpy() != panel[VALUE].to_numpy())
    return protected, float(changed.mean())


def _month_index(months: pd.Series, first: pd.Timestamp) -> np.ndarray:
    return ((months.dt.year - first.year) * 12 + months.dt.month - first.month).to_numpy()


def _wide(panel: pd.DataFrame) -> pd.DataFrame:
    keys = [AREA, *_CELL_KEYS]
    return panel.pivot_table(index=keys, columns=MEASURE, values=VALUE, aggfunc="sum").reset_index()


def _long(wide: pd.DataFrame, panel: pd.DataFrame, statuses: dict[str, pd.Series]) -> pd.DataFrame:
    """Wide training values and statuses back in the panel's row order."""
    keys = [AREA, *_CELL_KEYS]
    measures = list(statuses)
    values = wide.melt(id_vars=keys, value_vars=measures, var_name=MEASURE, value_name=VALUE)
    status = wide[keys].assign(**statuses).melt(id_vars=keys, var_name=MEASURE, value_name=PROTECTION)
    joined = panel.drop(columns=[VALUE]).merge(values, on=[*keys, MEASURE], how="left")
    return joined.merge(status, on=[*keys, MEASURE], how="left")


def _rule_protected(panel: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    wide = _wide(panel)
    counts, costs = _measures_in(wide)
    table = protect_table(wide, rule=rule, count_columns=counts, cost_columns=costs,
                          people_column=CASELOAD if costs else None, totals=[_CELL_KEYS]).frame
    statuses, imputed = {}, wide.copy()
    for measure in (*counts, *costs):
        hidden = table[measure].isna().to_numpy()
        exact = table[measure].to_numpy() == wide[measure].to_numpy()
        statuses[measure] = np.where(hidden, WITHHELD, np.where(exact, EXACT, ROUNDED))
        imputed[measure] = _shared_remainder(wide, table[measure], measure)
    return _long(imputed, panel, statuses)


def _measures_in(wide: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The count measures present, and cost when present (it needs caseload: the people it covers)."""
    counts = [m for m in COUNT_MEASURES if m in wide.columns]
    if COST in wide.columns and CASELOAD not in wide.columns:
        raise InputError("value protection: the cost measure needs caseload (the people each cost covers)")
    return counts, [COST] if COST in wide.columns else []


def _shared_remainder(wide: pd.DataFrame, published: pd.Series, measure: str) -> np.ndarray:
    """Withheld cells get an equal share of their council total minus its published cells."""
    keys = [wide[k] for k in _CELL_KEYS]
    total = wide[measure].groupby(keys).transform("sum")
    shown = published.groupby(keys).transform("sum")
    n_hidden = published.isna().groupby(keys).transform("sum")
    share = ((total - shown).clip(lower=0) / n_hidden.where(n_hidden > 0)).fillna(0.0)
    return published.fillna(share).to_numpy(dtype=float)


def _dp_protected(panel: pd.DataFrame, level: ProtectionLevel, seed: int) -> pd.DataFrame:
    scale = dp_noise_scale(panel, level)
    rng = np.random.default_rng(seed)
    wide = _wide(panel)
    noised = wide.copy()
    counts, costs = _measures_in(wide)
    for measure in counts:
        noisy = wide[measure].round().to_numpy() + discrete_laplace(rng, scale, len(wide))
        noised[measure] = np.maximum(noisy, 0).astype(float)
    if costs:
        keys = [wide[k] for k in _CELL_KEYS]
        people = wide[CASELOAD].groupby(keys).transform("sum")
        per_person = (wide[COST].groupby(keys).transform("sum") / people.where(people > 0)).fillna(0.0)
        noised[COST] = noised[CASELOAD] * per_person
    statuses = {**dict.fromkeys(counts, NOISED), **dict.fromkeys(costs, DERIVED)}
    return _long(noised, panel, {m: np.full(len(wide), s, dtype=object) for m, s in statuses.items()})


def dp_noise_scale(panel: pd.DataFrame, level: ProtectionLevel) -> float:
    """The Laplace scale OpenDP calibrates for the level's epsilon and contribution bound."""
    if level.epsilon is None or level.contributions_per_person is None:
        raise InputError(f"protection level {level.name!r}: DP needs an epsilon and a contribution bound")
    one_cell = panel[panel[MEASURE].isin(list(COUNT_MEASURES))].head(1)
    _, info = dp_release(one_cell, level.epsilon, contributions_per_person=level.contributions_per_person)
    return float(cast(float, info["scale"]))


def discrete_laplace(rng: np.random.Generator, scale: float, size: int) -> np.ndarray:
    """Seeded discrete Laplace noise (the difference of two geometric draws) with this scale."""
    p = 1.0 - math.exp(-1.0 / scale)
    return rng.geometric(p, size) - rng.geometric(p, size)


def privacy_value_curve(
    panel: pd.DataFrame,
    hierarchy: Hierarchy,
    config: TrainConfig,
    levels: Sequence[ProtectionLevel],
    *,
    groups: pd.DataFrame,
    seed: int = 0,
    executor: object = None,
) -> pd.DataFrame:
    """Retrain and backtest under each protection level; score every backtest against the truth.

    Args:
        panel: the true hpanel (area, client_group, service, month, measure, value).
        hierarchy: its hierarchy (`build_hierarchy`).
        config: training parameters, used unchanged at every level.
        levels: protection levels, the first normally `none` (the changes are taken against it).
        groups: `area` and `imd_quintile` per ward (`ward_groups`).
        seed: seeds the DP noise and the fairness bootstrap.
        executor: passed to `train`.

    Returns:
        One row per level and measure: level, epsilon, contributions_per_person, noise_scale,
        cells_withheld_share, cells_altered_share, ward_mase, ward_wape, council_mase,
        council_wape, wape_imd_1..5, bias_imd_1..5, train_seconds, and `<metric>_change` for the
        four accuracy metrics against the first level.
    """
    truth = _truth(panel, hierarchy)
    freq = infer_freq(panel[MONTH])
    rows = []
    for level in levels:
        protected, _ = protect_panel(panel, level, seed=seed)
        start = time.perf_counter()
        result = train(protected[list(HIERARCHICAL_PANEL_COLUMNS)], hierarchy, config, executor)
        scores = backtest_scores(result.backtest, truth, groups, freq, seed=seed)
        shares = cell_shares(panel, protected)
        scores = scores.merge(shares, on=MEASURE, how="left")
        rows.append(scores.assign(train_seconds=time.perf_counter() - start, **_level_columns(level, panel)))
    return _with_changes(pd.concat(rows, ignore_index=True))


def cell_shares(panel: pd.DataFrame, protected: pd.DataFrame) -> pd.DataFrame:
    """Per measure: the share of ward-month cells withheld, and withheld or changed."""
    withheld = protected[PROTECTION] == WITHHELD
    changed = withheld | (protected[VALUE].to_numpy() != panel[VALUE].to_numpy())
    frame = pd.DataFrame({MEASURE: panel[MEASURE].to_numpy(), "cells_withheld_share": withheld.to_numpy(),
                          "cells_altered_share": changed.to_numpy()})
    return frame.groupby(MEASURE, as_index=False).mean()


def backtest_scores(
    backtest: pd.DataFrame, truth: pd.DataFrame, groups: pd.DataFrame, freq: str, *, seed: int = 0
) -> pd.DataFrame:
    """Per measure: MASE and WAPE of the reconciled forecasts at ward and council level, and WAPE
    and signed bias per IMD quintile, all against the true values of the same windows.

    Args:
        backtest: `train`'s backtest (area_level, area, client_group, service, cutoff, month,
            measure, reconciled).
        truth: the true panel at every node (`_truth`).
        groups: `area` and `imd_quintile` per ward.
    """
    keys = [AREA_LEVEL, AREA, CLIENT_GROUP, SERVICE, MEASURE, MONTH]
    actual = truth[[*keys, "level", SERIES_ID, VALUE]].rename(columns={VALUE: ACTUAL})
    scored = backtest.drop(columns=[ACTUAL]).merge(actual, on=keys, how="inner")
    rows = []
    for measure, frame in scored.groupby(MEASURE, sort=True):
        row = {MEASURE: measure}
        for name, level in (("ward", WARD_BOTTOM), ("council", COUNCIL_TOTAL)):
            history = truth[(truth["level"] == level) & (truth[MEASURE] == measure)]
            at_level = frame[frame["level"] == level]
            score = level_scores(at_level, history, [RECONCILED], freq).loc[RECONCILED]
            row[f"{name}_mase"], row[f"{name}_wape"] = float(score["mase"]), float(score["wape"])
        rows.append(row)
    return pd.DataFrame(rows).merge(_quintile_scores(scored, groups, seed), on=MEASURE, how="left")


def _quintile_scores(scored: pd.DataFrame, groups: pd.DataFrame, seed: int) -> pd.DataFrame:
    report = fairness_report(scored, groups, model_column=RECONCILED, groupings=(IMD_QUINTILE,),
                             n_boot=20, seed=seed)
    table = report.table
    wide = table.pivot(index=MEASURE, columns="group", values=["wape", "bias"])
    wide.columns = [f"{metric}_imd_{int(group)}" for metric, group in wide.columns]
    return wide.reset_index()


def _truth(panel: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    truth = aggregate(panel, hierarchy)
    truth[SERIES_ID] = node_ids(truth)
    return truth


def _level_columns(level: ProtectionLevel, panel: pd.DataFrame) -> dict[str, object]:
    scale = dp_noise_scale(panel, level) if level.epsilon is not None else float("nan")
    return {
        "level": level.name,
        "epsilon": level.epsilon if level.epsilon is not None else float("nan"),
        "contributions_per_person": level.contributions_per_person or 0,
        "noise_scale": scale,
    }


def _with_changes(table: pd.DataFrame) -> pd.DataFrame:
    first = table.groupby(MEASURE).head(1).set_index(MEASURE)
    metrics = ["ward_mase", "ward_wape", "council_mase", "council_wape"]
    changes = {f"{m}_change": table[m] - table[MEASURE].map(first[m]) for m in metrics}
    front = ["level", MEASURE, "epsilon", "contributions_per_person", "noise_scale",
             "cells_withheld_share", "cells_altered_share"]
    table = table.assign(**changes)
    return table[front + [c for c in table.columns if c not in front]]
