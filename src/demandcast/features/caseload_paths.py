"""Council caseload paths from the records: the clients on a service now, plus the new clients to come.

A council's caseload in a month is, exactly, the persons already known at the forecast origin
(their first package started on or before it) who are still on a service, plus the persons whose
first package starts after it. The records say a lot about the first part: who is on which service,
for how long, since when in care, how old. Each person's expected path over the next months (on
which service, or gone) is learnt from the persons who were in the same state at earlier month
ends, whose paths the records show in full up to the origin. The second part, new demand, is the
mean of what new persons added after the same calendar month one and two years before.

A state is (client group, service, time on the current package, time since the first package, age
62 or over); a state seen fewer than MIN_STATE_SIZE times before falls back to (client group,
service, time on the current package), a package older than any seen to the oldest seen of its
service, and a service never seen to staying on it. Year y of the horizon learns from month ends
12y, 12y + 3, ..., 12y + 21 months before the origin, so that every path it learns from is seen y
years on.

Beside each mean comes its predictive variance: the noise the clients' own comings and goings make
(each known client on a node's pairs or not at their state's rates; new clients a Poisson stream, a
client on two of a node's pairs counting twice) plus the error of what was learnt (each rate from a
finite number of persons; the mean new demand from two years of a stream whose level drifts). Over
40 demo cities x 5 origins the errors divided by its square root have a standard deviation of about
1 (benchmarks/stock_flow_calibration.md). It is the floor of the council caseload intervals
(models.noise_floor; benchmarks/holdout.md, decisions 21 and 22).

Only records known at the origin are read (later starts dropped, later ends open), so a backtest
origin sees no future. benchmarks/council_oracle.py measures the method against seasonal naive and
against an oracle that knows the generator's laws; benchmarks/holdout.md (decision 20) its effect.
Person-level records go in; aggregate council caseloads come out.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from demandcast.columns import (
    ALL,
    AREA,
    BIRTH_YEAR,
    CLIENT_GROUP,
    END_DATE,
    MEAN,
    MONTH,
    PERSON_ID,
    SERVICE,
    START_DATE,
    WARD_CODE,
)
from demandcast.errors import InputError
from demandcast.features.months import (
    OPEN_END_DAY,
    day_numbers,
    end_day_numbers,
    month_numbers,
    month_numbers_of_days,
)
from demandcast.features.packages import package_spans

ORIGIN = "origin"
VARIANCE = "variance"
PACKAGE_DAYS = (14, 30, 61, 91, 182, 273, 365, 547, 730, 1095, 1826, 2922)
SYSTEM_DAYS = (91, 365, 730, 1826)
OLDER_AGE = 62  # near the working-age / older-people boundary, where a follow-on changes group
MIN_STATE_SIZE = 30
LEARNING_MONTH_ENDS = tuple(3 * k for k in range(8))  # after 12y months: 8 month ends 3 months apart
NEW_DEMAND_YEARS = 2


def caseload_paths(
    records: pd.DataFrame,
    ward_areas: pd.Series,
    origins: Mapping[pd.Timestamp, int],
    first_month: pd.Timestamp,
) -> pd.DataFrame:
    """Expected caseload per area and (client_group, service) pair for the months after each origin.

    Args:
        records: validated records (person_id, ward_code, client_group, service, start_date,
            end_date NaT when open; birth_year used when present). Rows continuing a package
            (features.packages) are folded into it: a price change is neither an exit nor a start.
        ward_areas: ward_code -> the area the caseload is summed to (e.g. the council).
        origins: origin month (first day) -> number of months ahead wanted. Months whose year of
            the horizon has no earlier month end to learn from (before `first_month`) are left out.
        first_month: the first month the records cover in full (the panel's first month).

    Returns:
        Columns origin, area, client_group, service, month, mean, variance: one row per council
        node (each pair, each client group with service `all`, and `all`/`all`) and month. `mean`
        is the caseload counted as the panel counts it (distinct persons with a package of the
        pair active in the month; a node's mean is the sum of its pairs'). `variance` is the
        predictive variance around it: each known person on the node's pairs or not (at their
        state's rates; a person on two pairs of a client group counts twice) plus the error of those
        learnt rates, and new persons arriving as a Poisson stream (variance equal to their mean
        where each is on one pair) plus the error of their two-year mean and of the drift of their
        level (_new_demand).
    """
    frame = _RecordArrays(package_spans(records), ward_areas)
    paths = [frame.paths(origin, steps, first_month) for origin, steps in origins.items()]
    columns = [ORIGIN, AREA, CLIENT_GROUP, SERVICE, MONTH, MEAN, VARIANCE]
    found = [p for p in paths if not p.empty]
    if not found:
        return pd.DataFrame(columns=columns)
    return pd.concat(found, ignore_index=True)[columns].sort_values(columns[:-1], ignore_index=True)


class _RecordArrays:
    """The records as integer arrays: person, pair, area, start and end day (open ends far ahead)."""

    def __init__(self, records: pd.DataFrame, ward_areas: pd.Series) -> None:
        self.person = pd.factorize(records[PERSON_ID])[0]
        pair_keys = records[CLIENT_GROUP].astype(str) + "\x1f" + records[SERVICE].astype(str)
        self.pair, self.pairs = pd.factorize(pair_keys, sort=True)
        self.area, self.areas = pd.factorize(records[WARD_CODE].map(ward_areas), sort=True)
        self.node_keys, self.nodes_of_pair = _council_nodes(self.pairs)
        if (self.area < 0).any():
            unknown = sorted(records.loc[self.area < 0, WARD_CODE].astype(str).unique())[:5]
            raise InputError(f"column {WARD_CODE!r}: wards without an area: {unknown}")
        self.start = day_numbers(records[START_DATE])
        self.end = end_day_numbers(records[END_DATE])
        self.birth_year = (
            records[BIRTH_YEAR].to_numpy(dtype=float)
            if BIRTH_YEAR in records
            else np.full(len(records), np.nan)
        )

    def paths(self, origin: pd.Timestamp, steps: int, first_month: pd.Timestamp) -> pd.DataFrame:
        """The expected caseload frame for one origin, year of the horizon by year."""
        origin_end = _month_end(origin, 0)
        known = self.start <= _day(origin_end)
        end = np.where(self.end > _day(origin_end), OPEN_END_DAY, self.end)
        first_start = _first_start(self.person, self.start, known)
        years = []
        for year in range(1, -(-steps // 12) + 1):
            learn = [_month_end(origin, 12 * year + k) for k in LEARNING_MONTH_ENDS]
            learn = [day for day in learn if day >= _month_end(first_month, 0)]
            demand = [_month_end(origin, 12 * (year + k)) for k in range(NEW_DEMAND_YEARS)]
            demand = [day for day in demand if day >= _month_end(first_month, 0)]
            if not learn or not demand:
                break
            horizon = 12 * year
            mean, variance = self._known_part(known, end, first_start, origin_end, learn, horizon)
            new = [self._new_part(known, end, first_start, day, horizon) for day in demand]
            new_mean, new_variance = _new_demand([c for c, _ in new], [q for _, q in new], year)
            mean = self._by_node(mean).add(new_mean, fill_value=0.0)
            variance = variance.add(new_variance, fill_value=0.0)
            year_part = pd.DataFrame({MEAN: mean, VARIANCE: variance}).fillna(0.0)
            steps_of_year = np.arange(12 * (year - 1) + 1, min(12 * year, steps) + 1)
            years.append(year_part[year_part.index.get_level_values("step").isin(steps_of_year)])
        if not years:
            return pd.DataFrame()
        return self._as_frame(pd.concat(years), origin)

    def _by_node(self, by_pair: pd.Series) -> pd.Series:
        """(area_code, step, pair) values summed to every council node: (area_code, step, node)."""
        return pd.concat([_to_nodes(by_pair, nodes) for nodes in self.nodes_of_pair])

    def _known_part(self, known, end, first_start, origin_end, learn, horizon) -> tuple[pd.Series, pd.Series]:
        """Expected caseload (area_code, step, pair) of the persons on a service at the origin, and its
        variance (area_code, step, node).

        Each state's rate is the cells its persons had after the `learn` month ends, per person. A
        person adds k to a node in a month (k the node's pairs they are on: 0 or 1 for a pair, and
        up to the pairs of a client group), so a state's persons add E[k^2] - E[k]^2 each to the
        variance (rate x (1 - rate) where k is 0 or 1). The rate is a mean over the n persons it was
        learnt from, whose error adds persons^2 x that / n (the learning month ends' persons taken as
        independent: a little low, as the same persons recur).
        """
        sizes = {"fine": pd.Series(dtype=float), "coarse": pd.Series(dtype=float)}
        counts: dict[str, list[pd.Series]] = {"fine": [], "coarse": []}
        extras: dict[str, list[pd.Series]] = {"fine": [], "coarse": []}
        for day in learn:
            states = self._states(known, end, first_start, day)
            cells = self._cells(known, end, day, horizon, persons=states.index.to_numpy())
            cells = cells.join(states[["fine", "coarse"]], on="person")
            together = self._together(cells)
            for kind in sizes:
                counts[kind].append(cells.groupby([kind, "step", "area_code", "pair"]).size())
                extras[kind].append(together.groupby([kind, "step", "node"])["extra"].sum())
                sizes[kind] = sizes[kind].add(states[kind].value_counts(), fill_value=0)
        now = self._states(known, end, first_start, origin_end)
        usable = now["fine"].map(sizes["fine"]).fillna(0).to_numpy() >= MIN_STATE_SIZE
        now["coarse"] = _nearest_seen(now["coarse"].to_numpy(), sizes["coarse"].index.to_numpy())
        unseen = now["coarse"].to_numpy() < 0
        parts, variances = [_staying(now[~usable & unseen], horizon)], []
        for kind, persons in (("fine", now[usable]), ("coarse", now[~usable & ~unseen])):
            weights = persons.groupby([kind, "home_area"]).size()
            rate = (
                _summed(counts[kind])
                .div(sizes[kind], level=0)
                .droplevel("area_code")
                .groupby(level=[0, "step", "pair"])
                .sum()
            )
            parts.append(_apply(rate, weights, kind, "pair"))
            node_rate = pd.concat([_to_nodes(rate, nodes) for nodes in self.nodes_of_pair])
            extra = _summed(extras[kind]).div(sizes[kind], level=0).reindex(node_rate.index, fill_value=0.0)
            spread = (node_rate + extra - node_rate**2).clip(lower=0.0)  # E[k^2] = E[k] + E[k(k - 1)]
            variances.append(_apply(spread, weights, kind, "node"))
            variances.append(_apply(spread.div(sizes[kind], level=0), weights**2, kind, "node"))
        return _summed(parts), _summed(variances)

    def _new_part(self, known, end, first_start, day, horizon) -> tuple[pd.Series, pd.Series]:
        """What persons new after `day` added in the months after it, at every node (area_code, step,
        node): their caseload (the sum of k over them, k the node's pairs each is on) and the sum of
        k^2 (k plus k(k - 1), `_together`)."""
        new = known & (first_start > _day(day))
        cells = self._cells(new, end, day, horizon)
        caseload = self._by_node(cells.groupby(["area_code", "step", "pair"]).size().astype(float))
        extra = self._together(cells).groupby(["area_code", "step", "node"])["extra"].sum()
        return caseload, caseload.add(extra, fill_value=0.0)

    def _together(self, cells: pd.DataFrame) -> pd.DataFrame:
        """Persons with more than one cell in an area and step, at each client-group and total node:
        their other columns, node and extra = k(k - 1), the excess of k^2 over k (k the node's pairs
        they are on; 0 where it is 1; at a pair, k is at most 1)."""
        multi = cells[cells.duplicated(["person", "area_code", "step"], keep=False)]
        keys = [column for column in multi.columns if column != "pair"]
        frames = []
        for nodes in self.nodes_of_pair[1:]:
            k = multi.assign(node=nodes[multi["pair"].to_numpy()]).groupby([*keys, "node"]).size()
            frames.append((k * (k - 1)).astype(float).rename("extra").reset_index())
        return pd.concat(frames, ignore_index=True)

    def _states(self, known, end, first_start, day) -> pd.DataFrame:
        """Each person with a package active on `day`: fine and coarse state, and area (index: person)."""
        today = _day(day)
        active = np.flatnonzero(known & (self.start <= today) & (end >= today))
        order = active[np.lexsort((self.start[active], self.person[active]))]
        current = order[np.r_[self.person[order][1:] != self.person[order][:-1], True]]
        package = np.searchsorted(PACKAGE_DAYS, today - self.start[current], side="right")
        system = np.searchsorted(SYSTEM_DAYS, today - first_start[current], side="right")
        older = (day.year - self.birth_year[current]) >= OLDER_AGE
        coarse = self.pair[current] * (len(PACKAGE_DAYS) + 1) + package
        fine = (coarse * (len(SYSTEM_DAYS) + 1) + system) * 2 + older
        return pd.DataFrame(
            {"fine": fine, "coarse": coarse, "home_area": self.area[current], "pair": self.pair[current]},
            index=self.person[current],
        ).rename_axis("person")

    def _cells(self, rows, end, day, horizon, persons=None) -> pd.DataFrame:
        """Distinct (person, step, area, pair): a package of the pair active `step` months after `day`."""
        if persons is not None:
            rows = rows & np.isin(self.person, persons)
        first = month_numbers(pd.DatetimeIndex([day]))[0] + 1
        starts = np.maximum(_months_of(self.start[rows]), first)
        ends = np.minimum(_months_of(end[rows]), first + horizon - 1)
        spans = np.maximum(ends - starts + 1, 0)
        index = np.repeat(np.flatnonzero(rows), spans)
        offset = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
        cells = pd.DataFrame(
            {
                "person": self.person[index],
                "step": np.repeat(starts, spans) + offset - first + 1,
                "area_code": self.area[index],
                "pair": self.pair[index],
            }
        )
        return cells.drop_duplicates()

    def _as_frame(self, by_node: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
        frame = by_node.reset_index()
        return pd.DataFrame(
            {
                ORIGIN: origin,
                AREA: np.asarray(self.areas)[frame["area_code"]],
                CLIENT_GROUP: self.node_keys[CLIENT_GROUP].to_numpy()[frame["node"]],
                SERVICE: self.node_keys[SERVICE].to_numpy()[frame["node"]],
                MONTH: [origin + pd.DateOffset(months=int(s)) for s in frame["step"]],
                MEAN: frame[MEAN].to_numpy(dtype=float),
                VARIANCE: frame[VARIANCE].to_numpy(dtype=float),
            }
        )


def _new_demand(parts: list[pd.Series], squares: list[pd.Series], year: int) -> tuple[pd.Series, pd.Series]:
    """The new persons' expected caseload (area_code, step, node), the mean of `parts`, and its variance.

    `parts` are what new persons added after the same calendar month one and two years before (for
    year y of the horizon: y and y + 1 years before), at each node, and `squares` the sum over those
    persons of the square of what each added (1 for a person on one of the node's pairs, 4 for one on
    two). The new persons of a year are a Poisson stream, so their caseload has the variance q of a
    compound Poisson sum (q = the sum of squares; the mean m when each adds 1), and the mean of k
    years has error q / k. The stream's level also drifts from year to year; taken as a random walk
    with yearly step variance s2, the target year lies y years from the nearer year and y + 1 from the
    further, and the error of their mean from its level has variance (y + 1/4) x s2. With two years
    s2 is what their difference has beyond the Poisson noise, (n1 - n2)^2 - (q1 + q2), pooled over
    the steps of each node as a share of the squared mean (one difference per step is too few):
    E[(n1 - n2)^2] = q1 + q2 + s2. One year gives no drift.
    """
    mean = _summed(parts) / len(parts)
    poisson = (_summed(squares) / len(squares)).reindex(mean.index, fill_value=0.0)
    variance = poisson + poisson / len(parts)
    if len(parts) == 2:
        noise = squares[0].add(squares[1], fill_value=0.0)
        gap = (
            (parts[0].sub(parts[1], fill_value=0.0) ** 2)
            .sub(noise, fill_value=0.0)
            .reindex(mean.index, fill_value=0.0)
        )
        node = [name for name in mean.index.names if name != "step"]
        excess = gap.groupby(level=node).transform("sum")
        squared = (mean**2).groupby(level=node).transform("sum")
        drift_share = (excess.clip(lower=0.0) / squared.where(squared > 0)).fillna(0.0)
        variance = variance + (year + 0.25) * drift_share * mean**2
    return mean, variance


def _apply(rate: pd.Series, weights: pd.Series, kind: str, key: str) -> pd.Series:
    """sum over states of persons(state, area) x rate(state, step, key): indexed (area_code, step, key)."""
    joined = rate.rename("rate").reset_index().merge(weights.rename("persons").reset_index(), on=kind)
    joined["mean"] = joined["rate"] * joined["persons"]
    return joined.rename(columns={"home_area": "area_code"}).groupby(["area_code", "step", key])["mean"].sum()


def _nearest_seen(coarse: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Each coarse state, or the same pair's longest seen package time below it; -1 when there is none.

    Packages older than any the learning month ends held (records that began not long ago) are
    taken to go on like the oldest that were seen.
    """
    bins = len(PACKAGE_DAYS) + 1
    seen = np.sort(seen.astype(np.int64))
    below = np.searchsorted(seen, coarse, side="right") - 1
    found = seen[np.maximum(below, 0)] if len(seen) else np.full(len(coarse), -1)
    same_pair = (below >= 0) & (found // bins == coarse // bins)
    return np.where(same_pair, found, -1)


def _staying(persons: pd.DataFrame, horizon: int) -> pd.Series:
    """Persons in a service no earlier month end showed: taken to stay on it (area_code, step, pair)."""
    counts = persons.groupby(["home_area", "pair"]).size().astype(float).reset_index(name="n")
    grid = counts.merge(pd.DataFrame({"step": np.arange(1, horizon + 1)}), how="cross")
    return grid.rename(columns={"home_area": "area_code"}).set_index(["area_code", "step", "pair"])["n"]


def _council_nodes(pairs: pd.Index) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Every council node's keys (client_group, service; `all` where summed), and for each service
    level (pair, client group, total) the node code of every pair code."""
    group_service = pd.Series(pairs).str.split("\x1f", expand=True)
    groups = sorted(group_service[0].unique())
    keys = pd.DataFrame(
        {
            CLIENT_GROUP: [*group_service[0], *groups, ALL],
            SERVICE: [*group_service[1], *[ALL] * len(groups), ALL],
        }
    )
    n_pairs = len(pairs)
    group_node = n_pairs + np.searchsorted(groups, group_service[0].to_numpy())
    return keys, [np.arange(n_pairs), group_node, np.full(n_pairs, n_pairs + len(groups))]


def _to_nodes(by_pair: pd.Series, nodes: np.ndarray) -> pd.Series:
    """Values indexed (..., pair) summed to one service level's nodes: indexed (..., node)."""
    keys = [name for name in by_pair.index.names if name != "pair"]
    frame = by_pair.rename("value").reset_index()
    return frame.assign(node=nodes[frame["pair"].to_numpy()]).groupby([*keys, "node"])["value"].sum()


def _summed(parts: list[pd.Series]) -> pd.Series:
    return pd.concat(parts, axis=1).fillna(0).sum(axis=1).astype(float)


def _first_start(person: np.ndarray, start: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Each record's person's earliest known start day (later records: their own start)."""
    return pd.Series(np.where(known, start, OPEN_END_DAY)).groupby(person).transform("min").to_numpy()


def _month_end(month: pd.Timestamp, months_before: int) -> pd.Timestamp:
    return month - pd.DateOffset(months=months_before) + pd.offsets.MonthEnd(0)


def _day(stamp: pd.Timestamp) -> int:
    return int(day_numbers(pd.DatetimeIndex([stamp]))[0])


def _months_of(days: np.ndarray) -> np.ndarray:
    """Month numbers of day numbers; open ends stay far in the future."""
    return np.where(days >= OPEN_END_DAY, 10**9, month_numbers_of_days(np.minimum(days, 10**6)))
