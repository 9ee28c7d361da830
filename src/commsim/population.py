"""People as structs of arrays: residents, offenders, officers, and social ties.

Each class holds one NumPy array per attribute, indexed by the person's
number. The Mesa agents in :mod:`commsim.agents` are thin views onto these
arrays; all hot-loop updates are vectorised over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from scipy import sparse

from commsim.behaviour import PopulationParams
from commsim.city import City


class Schedule(IntEnum):
    """A resident's weekday routine."""

    WORKER = 0
    STUDENT = 1
    AT_HOME = 2


class OffenderState(IntEnum):
    """State of an offender slot."""

    FREE = 0  # an unused slot
    ACTIVE = 1
    JAILED = 2
    DESISTED = 3


WORKER, STUDENT, AT_HOME = Schedule.WORKER, Schedule.STUDENT, Schedule.AT_HOME
# Hours away from home by schedule type (index = hour of day). Assumption,
# shaped on the American Time Use Survey: work 8-17 h, school 8-15 h.
AWAY_HOURS = np.zeros((3, 24), dtype=bool)
AWAY_HOURS[WORKER, 8:17] = True
AWAY_HOURS[STUDENT, 8:15] = True
AWAY_HOURS[AT_HOME, 10:12] = True  # a shopping trip, taken on some days only
EVENING_HOURS = slice(18, 22)
ERRAND_PROB = 0.5  # daily chance an at-home resident makes the 10-12 h trip; assumption

SLOT_FREE, ACTIVE, JAILED, DESISTED = (
    OffenderState.FREE,
    OffenderState.ACTIVE,
    OffenderState.JAILED,
    OffenderState.DESISTED,
)


def members_csr(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Group items by key: items[indptr[k]:indptr[k + 1]] are those with key k."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return indptr, order


@dataclass
class Residents:
    """Residents' state, one array per attribute."""

    home: np.ndarray
    activity: np.ndarray
    leisure: np.ndarray
    neighborhood: np.ndarray
    group: np.ndarray
    schedule: np.ndarray
    trust: np.ndarray
    baseline_trust: np.ndarray
    fear: np.ndarray
    smartphone: np.ndarray
    app: np.ndarray
    watch: np.ndarray
    campaign: np.ndarray
    patroller: np.ndarray
    victimizations: np.ndarray
    ties: sparse.csr_matrix  # row-normalised: (ties @ trust)[i] is i's ties' mean trust
    has_ties: np.ndarray
    home_indptr: np.ndarray
    home_members: np.ndarray
    place_indptr: np.ndarray  # residents who may be at a place (home, activity or leisure)
    place_members: np.ndarray
    nb_indptr: np.ndarray
    nb_members: np.ndarray

    def __len__(self) -> int:
        return len(self.home)

    def at_home_place(self, place: int) -> np.ndarray:
        """Residents whose home is ``place``."""
        return self.home_members[self.home_indptr[place] : self.home_indptr[place + 1]]

    def present(self, place: int, location_now: np.ndarray) -> np.ndarray:
        """Residents at ``place`` given this hour's location array."""
        cand = self.place_members[self.place_indptr[place] : self.place_indptr[place + 1]]
        return np.unique(cand[location_now[cand] == place])

    def in_neighborhood(self, nb: int) -> np.ndarray:
        """Residents living in neighbourhood ``nb``."""
        return self.nb_members[self.nb_indptr[nb] : self.nb_indptr[nb + 1]]


def make_residents(
    pop: PopulationParams, n: int, city: City, rng: np.random.Generator
) -> Residents:
    """Place ``n`` residents in homes, give them groups, schedules, trust and ties."""
    p = city.n_places
    weights = city.households.astype(float)
    home = rng.choice(p, size=n, p=weights / weights.sum())
    nb = city.neighborhood[home]
    names = list(pop.groups)
    shares = np.array([pop.groups[g].share for g in names], dtype=float)
    group = rng.choice(len(names), size=n, p=shares / shares.sum())
    base = np.array([pop.groups[g].baseline_trust for g in names])[group]
    access = np.array([pop.groups[g].smartphone_access for g in names])[group]
    u = rng.random(n)
    schedule = np.where(
        u < pop.worker_share,
        WORKER,
        np.where(u < pop.worker_share + pop.student_share, STUDENT, AT_HOME),
    )
    activity = _pick_places(
        city, nb, rng, land_uses=(1, 2), local_share=np.where(schedule == WORKER, 0.3, 0.9)
    )
    activity = np.where(schedule == AT_HOME, _pick_places(city, nb, rng, (1, 2), 1.0), activity)
    leisure = _pick_places(city, nb, rng, land_uses=(1, 2, 3), local_share=np.full(n, 0.8))
    # Individual trust starts near the group's baseline; assumption: sd 0.1.
    trust = np.clip(base + rng.normal(0, 0.1, n), 0, 1)
    fear = np.clip(pop.initial_fear + rng.normal(0, 0.05, n), 0, 1)
    ties = _make_ties(
        nb,
        group,
        city.n_neighborhoods,
        pop.ties_per_resident,
        pop.cross_neighborhood_ties,
        pop.homophily,
        rng,
    )
    home_indptr, home_members = members_csr(home, p)
    assoc_keys = np.concatenate([home, activity, leisure])
    assoc_items = np.concatenate([np.arange(n)] * 3)
    place_indptr, order = members_csr(assoc_keys, p)
    nb_indptr, nb_members = members_csr(nb, city.n_neighborhoods)
    return Residents(
        home=home,
        activity=activity,
        leisure=leisure,
        neighborhood=nb,
        group=group,
        schedule=schedule,
        trust=trust,
        baseline_trust=base,
        fear=fear,
        smartphone=rng.random(n) < access,
        app=np.zeros(n, dtype=bool),
        watch=np.zeros(n, dtype=bool),
        campaign=np.zeros(n, dtype=bool),
        patroller=np.zeros(n, dtype=bool),
        victimizations=np.zeros(n, dtype=np.int64),
        ties=ties,
        has_ties=np.asarray(ties.sum(axis=1)).ravel() > 0,
        home_indptr=home_indptr,
        home_members=home_members,
        place_indptr=place_indptr,
        place_members=assoc_items[order],
        nb_indptr=nb_indptr,
        nb_members=nb_members,
    )


def _pick_places(
    city: City,
    nb: np.ndarray,
    rng: np.random.Generator,
    land_uses: tuple[int, ...],
    local_share: np.ndarray | float,
) -> np.ndarray:
    """A place of the given land uses, in the resident's neighbourhood with prob ``local_share``."""
    n = len(nb)
    ok = np.isin(city.land_use, land_uses)
    pool_all = np.flatnonzero(ok)
    out = pool_all[rng.integers(0, len(pool_all), n)]
    local = rng.random(n) < local_share
    for k in range(city.n_neighborhoods):
        pool = np.flatnonzero(ok & (city.neighborhood == k))
        idx = np.flatnonzero(local & (nb == k))
        if len(pool) and len(idx):
            out[idx] = pool[rng.integers(0, len(pool), len(idx))]
    return out


def _make_ties(
    nb: np.ndarray,
    group: np.ndarray,
    n_nb: int,
    per_resident: float,
    cross: float,
    homophily: float,
    rng: np.random.Generator,
) -> sparse.csr_matrix:
    """Symmetric random ties, mostly within the neighbourhood and group; row-normalised."""
    n = len(nb)
    if per_resident <= 0 or n < 2:
        return sparse.csr_matrix((n, n))
    m = rng.poisson(per_resident / 2, n)
    src = np.repeat(np.arange(n), m)
    local = _random_member(nb[src], *members_csr(nb, n_nb), rng)
    n_groups = int(group.max()) + 1
    key = nb * n_groups + group  # same neighbourhood and same group
    same = _random_member(key[src], *members_csr(key, n_nb * n_groups), rng)
    local = np.where(rng.random(len(src)) < homophily, same, local)
    anywhere = rng.integers(0, n, len(src))
    dst = np.where(rng.random(len(src)) < cross, anywhere, local)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    a = sparse.csr_matrix((np.ones(2 * len(src)), (np.r_[src, dst], np.r_[dst, src])), shape=(n, n))
    a.data[:] = 1.0  # duplicates summed; a tie is a tie
    deg = np.asarray(a.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)
    return sparse.diags(inv) @ a


def _random_member(
    keys: np.ndarray, indptr: np.ndarray, members: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A random member of each key's group (the key's own group is never empty here)."""
    start, count = indptr[keys], np.diff(indptr)[keys]
    return members[start + (rng.random(len(keys)) * count).astype(np.int64)]


@dataclass
class Offenders:
    """Offender slots; a slot is free, active, jailed or desisted."""

    home: np.ndarray
    place: np.ndarray
    motivation: np.ndarray
    youth: np.ndarray
    state: np.ndarray
    release_tick: np.ndarray
    perceived_risk: np.ndarray
    outreach: np.ndarray  # day enrolled in a youth programme, or -1
    draw_key: np.ndarray  # offender number (never reused): keys per-offender random draws

    def __len__(self) -> int:
        return len(self.home)

    @property
    def active(self) -> np.ndarray:
        """Mask of active (free, not desisted) offenders."""
        return self.state == ACTIVE

    def free_slots(self, k: int) -> np.ndarray:
        """Up to ``k`` unused slot numbers, growing the arrays if needed."""
        free = np.flatnonzero(self.state == SLOT_FREE)
        if len(free) < k:
            self._grow(max(k - len(free), len(self.home)))
            free = np.flatnonzero(self.state == SLOT_FREE)
        return free[:k]

    def _grow(self, extra: int) -> None:
        for name, fill in (
            ("home", 0),
            ("place", 0),
            ("motivation", 0.0),
            ("youth", False),
            ("state", SLOT_FREE),
            ("release_tick", 0),
            ("perceived_risk", 0.0),
            ("outreach", -1),
            ("draw_key", -1),
        ):
            arr = getattr(self, name)
            setattr(self, name, np.concatenate([arr, np.full(extra, fill, dtype=arr.dtype)]))


def empty_offenders(capacity: int) -> Offenders:
    """Offender arrays with ``capacity`` free slots."""
    return Offenders(
        home=np.zeros(capacity, dtype=np.int64),
        place=np.zeros(capacity, dtype=np.int64),
        motivation=np.zeros(capacity),
        youth=np.zeros(capacity, dtype=bool),
        state=np.full(capacity, SLOT_FREE, dtype=np.int8),
        release_tick=np.zeros(capacity, dtype=np.int64),
        perceived_risk=np.zeros(capacity),
        outreach=np.full(capacity, -1, dtype=np.int64),
        draw_key=np.full(capacity, -1, dtype=np.int64),
    )


@dataclass
class Officers:
    """Officers on the force (including those funding adds)."""

    place: np.ndarray
    shift: np.ndarray  # 0: 0-8 h, 1: 8-16 h, 2: 16-24 h
    skill: np.ndarray
    trained: np.ndarray
    competency_group: (
        np.ndarray
    )  # group a trained officer's cultural-competency part targets, or -1
    competency_gain: np.ndarray  # extra skill with that group
    beat: np.ndarray  # neighbourhood id for community beats
    hotspot_role: np.ndarray  # in a mixed strategy, True = hot-spot team
    busy_until: np.ndarray  # tick when free again
    active_from: np.ndarray  # tick the officer joins (funded officers join at policy start)

    def __len__(self) -> int:
        return len(self.place)


def make_officers(
    n: int, city: City, skill_mean: float, skill_sd: float, rng: np.random.Generator, first: int = 0
) -> Officers:
    """``n`` officers numbered from ``first`` (shifts and beats follow the number).

    The base force and officers a budget adds are made by separate calls on
    separate streams, so funding never changes the base force's draws.
    """
    number = first + np.arange(n)
    return Officers(
        place=rng.integers(0, city.n_places, n),
        shift=number % 3,
        skill=np.clip(rng.normal(skill_mean, skill_sd, n), 0, 1),
        trained=np.zeros(n, dtype=bool),
        competency_group=np.full(n, -1, dtype=np.int64),
        competency_gain=np.zeros(n),
        # Beats: officers of each shift spread over the neighbourhoods.
        beat=(number // 3) % city.n_neighborhoods,
        hotspot_role=(number // 3) % 2 == 0,
        busy_until=np.zeros(n, dtype=np.int64),
        active_from=np.zeros(n, dtype=np.int64),
    )


def join_officers(a: Officers, b: Officers) -> Officers:
    """One force from two (the base force and officers a budget adds)."""
    return Officers(
        **{
            name: np.concatenate([getattr(a, name), getattr(b, name)])
            for name in a.__dataclass_fields__
        }
    )
