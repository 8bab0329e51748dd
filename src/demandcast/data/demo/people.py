"""Who the people are: birth year, sex, ethnicity (ONS five groups) and primary support reason.

Ethnicity follows the ward's minority-ethnic share, adjusted by age (Birmingham's older residents
are more often White, its children less often), with the minority split in the city's Census 2021
proportions. Adults carry a Client Level Data primary support reason; children carry the
SSDA903 category of need (N1 abuse or neglect ... N8 absent parenting).
"""

from __future__ import annotations

import numpy as np

from demandcast.columns import CHILDREN, OLDER_PEOPLE, WORKING_AGE

ETHNIC_GROUPS = ("White", "Asian", "Black", "Mixed", "Other")
MINORITY_SPLIT = np.array([31.0, 10.9, 4.8, 4.6]) / 51.3  # Asian, Black, Mixed, Other (Census 2021)
MINORITY_ODDS_BY_GROUP = {CHILDREN: 1.35, WORKING_AGE: 1.0, OLDER_PEOPLE: 0.35}
FEMALE_SHARE = {CHILDREN: 0.45, WORKING_AGE: 0.48, OLDER_PEOPLE: 0.62}

SUPPORT_REASONS = (
    "Physical Support",
    "Sensory Support",
    "Support with Memory and Cognition",
    "Learning Disability Support",
    "Mental Health Support",
    "Social Support",
)
SUPPORT_REASON_SHARES = {
    (OLDER_PEOPLE, "care_home"): (0.52, 0.02, 0.38, 0.02, 0.05, 0.01),
    (OLDER_PEOPLE, "community"): (0.72, 0.04, 0.12, 0.02, 0.05, 0.05),
    (WORKING_AGE, "supported_living"): (0.10, 0.01, 0.01, 0.68, 0.18, 0.02),
    (WORKING_AGE, "care_home"): (0.25, 0.01, 0.04, 0.45, 0.23, 0.02),
    (WORKING_AGE, "community"): (0.42, 0.04, 0.02, 0.22, 0.22, 0.08),
}
NEED_CODES = ("N1", "N2", "N3", "N4", "N5", "N8")
NEED_SHARES = np.array([0.66, 0.03, 0.03, 0.08, 0.15, 0.05])
NEED_SHARES_16_PLUS = np.array([0.45, 0.02, 0.02, 0.10, 0.16, 0.25])  # unaccompanied asylum seekers


def sexes(client_group: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """'F' or 'M' for `n` people of a client group."""
    return np.where(rng.random(n) < FEMALE_SHARE[client_group], "F", "M")


def ethnicities(ward_minority_share: np.ndarray, client_group: str, rng: np.random.Generator) -> np.ndarray:
    """An ONS five-group ethnicity per person, given the minority share of each person's ward."""
    odds = ward_minority_share / (1 - ward_minority_share) * MINORITY_ODDS_BY_GROUP[client_group]
    is_minority = rng.random(len(odds)) < odds / (1 + odds)
    minority = np.asarray(ETHNIC_GROUPS[1:])[rng.choice(4, size=len(odds), p=MINORITY_SPLIT)]
    return np.where(is_minority, minority, ETHNIC_GROUPS[0])


def support_reasons(client_group: str, service: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Primary support reason for `n` adults whose first package is `service`."""
    setting = service if (client_group, service) in SUPPORT_REASON_SHARES else _setting(service)
    shares = np.asarray(SUPPORT_REASON_SHARES[(client_group, setting)])
    return np.asarray(SUPPORT_REASONS)[rng.choice(len(SUPPORT_REASONS), size=n, p=shares / shares.sum())]


def need_codes(entry_age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """SSDA903 category of need for children entering care at `entry_age` (years)."""
    older = entry_age >= 16
    code = rng.choice(len(NEED_CODES), size=len(entry_age), p=NEED_SHARES)
    code_16_plus = rng.choice(len(NEED_CODES), size=len(entry_age), p=NEED_SHARES_16_PLUS)
    return np.asarray(NEED_CODES)[np.where(older, code_16_plus, code)]


def _setting(service: str) -> str:
    return "care_home" if service in ("residential", "nursing") else "community"
