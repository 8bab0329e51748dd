"""Adult packages: people who start with one service and may move on to others.

A person's first package is a direct start (see `flows`); when it ends, the person may move to a
follow-on service the next day (reablement then home care, home care then a care home, residential
then nursing). Client group follows age at each package's start, so a 64-year-old who moves into
a care home at 66 does so as an older person. In spring 2020 care-home residents die in excess.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.columns import OLDER_PEOPLE, WORKING_AGE
from demandcast.data.demo.durations import adult_package_days
from demandcast.data.demo.flows import TRANSITIONS, direct_starts_per_year
from demandcast.data.demo.seasonality import covid_factor
from demandcast.data.demo.starts import draw_starts

CARE_HOMES = ("residential", "nursing")
MAX_FOLLOW_ONS = 6
# excess care-home deaths, spring 2020: share of residents alive on 1 April who die by 31 May
COVID_DEATH_SHARE = {"residential": 0.045, "nursing": 0.08}
COVID_DEATHS = (np.datetime64("2020-04-01"), np.datetime64("2020-05-31"))


def adult_packages(
    days: pd.DatetimeIndex, ward_weights: dict[str, np.ndarray], rng: np.random.Generator
) -> pd.DataFrame:
    """All adult packages starting on `days` and their follow-ons, one row per package.

    Returns columns person (an integer local to this frame), ward (position in the ward table),
    client_group, service, first_service, start, end (datetime64[D], inclusive) and age_at_first.
    """
    first = pd.concat(
        [_first_packages(days, group, ward_weights[group], rng) for group in (OLDER_PEOPLE, WORKING_AGE)],
        ignore_index=True,
    )
    first["person"] = np.arange(len(first))
    rounds, current = [], _with_ends(first, rng)
    for _ in range(MAX_FOLLOW_ONS):
        current, died = _covid_deaths(current, rng)
        rounds.append(current)
        current = _follow_ons(current[~died], rng)
        if current.empty:
            break
    return pd.concat(rounds, ignore_index=True)


def _first_packages(
    days: pd.DatetimeIndex, group: str, weights: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    frames = []
    for service, rate in direct_starts_per_year(group).items():
        start, ward = draw_starts(days, rate, group, weights, rng, care_home=service in CARE_HOMES)
        frames.append(pd.DataFrame({"ward": ward, "client_group": group, "service": service, "start": start}))
    packages = pd.concat(frames, ignore_index=True)
    packages["first_service"] = packages["service"]
    packages["age_at_first"] = _ages_at_first(group, packages["service"].to_numpy(), rng)
    packages["first_start"] = packages["start"]
    return packages


def _ages_at_first(group: str, service: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(service)
    if group == OLDER_PEOPLE:
        older_entry = np.isin(service, CARE_HOMES) * 3.0
        return np.minimum(65 + rng.gamma(2.2, 7.5, n) + older_entry, 104.0)
    younger = service == "supported_living"
    return 18 + np.where(younger, rng.beta(1.2, 2.5, n), rng.beta(1.6, 1.4, n)) * 46.9


def _with_ends(packages: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    end = np.empty(len(packages), dtype="datetime64[D]")
    for (group, service), rows in packages.groupby(["client_group", "service"]).indices.items():
        length = adult_package_days(group, service, len(rows), rng)
        end[rows] = packages["start"].to_numpy()[rows] + (length - 1).astype("timedelta64[D]")
    return packages.assign(end=end)


def _covid_deaths(packages: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    first_day, last_day = COVID_DEATHS
    start, end = _days(packages["start"]), _days(packages["end"])
    share = packages["service"].map(COVID_DEATH_SHARE).fillna(0.0).to_numpy()
    at_risk = (start <= last_day) & (end > last_day) & (rng.random(len(packages)) < share)
    window_start = np.maximum(start, first_day)
    span = (last_day - window_start).astype("int64") + 1
    death = window_start + (rng.random(len(packages)) * span).astype("int64").astype("timedelta64[D]")
    return packages.assign(end=np.where(at_risk, death, end)), at_risk


def _follow_ons(packages: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    next_service = np.full(len(packages), "", dtype=object)
    draw = rng.random(len(packages))
    for (group, service), rows in packages.groupby(["client_group", "service"]).indices.items():
        cumulative = 0.0
        for target, probability in TRANSITIONS[group].get(service, {}).items():
            chosen = (draw[rows] >= cumulative) & (draw[rows] < cumulative + probability)
            next_service[rows[chosen]] = target
            cumulative += probability
    moving = packages[next_service != ""].assign(service=next_service[next_service != ""])
    start = _days(moving["end"]) + np.timedelta64(1, "D")
    years_since_first = (start - _days(moving["first_start"])).astype(float) / 365.25
    age = moving["age_at_first"].to_numpy() + years_since_first
    group = np.where(age >= 65, OLDER_PEOPLE, WORKING_AGE)
    # in the lockdown people who would have moved into a care home stayed at home (or died there)
    into_care_home = moving["service"].isin(CARE_HOMES).to_numpy()
    admitted = rng.random(len(moving)) < covid_factor(pd.DatetimeIndex(start), OLDER_PEOPLE, care_home=True)
    keep = ~into_care_home | admitted
    return _with_ends(moving.assign(start=start, client_group=group)[keep], rng)


def _days(dates: pd.Series) -> np.ndarray:
    # pandas stores day-precision dates as seconds; arithmetic below counts whole days
    return dates.to_numpy().astype("datetime64[D]")
