"""Process 4: offenders' moves and choices each hour (routine activity, rational choice).

Functions over the :class:`~commsim.world.World`; the equations are in
:mod:`commsim.dynamics`, a crime's aftermath in :mod:`commsim.incidents`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from commsim import dynamics
from commsim.behaviour import CRIME_TYPES
from commsim.levers.base import Lever
from commsim.population import ACTIVE
from commsim.world import World

#: Called for each crime: (offender, place, crime type).
CrimeHandler = Callable[[int, int, str], None]


def offend(world: World, levers: list[Lever], on_crime: CrimeHandler) -> None:
    """Active offenders go out or stay home, move, and decide whether to offend."""
    off, o, rng = world.offenders, world.behaviour.offending, world.stream("offending")
    city, h = world.city, world.hour
    draws = rng.random((6, len(off)))  # fixed-size draws keep streams aligned across scenarios
    active = np.flatnonzero(off.state == ACTIVE)
    night = h >= 18 or h < 2
    out_mask = draws[0, active] < (o.out_prob_night if night else o.out_prob_day)
    out, home = active[out_mask], active[~out_mask]
    off.place[home] = off.home[home]
    if len(out) == 0:
        return
    cur = off.place[out]
    adj = city.adjacency
    deg = np.diff(adj.indptr)[cur]
    c1 = adj.indices[adj.indptr[cur] + (draws[1, out] * deg).astype(np.int64)]
    c2 = adj.indices[adj.indptr[cur] + (draws[2, out] * deg).astype(np.int64)]
    attract = dynamics.attractiveness(
        world.places.base_attractiveness, world.places.boost, world.behaviour.places.boost_max
    )
    nxt = np.where(attract[c2] > attract[c1], c2, c1)  # drawn towards attractive targets
    jump = (draws[5, out] * city.n_places).astype(np.int64)  # a known place further away
    nxt = np.where(draws[3, out] < o.exploration, jump, nxt)
    known = city.within(off.home[out], nxt, o.awareness_radius_m)
    nxt = np.where(known, nxt, off.home[out])
    off.place[out] = nxt
    _decide(world, levers, out, nxt, attract, draws[4, out], on_crime)


def _decide(
    world: World,
    levers: list[Lever],
    who: np.ndarray,
    at: np.ndarray,
    attract: np.ndarray,
    u: np.ndarray,
    on_crime: CrimeHandler,
) -> None:
    off, o, city, places = world.offenders, world.behaviour.offending, world.city, world.places
    assert world.routine is not None
    occ = world.routine.occ_now
    deter = dynamics.deterrence(
        occ[at],
        places.officers_here[at],
        places.officers_near[at],
        places.guardians_extra[at],
        off.perceived_risk[who],
        o,
        world.police_density_nb[city.neighborhood[at]],
    )
    youth = off.youth[who]
    opportunities = {
        "burglary": dynamics.burglary_opportunity(
            city.households[at], world.routine.home_occupancy_day[world.hour, at]
        )
        * places.hardening[at],
        "robbery": dynamics.robbery_opportunity(occ[at]),
        "vandalism": np.where(youth | (not o.youth_vandalism_only), 1.0, 0.0),
    }
    motivation = off.motivation[who].copy()
    for lever in levers:
        if lever.acting:
            factor = lever.offender_motivation(world, who)
            if factor is not None:
                motivation *= factor
    probs = dynamics.offence_probabilities(
        world.hour, motivation, attract[at], deter, opportunities, o
    )
    cum = np.cumsum(probs, axis=1)
    kind = (u[:, None] >= cum).sum(axis=1)  # index of the crime type drawn, 3 = none
    for i in np.flatnonzero(kind < len(CRIME_TYPES)):
        on_crime(int(who[i]), int(at[i]), CRIME_TYPES[kind[i]])
