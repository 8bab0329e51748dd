"""How many adult packages start each year, solved from the stock a city holds on a given day.

In a steady state the people in a service on a given day equal its yearly inflow times its mean
duration, so the inflow each service needs follows from a target stock. Part of that inflow
arrives from other services (reablement then home care; home care then a care home; residential
then nursing), and the rest are direct starts. Targets follow Birmingham's published figures:
~1,700 adults in residential and ~1,150 in nursing care at any time, 10-12k adults on long-term
support on a given day, older people ~2/3 of clients with a mix of ~65% community, ~20%
residential and ~15% nursing.
"""

from __future__ import annotations

from demandcast.columns import OLDER_PEOPLE, WORKING_AGE
from demandcast.data.demo.durations import mean_adult_package_days

DAYS_PER_YEAR = 365.25
REABLEMENT = "reablement"
# reablement starts ~0.6-0.8 times long-term starts (DOMAIN.md); 79.5% need no further support
REABLEMENT_RATIO = 0.7

STOCK_TARGETS: dict[str, dict[str, float]] = {
    OLDER_PEOPLE: {
        "home_care": 3_000,
        "direct_payment": 800,
        "day_care": 360,
        "supported_living": 300,
        "residential": 1_450,
        "nursing": 1_090,
    },
    WORKING_AGE: {
        "home_care": 800,
        "direct_payment": 1_100,
        "day_care": 540,
        "supported_living": 1_300,
        "residential": 310,
        "nursing": 60,
    },
}
# probability that a package is followed by another, by the service that follows
TRANSITIONS: dict[str, dict[str, dict[str, float]]] = {
    OLDER_PEOPLE: {
        REABLEMENT: {"home_care": 0.15, "direct_payment": 0.03, "residential": 0.025},
        "home_care": {"residential": 0.12, "nursing": 0.08},
        "residential": {"nursing": 0.12},
    },
    WORKING_AGE: {
        REABLEMENT: {"home_care": 0.15, "direct_payment": 0.05},
        "home_care": {"supported_living": 0.05, "residential": 0.04, "direct_payment": 0.05},
        "day_care": {"supported_living": 0.05},
    },
}


def yearly_inflows(client_group: str) -> dict[str, float]:
    """Packages starting a year per service (long-term services and reablement), from the targets."""
    inflows = {
        service: stock / mean_adult_package_days(client_group, service) * DAYS_PER_YEAR
        for service, stock in STOCK_TARGETS[client_group].items()
    }
    inflows[REABLEMENT] = REABLEMENT_RATIO * sum(inflows.values())
    return inflows


def direct_starts_per_year(client_group: str) -> dict[str, float]:
    """Packages a year that start a person's care (not a follow-on from another service).

    Raises:
        ValueError: when the transitions send more people into a service than its target allows.
    """
    inflows = yearly_inflows(client_group)
    direct = dict(inflows)
    for source, targets in TRANSITIONS[client_group].items():
        for target, probability in targets.items():
            direct[target] -= inflows[source] * probability
    short = [service for service, rate in direct.items() if rate <= 0]
    if short:
        raise ValueError(f"{client_group}: transitions exceed the target inflow of {short}")
    return direct
