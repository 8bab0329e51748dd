"""Small markdown writers for reports: tables, bullet lists and number formats.

Missing values (None, NaN, NA) print as "not available".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

NOT_AVAILABLE = "not available"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A pipe table; cells print with `str`, pipes inside cells escaped."""

    def line(cells: Sequence[Any]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(headers), line(["---"] * len(headers)), *(line(row) for row in rows)])


def key_value_table(values: Mapping[str, Any]) -> str:
    """A two-column table of `values`, or "not available" when there are none."""
    if not values:
        return NOT_AVAILABLE
    return markdown_table(["item", "value"], [[key, plain(item)] for key, item in values.items()])


def bullet_list(heading: str, items: Sequence[str]) -> str:
    """A heading followed by one bullet per item."""
    return heading + "\n\n" + "\n".join(f"- {item}" for item in items)


def nested_bullet_list(values: Mapping[str, Any], depth: int = 0) -> str:
    """Bullets for key/value pairs; a nested mapping becomes an indented list."""
    lines = []
    indent = "  " * depth
    for key, item in values.items():
        if isinstance(item, Mapping):
            lines.extend([f"{indent}- {key}:", nested_bullet_list(item, depth + 1)])
        else:
            lines.append(f"{indent}- {key}: {plain(item)}")
    return "\n".join(lines)


def is_missing(item: Any) -> bool:
    """True for None, NaN and pandas NA."""
    return item is None or item is pd.NA or (isinstance(item, float) and math.isnan(item))


def percent(item: Any) -> str:
    """A rate as a percentage with one decimal: 0.1234 -> 12.3%."""
    return NOT_AVAILABLE if is_missing(item) else f"{float(item):.1%}"


def number(item: Any) -> str:
    """A number with two decimals."""
    return NOT_AVAILABLE if is_missing(item) else f"{float(item):.2f}"


def plain(item: Any) -> str:
    """A value as text: whole floats without decimals, sequences comma-separated."""
    if is_missing(item):
        return NOT_AVAILABLE
    if isinstance(item, float):
        return str(int(item)) if item.is_integer() else number(item)
    if isinstance(item, list | tuple):
        return ", ".join(str(v) for v in item)
    return str(item)
