"""The model card: a markdown record shaped like the UK Algorithmic Transparency Recording Standard.

Tier 1 is a short public summary; tier 2 gives owner, purpose, data, features, models, performance
by level, fairness by group, privacy measures, risks and human oversight. Every table comes from
the results passed in; a part that is missing reads "not available" instead of failing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from demandcast.checks.markdown import (
    NOT_AVAILABLE,
    bullet_list,
    is_missing,
    key_value_table,
    markdown_table,
    nested_bullet_list,
    number,
    percent,
)

_RATES = ("wape", "bias", "coverage_80", "coverage_95")
_PERFORMANCE_COLUMNS = ("mase", "wape", "bias", "coverage_80", "coverage_95", "width_80")
_LIMITATIONS = (
    "Historical demand records council practice as well as need: thresholds, referral routes, "
    "provider supply and past budget decisions shape the series, so a forecast extends past "
    "practice and can carry its inequities forward.",
    "Children in deprived areas are far more likely to be in care, yet for similar neighbourhoods "
    "less-deprived councils intervene more; a forecast cannot tell unmet need from absent need.",
    "Small wards have small counts: ward-level forecasts are noisy and their intervals wide; "
    "published ward figures follow the disclosure-control rule.",
    "Breaks in policy, provider markets, ward boundaries or recording systems are not in the "
    "history and will not be forecast.",
    "Costs are driven by a few expensive packages; a single placement can move a ward's cost.",
)
_OVERSIGHT = (
    "Forecasts inform planning and budget setting; they never decide support for any person.",
    "Analysts review each new model version: backtest accuracy by level, the fairness gates and "
    "this card. A challenger that fails a fairness gate is registered but not promoted.",
    "Forecasts should be compared with outturn as each month closes, and large misses "
    "investigated by the owning team before the next budget round.",
)


@dataclass(frozen=True)
class CardDetails:
    """The record's descriptive fields, set by the council that runs the model."""

    name: str = "demandcast: ward-level social-care demand and cost forecasts"
    organisation: str = "the council"
    contact: str = "<contact email or team to be set by the council>"
    owner: str = "<owning team and senior responsible owner to be set by the council>"
    version: str = NOT_AVAILABLE
    description: str = (
        "Monthly forecasts, for each ward, of how many children and adults will be receiving each "
        "kind of social-care service, how many new packages or placements will start, and what "
        "they will cost, with 80% and 95% intervals. The forecasts are made from aggregated "
        "monthly counts per ward and service, never from records about individual people."
    )
    usage: str = (
        "Used by finance and commissioning teams to plan budgets and provider capacity by area and "
        "service. The forecasts support planning; they are not used to make decisions about any "
        "individual or household."
    )


def model_card(
    *,
    metrics: Mapping[str, Any] | None,
    fairness: Any,
    gates: Any,
    privacy: Mapping[str, Any] | None,
    config: Any,
    data_summary: Mapping[str, Any] | None,
    details: CardDetails | None = None,
    proxies: pd.DataFrame | None = None,
) -> str:
    """The model card as markdown.

    Args:
        metrics: measure -> level -> model -> {mase, wape, bias, coverage_80, coverage_95, ...}.
        fairness: a `FairnessReport`, its table, or its `to_dict()` form.
        gates: a `GateResult` or its `to_dict()` form.
        privacy: the privacy measures and checks, as (possibly nested) key/value pairs.
        config: the training configuration, a dataclass or a mapping.
        data_summary: facts about the panel: period_start, period_end, n_wards, n_series,
            measures, features, ... (any keys; shown as given).
        details: the descriptive fields; defaults with placeholders.
        proxies: an optional proxy-audit table (see `proxy_audit`).
    """
    details = details or CardDetails()
    sections = [
        f"# Algorithmic transparency record: {details.name}",
        _tier_1(details),
        "## Tier 2: detailed information",
        _owner(details),
        _purpose(),
        _data(data_summary),
        _features(data_summary, proxies),
        _models(config),
        _performance(metrics),
        _fairness(fairness, gates),
        _privacy(privacy),
        bullet_list("### Risks and limitations", _LIMITATIONS),
        bullet_list("### Human oversight", _OVERSIGHT),
    ]
    return "\n\n".join(sections) + "\n"


def _tier_1(details: CardDetails) -> str:
    return "\n\n".join(
        [
            "## Tier 1: summary",
            f"**Name**: {details.name}",
            f"**Version**: {details.version}",
            f"**Description**: {details.description}",
            f"**How it is used**: {details.usage}",
            f"**Contact**: {details.contact}",
        ]
    )


def _owner(details: CardDetails) -> str:
    return (
        "### Owner and responsibility\n\n"
        f"Owned by {details.organisation}: {details.owner}. Contact: {details.contact}."
    )


def _purpose() -> str:
    return (
        "### Purpose and scope\n\n"
        "To forecast demand for and cost of adult and children's social care by ward, district and "
        "council, so that money and capacity follow expected need. In scope: aggregate monthly "
        "caseload, starts and cost per ward and service. Out of scope: any prediction about a "
        "person, eligibility or risk scoring, and allocation of individual support."
    )


def _data(data_summary: Mapping[str, Any] | None) -> str:
    summary = dict(data_summary or {})
    period = f"{summary.get('period_start', NOT_AVAILABLE)} to {summary.get('period_end', NOT_AVAILABLE)}"
    text = (
        "### Data\n\n"
        "An aggregated ward panel: monthly caseload, starts and cost per ward, client group and "
        f"service, for {period}. No person-level data enters the model or its artifacts; person "
        "records are aggregated (and identifiers pseudonymised) before training."
    )
    facts = {k: v for k, v in summary.items() if k not in ("period_start", "period_end", "features")}
    return text + "\n\n" + key_value_table(facts)


def _features(data_summary: Mapping[str, Any] | None, proxies: pd.DataFrame | None) -> str:
    features = (data_summary or {}).get("features")
    listed = ", ".join(f"`{f}`" for f in features) if features else NOT_AVAILABLE
    text = (
        "### Features\n\n"
        f"Model inputs: {listed}.\n\n"
        "Protected characteristics (sex, ethnicity, religion, disability and the like) are never "
        "features; ward ethnic composition is used only to evaluate fairness. A proxy audit "
        "measures how well the inputs predict each ward's minority-ethnic share and deprivation."
    )
    return text + "\n\n" + _proxy_table(proxies)


def _proxy_table(proxies: pd.DataFrame | None) -> str:
    if proxies is None or len(proxies) == 0:
        return f"Proxy audit: {NOT_AVAILABLE}."
    strongest = proxies.sort_values(["target", "rank"]).groupby("target", sort=True).head(3)
    rows = [
        [
            r["target"],
            int(r["rank"]),
            r["feature"],
            number(r["correlation"]),
            number(r["r2_linear"]),
            number(r["r2_forest"]),
        ]
        for _, r in strongest.iterrows()
    ]
    headers = ["target", "rank", "feature", "correlation", "R² linear (CV)", "R² forest (CV)"]
    return "Strongest proxies:\n\n" + markdown_table(headers, rows)


def _models(config: Any) -> str:
    is_instance = dataclasses.is_dataclass(config) and not isinstance(config, type)
    settings = dataclasses.asdict(config) if is_instance else dict(config or {})
    return (
        "### Models and selection\n\n"
        "Candidate models are compared on a rolling-origin backtest (accuracy below); the simple "
        "baselines (seasonal naive, mean of last year) are the bar, chosen only where no fitted model "
        "runs. The chosen forecasts are reconciled so that wards add up to districts and the council, "
        "and their intervals are calibrated on backtest errors, wider where those errors are few "
        "independent draws (one council total's over three origins), and beyond the backtest's year "
        "they keep widening as those errors did. Cost models forecast the spend per day and multiply "
        "back each month's days. Trained on person-level records, the council caseload by service is also "
        "forecast from them (the current clients' likely paths plus new demand); where that forecast "
        "is chosen, the council client groups and total are its sums and their intervals, within the "
        "backtest's year, the spread the records predict (current clients leaving, new demand "
        "arriving, and the error of both estimates); beyond that year, and elsewhere, those "
        "intervals are no narrower than that spread.\n\n"
        "Configuration:\n\n" + key_value_table(settings)
    )


def _performance(metrics: Mapping[str, Any] | None) -> str:
    rows = [
        [measure, level, model, *(_metric_cell(name, scores.get(name)) for name in _PERFORMANCE_COLUMNS)]
        for measure, levels in (metrics or {}).items()
        for level, models in levels.items()
        for model, scores in models.items()
    ]
    headers = [
        "measure",
        "level",
        "model",
        "MASE",
        "WAPE",
        "bias",
        "80% coverage",
        "95% coverage",
        "80% width",
    ]
    body = markdown_table(headers, rows) if rows else NOT_AVAILABLE
    return "### Performance by level\n\nRolling-origin backtest.\n\n" + body


def _fairness(fairness: Any, gates: Any) -> str:
    table = _fairness_table(fairness)
    if table is None or table.empty:
        body = NOT_AVAILABLE
    else:
        rows = [_fairness_row(r) for _, r in table.iterrows()]
        headers = [
            "grouping",
            "group",
            "measure",
            "status",
            "wards",
            "WAPE",
            "bias",
            "80% coverage",
            "95% coverage",
        ]
        body = markdown_table(headers, rows)
    intro = (
        "### Fairness by group\n\n"
        "Backtest accuracy by ward group (IMD quintile 1 = most deprived; minority-share quintile 5 "
        "= highest share), with bootstrap intervals over wards.\n\n"
    )
    return intro + body + "\n\n" + _gate_summary(gates)


def _fairness_table(fairness: Any) -> pd.DataFrame | None:
    if fairness is None:
        return None
    if isinstance(fairness, pd.DataFrame):
        return fairness
    if isinstance(fairness, Mapping):
        return pd.DataFrame(fairness.get("groups", []))
    return fairness.table


def _fairness_row(row: pd.Series) -> list[Any]:
    def with_interval(metric: str) -> str:
        estimate, low, high = (row.get(metric), row.get(f"{metric}_lo"), row.get(f"{metric}_hi"))
        if is_missing(low) or is_missing(high):
            return percent(estimate)
        return f"{percent(estimate)} ({percent(low)} to {percent(high)})"

    counts = [row["grouping"], row["group"], row["measure"], row.get("status", ""), row.get("n_wards", "")]
    return [*counts, number(row.get("mae")), *(with_interval(m) for m in _RATES)]


def _gate_summary(gates: Any) -> str:
    if gates is None:
        return f"Fairness gates: {NOT_AVAILABLE}."
    passed = gates["passed"] if isinstance(gates, Mapping) else gates.passed
    failures = gates["failures"] if isinstance(gates, Mapping) else gates.failures
    if passed:
        return "Fairness gates: **passed**."
    return "Fairness gates: **failed**:\n\n" + "\n".join(f"- {failure}" for failure in failures)


def _privacy(privacy: Mapping[str, Any] | None) -> str:
    body = nested_bullet_list(privacy) if privacy else NOT_AVAILABLE
    return "### Privacy measures\n\n" + body


def _metric_cell(name: str, value: Any) -> str:
    return percent(value) if name in _RATES else number(value)
