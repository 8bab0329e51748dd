"""Statistical disclosure control: the one function that guards every published table.

Counts below council level follow a publishing rule (default NHS England: 0 stays 0, 1-7
suppressed, the rest rounded to the nearest 5; also DfE: 1-5 shown as 'c'; ONS 10-5: under 10
suppressed, the rest rounded to 5). Cost cells are magnitudes: they are suppressed when they
cover fewer people than the rule's threshold or when the largest package dominates the cell.
Then secondary suppression (`demandcast.checks.suppression`) makes sure no suppressed cell can
be recovered from the totals published with the table.

Suppressed cells are NaN; a `<column>_status` column says what happened to each cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demandcast import columns as c
from demandcast.checks.suppression import complementary_suppression, group_ids, row_group_ids
from demandcast.errors import InputError

ZERO, EXACT, ROUNDED, MISSING = "zero", "exact", "rounded", "missing"
SUPPRESSED_PRIMARY = "suppressed_primary"
SUPPRESSED_SECONDARY = "suppressed_secondary"
SUPPRESSED_FEW_PEOPLE = "suppressed_few_people"
SUPPRESSED_DOMINANCE = "suppressed_dominance"
STATUSES: tuple[str, ...] = (ZERO, EXACT, ROUNDED, MISSING, SUPPRESSED_PRIMARY, SUPPRESSED_SECONDARY,
                             SUPPRESSED_FEW_PEOPLE, SUPPRESSED_DOMINANCE)
STATUS_SUFFIX = "_status"


def _round_half_up(values, base: int):
    return np.floor(np.asarray(values, dtype=float) / base + 0.5) * base


@dataclass(frozen=True)
class DisclosureRule:
    """A publishing rule for counts: which small counts are hidden and how the rest are rounded."""

    name: str
    suppress_up_to: int
    """Non-zero counts up to this value are suppressed (after rounding a fractional value to whole)."""
    round_to: int | None
    """Published counts are rounded to a multiple of this (half up); None publishes them exactly."""
    symbol: str = "c"
    """Shown in place of a suppressed cell in display tables."""
    zero_is_safe: bool = True
    """Whether a true zero is published as 0 (otherwise it is suppressed like a small count)."""

    def __post_init__(self) -> None:
        if self.round_to is not None and _round_half_up(self.suppress_up_to + 0.5, self.round_to) <= (
            self.suppress_up_to
        ):
            raise ValueError(
                f"rule {self.name!r}: rounding to {self.round_to} would publish suppressed counts"
            )

    @property
    def threshold(self) -> int:
        """The smallest count published: also the fewest people a cost cell may cover."""
        return self.suppress_up_to + 1


NHS = DisclosureRule("nhs", suppress_up_to=7, round_to=5, symbol="*")
DFE = DisclosureRule("dfe", suppress_up_to=5, round_to=None, symbol="c")
ONS_10_5 = DisclosureRule("ons_10_5", suppress_up_to=9, round_to=5, symbol="c")
RULES: dict[str, DisclosureRule] = {rule.name: rule for rule in (NHS, DFE, ONS_10_5)}


def rule_named(name: str | DisclosureRule) -> DisclosureRule:
    """The publishing rule called `name` ('nhs', 'dfe', 'ons_10_5'); a rule passes through."""
    if isinstance(name, DisclosureRule):
        return name
    if name not in RULES:
        raise InputError(f"disclosure rule {name!r}: unknown; choose one of {sorted(RULES)}")
    return RULES[name]


@dataclass(frozen=True)
class ProtectedTable:
    """A table fit to publish, and the counts of what was withheld or altered."""

    frame: pd.DataFrame
    report: dict[str, object] = field(default_factory=dict)
    rule: DisclosureRule = NHS

    def display(self) -> pd.DataFrame:
        """The table as text, with the rule's symbol in suppressed cells and no status columns."""
        statuses = [column for column in self.frame.columns if column.endswith(STATUS_SUFFIX)]
        shown = self.frame.drop(columns=statuses)
        for status in statuses:
            column = status.removesuffix(STATUS_SUFFIX)
            hidden = self.frame[status].str.startswith("suppressed")
            text = shown[column].map(lambda value: "" if pd.isna(value) else f"{value:g}")
            shown[column] = text.where(~hidden, self.rule.symbol)
        return shown


def protect_table(
    table: pd.DataFrame,
    *,
    rule: DisclosureRule | str = NHS,
    count_columns: Sequence[str] = (c.VALUE,),
    cost_columns: Sequence[str] = (),
    people_column: str | None = None,
    max_contributor_column: str | None = None,
    dominance_share: float = 0.5,
    totals: Sequence[Sequence[str]] = (),
    row_totals: bool = False,
) -> ProtectedTable:
    """The table with its counts and costs protected for publication.

    Args:
        table: one row per published cell group; key columns plus the value columns below.
        rule: the publishing rule for counts (or its name).
        count_columns: counts of people or events.
        cost_columns: money amounts; need `people_column`, and `max_contributor_column` for the
            dominance check.
        people_column: the number of people each row's costs cover (raw); dropped from the output
            unless it is also a count column.
        max_contributor_column: the largest single package in each row's cost; always dropped.
        dominance_share: a cost cell whose largest package is over this share of it is suppressed.
        totals: the totals published (or derivable) with the table, each as the key columns that
            define it: ``(ward_code,)`` means a total per ward over the other keys, ``()`` the
            grand total of each value column.
        row_totals: whether each row's total across `count_columns` is published.

    Returns:
        A ProtectedTable: NaN in suppressed cells, a `<column>_status` per value column, and a
        report counting cells by status.
    """
    rule = rule_named(rule)
    _check_table(table, count_columns, cost_columns, people_column, max_contributor_column, totals)
    families = [list(keys) for keys in totals]
    count_block = _protected_counts(table, count_columns, rule, families, row_totals)
    cost_block = _protected_costs(table, cost_columns, rule, families, people_column,
                                  max_contributor_column, dominance_share)
    helpers = [name for name in (people_column, max_contributor_column) if name and name not in count_columns]
    frame = table.drop(columns=helpers).assign(**count_block.values, **cost_block.values)
    frame = frame.assign(**{f"{name}{STATUS_SUFFIX}": status for name, status in {
        **count_block.statuses, **cost_block.statuses}.items()})
    report = _report(rule, frame, [*count_columns, *cost_columns],
                     count_block.n_exposing_totals + cost_block.n_exposing_totals)
    return ProtectedTable(frame, report, rule)


def protected_counts(values: pd.Series | np.ndarray, rule: DisclosureRule | str = NHS) -> np.ndarray:
    """Counts after the rule alone (no secondary suppression): NaN when suppressed, else rounded."""
    rule = rule_named(rule)
    numbers = np.asarray(values, dtype=float)
    statuses = _count_statuses(numbers, rule)
    return np.where(np.char.startswith(statuses.astype(str), "suppressed"), np.nan, _published(numbers, rule))


@dataclass(frozen=True)
class _Block:
    values: dict[str, np.ndarray]
    statuses: dict[str, np.ndarray]
    n_exposing_totals: int


def _protected_counts(table, count_columns, rule, families, row_totals) -> _Block:
    if not count_columns:
        return _Block({}, {}, 0)
    raw = table[list(count_columns)].to_numpy(dtype=float)
    statuses = np.stack([_count_statuses(raw[:, j], rule) for j in range(raw.shape[1])], axis=1)
    published = _published(raw, rule)
    groups = [group_ids(table, keys, len(count_columns)) for keys in families]
    if row_totals:
        groups.append(row_group_ids(len(table), len(count_columns)))
    return _with_complements(raw, published, statuses, count_columns, groups)


def _protected_costs(table, cost_columns, rule, families, people_column, max_column, share) -> _Block:
    if not cost_columns:
        return _Block({}, {}, 0)
    raw = table[list(cost_columns)].to_numpy(dtype=float)
    people = table[people_column].to_numpy(dtype=float)[:, None]
    largest = table[max_column].to_numpy(dtype=float)[:, None] if max_column else np.zeros_like(people)
    statuses = np.full(raw.shape, EXACT, dtype=object)
    statuses[raw == 0] = ZERO
    statuses[(raw != 0) & (largest > share * np.abs(raw))] = SUPPRESSED_DOMINANCE
    statuses[(raw != 0) & ~(people >= rule.threshold)] = SUPPRESSED_FEW_PEOPLE
    statuses[np.isnan(raw)] = MISSING
    groups = [group_ids(table, keys, len(cost_columns)) for keys in families]
    return _with_complements(raw, raw, statuses, cost_columns, groups)


def _with_complements(raw, published, statuses, names, groups) -> _Block:
    primary = np.char.startswith(statuses.astype(str), "suppressed").ravel()
    complements = complementary_suppression(raw.ravel(), primary, groups)
    flat = statuses.ravel().copy()
    flat[complements.hidden] = SUPPRESSED_SECONDARY
    final = flat.reshape(statuses.shape)
    hidden = np.char.startswith(final.astype(str), "suppressed")
    shown = np.where(hidden, np.nan, published)
    values = {name: shown[:, j] for j, name in enumerate(names)}
    status_columns = {name: pd.array(final[:, j], dtype="str") for j, name in enumerate(names)}
    return _Block(values, status_columns, complements.n_exposing_totals)


def _count_statuses(values: np.ndarray, rule: DisclosureRule) -> np.ndarray:
    statuses = np.full(values.shape, EXACT if rule.round_to is None else ROUNDED, dtype=object)
    small = np.abs(values) < rule.suppress_up_to + 0.5
    statuses[small] = SUPPRESSED_PRIMARY
    statuses[(values == 0) & rule.zero_is_safe] = ZERO
    statuses[np.isnan(values)] = MISSING
    return statuses


def _published(values: np.ndarray, rule: DisclosureRule) -> np.ndarray:
    return values if rule.round_to is None else _round_half_up(values, rule.round_to)


def _report(rule, frame, value_columns, n_exposing_totals) -> dict[str, object]:
    statuses = pd.concat([frame[f"{name}{STATUS_SUFFIX}"] for name in value_columns], ignore_index=True)
    counts = statuses.value_counts()
    n_cells = int(len(statuses))
    n_suppressed = int(counts[counts.index.str.startswith("suppressed")].sum())
    return {
        "rule": rule.name,
        "n_cells": n_cells,
        "cells_by_status": {status: int(counts.get(status, 0)) for status in STATUSES},
        "n_suppressed": n_suppressed,
        "share_suppressed": n_suppressed / n_cells if n_cells else 0.0,
        "n_exposing_totals": n_exposing_totals,
    }


def _check_table(table, count_columns, cost_columns, people_column, max_column, totals) -> None:
    needed = [*count_columns, *cost_columns, *(name for keys in totals for name in keys)]
    if cost_columns and people_column is None:
        raise InputError("protect_table: cost columns need people_column (how many people each cost covers)")
    needed += [name for name in (people_column, max_column) if name]
    missing = sorted({name for name in needed if name not in table.columns})
    if missing:
        raise InputError(f"protect_table: column(s) {missing} not found; columns are {list(table.columns)}")
