"""Which provider delivers a package: a few large providers and a long tail of small ones.

In-house fostering and kinship care are the council's own provision (SSDA903 provider PR1);
direct payments and placements with parents have no provider.
"""

from __future__ import annotations

import numpy as np

OWN_PROVISION = "PR1"
NO_PROVIDER = ("direct_payment", "placed_with_parents")
OWN_SERVICES = ("foster_inhouse", "kinship")
POOL_SIZE = {
    "home_care": 140,
    "reablement": 6,
    "residential": 110,
    "nursing": 60,
    "supported_living": 70,
    "day_care": 30,
    "foster_agency": 25,
    "childrens_home": 80,
    "semi_independent": 40,
}
ZIPF_EXPONENT = 0.9


def provider_ids(service: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A provider id per package (None where the service has no provider)."""
    provider = np.full(len(service), None, dtype=object)
    provider[np.isin(service, OWN_SERVICES)] = OWN_PROVISION
    for offset, (code, size) in enumerate(POOL_SIZE.items()):
        rows = np.flatnonzero(service == code)
        weights = 1.0 / np.arange(1, size + 1) ** ZIPF_EXPONENT
        chosen = rng.choice(size, size=len(rows), p=weights / weights.sum())
        provider[rows] = [f"PV{offset:02d}{number:03d}" for number in chosen]
    return provider
