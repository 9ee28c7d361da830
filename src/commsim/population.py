"""People as structs of arrays: residents (some of whom offend), officers, and social ties.

Each class holds one NumPy array per attribute, indexed by the person's
number. The Mesa agents in :mod:`commsim.agents` are thin views onto these
arrays; all hot-loop updates are vectorised over them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np
from scipy import sparse

from commsim.behaviour import AGE_BANDS, PopulationParams
from commsim.city import City


class Schedule(IntEnum):
    """A resident's weekday routine."""

    WORKER = 0
    STUDENT = 1
    AT_HOME = 2


class OffenderState(IntEnum):
    """Where a resident stands in an offending career."""

    NONE = 0  # never offended, or not now
    ACTIVE = 1
    CUSTODY = 2
    DESISTED = 3


WORKER, STUDENT, AT_HOME = Schedule.WORKER, Schedule.STUDENT, Schedule.AT_HOME
NONE, ACTIVE, CUSTODY, DESISTED = (
    OffenderState.NONE,
    OffenderState.ACTIVE,
    OffenderState.CUSTODY,
    OffenderState.DESISTED,
)
# Hours away from home by schedule type (index = hour of day). Assumption,
# shaped on the American Time Use Survey: work 8-17 h, school 8-15 h.
AWAY_HOURS = np.zeros((3, 24), dtype=bool)
AWAY_HOURS[WORKER, 8:17] = True
AWAY_HOURS[STUDENT, 8:15] = True
AWAY_HOURS[AT_HOME, 10:12] = True  # a shopping trip, taken on some days only
EVENING_HOURS = slice(18, 22)
ERRAND_PROB = 0.5  # daily chance an at-home resident makes the 10-12 h trip; assumption
NEVER = np.iinfo(np.int64).max
BAND_START = np.array([12, 18, 25, 35, 50, 65])
BAND_END = np.array([18, 25, 35, 50, 65, 90])  # exclusive; 65+ spread to 90


def members_csr(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Group items by key: items[indptr[k]:indptr[k + 1]] are those with key k."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return indptr, order


@dataclass
class Residents:
    """Residents' state, one array per attribute (people aged 12 and over)."""

    home: np.ndarray
    activity: np.ndarray
    leisure: np.ndarray
    neighborhood: np.ndarray
    group: np.ndarray
    age: np.ndarray  # index into AGE_BANDS
    age_years: np.ndarray
    income: np.ndarray  # index into INCOME_BANDS
    tenure_years: np.ndarray
    schedule: np.ndarray
    smartphone: np.ndarray
    predisposition: np.ndarray  # own anchor of trust in police, 0-1
    trust: np.ndarray
    fear: np.ndarray
    cohesion: np.ndarray  # ties in the neighbourhood x residential stability, 0-1
    app: np.ndarray
    watch: np.ndarray
    campaign: np.ndarray
    patroller: np.ndarray
    victimizations: np.ndarray
    contacted: np.ndarray  # any police contact since the evaluation window began
    approached: np.ndarray  # a police-initiated contact since the evaluation window began
    offender: np.ndarray  # OffenderState
    motivation: np.ndarray  # multiplier on offending (offenders only)
    risk: np.ndarray  # own perceived chance of arrest (offenders only)
    release_tick: np.ndarray  # end of custody
    place: np.ndarray  # where an offender is this hour
    ties: sparse.csr_matrix  # row-normalised: (ties @ x)[i] is i's ties' mean x
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

    @property
    def cynicism(self) -> np.ndarray:
        """Legal cynicism, read as distrust of police (Kirk & Papachristos 2011), 0-1."""
        return 1.0 - self.trust


def neighborhood_disadvantage(city: City) -> np.ndarray:
    """Mean disadvantage of each neighbourhood's places."""
    counts = np.maximum(np.bincount(city.neighborhood, minlength=city.n_neighborhoods), 1)
    return np.bincount(city.neighborhood, city.disadvantage, city.n_neighborhoods) / counts


def group_shares(
    pop: PopulationParams, disadvantage: np.ndarray, households: np.ndarray
) -> np.ndarray:
    """Each neighbourhood's group shares (rows), segregated along disadvantage.

    A group's weight in neighbourhood k is its city share times
    ``exp(b * loading * z_k)`` (z: standardised disadvantage); ``b`` is found by
    bisection so the dissimilarity index between the first two groups equals
    ``population.segregation``, weighting neighbourhoods by households.
    """
    names = list(pop.groups)
    shares = np.array([pop.groups[g].share for g in names], dtype=float)
    shares /= shares.sum()
    loading = np.array([pop.groups[g].disadvantage_loading for g in names])
    z = (disadvantage - disadvantage.mean()) / (disadvantage.std() or 1.0)
    size = households / max(households.sum(), 1e-12)

    def mix(b: float) -> np.ndarray:
        w = shares[None, :] * np.exp(b * loading[None, :] * z[:, None])
        w /= w.sum(axis=1, keepdims=True)
        # Keep each group's city share: rescale columns, then rows again.
        for _ in range(50):
            w *= (shares / np.maximum(size @ w, 1e-12))[None, :]
            w /= w.sum(axis=1, keepdims=True)
        return w

    if len(names) < 2 or pop.segregation <= 0 or len(disadvantage) < 2 or not np.any(z):
        return np.tile(shares, (len(disadvantage), 1))
    lo, hi = 0.0, 20.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if dissimilarity(mix(mid), size) < pop.segregation:
            lo = mid
        else:
            hi = mid
    return mix((lo + hi) / 2)


def dissimilarity(shares: np.ndarray, size: np.ndarray, a: int = 0, b: int = 1) -> float:
    """Dissimilarity of groups ``a`` and ``b`` over neighbourhoods (0: even, 1: apart)."""
    pop_a, pop_b = shares[:, a] * size, shares[:, b] * size
    if pop_a.sum() <= 0 or pop_b.sum() <= 0:
        return 0.0
    return float(0.5 * np.abs(pop_a / pop_a.sum() - pop_b / pop_b.sum()).sum())


def make_residents(
    pop: PopulationParams, n: int, city: City, rng: np.random.Generator, trust_sd: float
) -> Residents:
    """Place ``n`` residents in homes and give them who they are, their routines and ties."""
    p, n_nb = city.n_places, city.n_neighborhoods
    weights = city.households.astype(float)
    home = rng.choice(p, size=n, p=weights / weights.sum())
    nb = city.neighborhood[home]
    dis = neighborhood_disadvantage(city)
    nb_households = np.bincount(city.neighborhood, weights, n_nb)
    mix = group_shares(pop, dis, nb_households)
    cum = np.cumsum(mix, axis=1)[nb]
    group = (rng.random(n)[:, None] >= cum).sum(axis=1).clip(max=mix.shape[1] - 1)
    age_p = np.asarray(pop.age_shares, float) / sum(pop.age_shares)
    age = rng.choice(len(AGE_BANDS), size=n, p=age_p)
    age_years = (BAND_START[age] + rng.random(n) * (BAND_END[age] - BAND_START[age])).astype(
        np.int64
    )
    d = dis[nb]
    p_low = np.clip(pop.income_low_base + pop.income_low_per_disadvantage * d, 0, 1)
    p_high = np.clip(pop.income_high_base - pop.income_high_per_disadvantage * d, 0, 1 - p_low)
    u = rng.random(n)
    income = np.where(u < p_low, 0, np.where(u < p_low + p_high, 2, 1))
    tenure = rng.exponential(np.asarray(pop.tenure_years_by_income, float)[income])
    phone_age = np.asarray(pop.smartphone_by_age, float)[age]
    phone_income = np.asarray(pop.smartphone_by_income, float)[income]
    overall = float(np.mean(phone_age)) or 1.0
    smartphone = rng.random(n) < np.clip(phone_age * phone_income / overall, 0, 0.99)
    schedule_u = rng.random(n)
    schedule = np.where(
        schedule_u < pop.worker_share,
        WORKER,
        np.where(schedule_u < pop.worker_share + pop.student_share, STUDENT, AT_HOME),
    )
    schedule = np.where(
        age == 0, STUDENT, np.where((age == 5) & (schedule == STUDENT), AT_HOME, schedule)
    )
    activity = _pick_places(
        city, nb, rng, land_uses=(1, 2), local_share=np.where(schedule == WORKER, 0.3, 0.9)
    )
    activity = np.where(schedule == AT_HOME, _pick_places(city, nb, rng, (1, 2), 1.0), activity)
    leisure = _pick_places(city, nb, rng, land_uses=(1, 2, 3), local_share=np.full(n, 0.8))
    mean = np.array([pop.groups[g].baseline_trust for g in pop.groups])[group]
    predisposition = np.clip(mean + rng.normal(0, trust_sd, n), 0, 1)
    fear = np.clip(pop.initial_fear + rng.normal(0, 0.05, n), 0, 1)
    ties = _make_ties(
        nb, group, n_nb, pop.ties_per_resident, pop.cross_neighborhood_ties, pop.homophily, rng
    )
    home_indptr, home_members = members_csr(home, p)
    assoc_keys = np.concatenate([home, activity, leisure])
    assoc_items = np.concatenate([np.arange(n)] * 3)
    place_indptr, order = members_csr(assoc_keys, p)
    nb_indptr, nb_members = members_csr(nb, n_nb)
    local = _local_tie_share(ties, nb)
    return Residents(
        home=home,
        activity=activity,
        leisure=leisure,
        neighborhood=nb,
        group=group,
        age=age,
        age_years=age_years,
        income=income,
        tenure_years=tenure,
        schedule=schedule,
        smartphone=smartphone,
        predisposition=predisposition,
        trust=predisposition.copy(),
        fear=fear,
        cohesion=local,  # scaled by tenure in commsim.efficacy
        app=np.zeros(n, dtype=bool),
        watch=np.zeros(n, dtype=bool),
        campaign=np.zeros(n, dtype=bool),
        patroller=np.zeros(n, dtype=bool),
        victimizations=np.zeros(n, dtype=np.int64),
        contacted=np.zeros(n, dtype=bool),
        approached=np.zeros(n, dtype=bool),
        offender=np.zeros(n, dtype=np.int8),
        motivation=np.zeros(n),
        risk=np.zeros(n),
        release_tick=np.zeros(n, dtype=np.int64),
        place=home.copy(),
        ties=ties,
        has_ties=np.diff(ties.indptr) > 0,
        home_indptr=home_indptr,
        home_members=home_members,
        place_indptr=place_indptr,
        place_members=assoc_items[order],
        nb_indptr=nb_indptr,
        nb_members=nb_members,
    )


def _local_tie_share(ties: sparse.csr_matrix, nb: np.ndarray) -> np.ndarray:
    """Share of each resident's ties who live in the same neighbourhood."""
    rows = np.repeat(np.arange(len(nb)), np.diff(ties.indptr))
    same = nb[ties.indices] == nb[rows]
    local = np.bincount(rows, weights=same * ties.data, minlength=len(nb))
    return np.clip(local, 0.0, 1.0)


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
    if len(pool_all) == 0:  # a city of homes only: go to any place
        pool_all = np.arange(city.n_places)
        ok = np.ones(city.n_places, dtype=bool)
    out = pool_all[rng.integers(0, len(pool_all), n)]
    local = rng.random(n) < local_share
    indptr, members = members_csr(city.neighborhood[ok], city.n_neighborhoods)
    pool_places = pool_all  # members index into the ok-places, in order
    counts = np.diff(indptr)
    want = local & (counts[nb] > 0)
    idx = np.flatnonzero(want)
    pick = indptr[nb[idx]] + (rng.random(len(idx)) * counts[nb[idx]]).astype(np.int64)
    out[idx] = pool_places[members[pick]]
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
    deg = np.diff(a.indptr).astype(float)
    inv = np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)
    out = sparse.csr_matrix(sparse.diags(inv) @ a)
    return out


def _random_member(
    keys: np.ndarray, indptr: np.ndarray, members: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A random member of each key's group (the key's own group is never empty here)."""
    start, count = indptr[keys], np.diff(indptr)[keys]
    return members[start + (rng.random(len(keys)) * count).astype(np.int64)]


@dataclass
class Officers:
    """Officers on the force (including those a budget adds)."""

    place: np.ndarray
    base: np.ndarray  # the beat's base (a station or office) where non-patrol time is spent
    shift: np.ndarray  # 0: 0-8 h, 1: 8-16 h, 2: 16-24 h
    skill: np.ndarray
    trained_tick: np.ndarray  # when trained, or NEVER
    competency_group: (
        np.ndarray
    )  # group a trained officer's cultural-competency part targets, or -1
    competency_gain: np.ndarray  # extra skill with that group
    beat: np.ndarray  # neighbourhood id of the officer's beat
    hotspot_role: np.ndarray  # in a mixed strategy, True = hot-spot team
    busy_until: np.ndarray  # tick when free again
    active_from: np.ndarray  # tick the officer joins (funded officers join at policy start)

    def __len__(self) -> int:
        return len(self.place)


def beat_bases(city: City) -> np.ndarray:
    """Each neighbourhood's base: its place nearest the neighbourhood's centre (documented)."""
    bases = np.zeros(city.n_neighborhoods, dtype=np.int64)
    for k in range(city.n_neighborhoods):
        members = np.flatnonzero(city.neighborhood == k)
        centre = city.pos[members].mean(axis=0)
        bases[k] = members[np.argmin(((city.pos[members] - centre) ** 2).sum(axis=1))]
    return bases


def make_officers(
    n: int, city: City, skill_mean: float, skill_sd: float, rng: np.random.Generator, first: int = 0
) -> Officers:
    """``n`` officers numbered from ``first`` (shifts and beats follow the number).

    The base force and officers a budget adds are made by separate calls on
    separate streams, so funding never changes the base force's draws.
    """
    number = first + np.arange(n)
    beat = (number // 3) % city.n_neighborhoods  # officers of each shift spread over beats
    return Officers(
        place=rng.integers(0, city.n_places, n),
        base=beat_bases(city)[beat],
        shift=number % 3,
        skill=np.clip(rng.normal(skill_mean, skill_sd, n), 0, 1),
        trained_tick=np.full(n, NEVER, dtype=np.int64),
        competency_group=np.full(n, -1, dtype=np.int64),
        competency_gain=np.zeros(n),
        beat=beat,
        hotspot_role=(number // 3) % 2 == 0,
        busy_until=np.zeros(n, dtype=np.int64),
        active_from=np.zeros(n, dtype=np.int64),
    )


def join_officers(a: Officers, b: Officers) -> Officers:
    """One force from two (the base force and officers a budget adds)."""
    return Officers(
        **{
            f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)])
            for f in fields(Officers)
        }
    )
