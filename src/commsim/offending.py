"""Process 4: offenders' moves and choices each hour (routine activity, rational choice).

Active offenders are residents. Each hour an offender stays home or goes out;
out, it moves within its awareness space towards attractive places and away
from places offenders believe risky, and at its place weighs the reward
against what it perceives: guardians present and willing to intervene,
officers in sight, the guardians levers put there, and the believed risk of
arrest. Deterrence acts only through this perception and guardianship at the
moment — there is no citywide term in police numbers.

Offenders learn: what they see of police where they are updates the shared
street knowledge of each place's risk (spreading partly to neighbouring
places), and arrests raise it (:func:`heard_of_arrest`). Because offenders
avoid places believed risky, crime can move (displacement) or fall around a
patrolled place too (diffusion), depending on how beliefs generalise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from commsim import dynamics
from commsim.behaviour import CRIME_TYPES
from commsim.levers.base import Lever
from commsim.world import World

#: Called for each crime: (offender, place, crime type).
CrimeHandler = Callable[[int, int, str], None]
DRAWS = 6  # keyed draws per offender and hour: out, two moves, explore, jump, offend


def visibility(world: World) -> np.ndarray:
    """Chance an officer at the place would see each crime type (CRIME_TYPES order)."""
    c = world.behaviour.clearance
    return np.array([getattr(c, f"visibility_{k}") for k in CRIME_TYPES])


def offend(world: World, levers: list[Lever], on_crime: CrimeHandler) -> None:
    """Active offenders go out or stay home, move, learn and decide whether to offend."""
    res, o = world.residents, world.behaviour.offending
    active = world.active
    if len(active) == 0:
        return
    city, h = world.city, world.hour
    u = world.day_draws("offending", active, DRAWS).at(h, active)
    night = h >= 18 or h < 2
    out_mask = u[:, 0] < (o.out_prob_night if night else o.out_prob_day)
    out, u = active[out_mask], u[out_mask]
    res.place[active[~out_mask]] = res.home[active[~out_mask]]
    if len(out) == 0:
        return
    cur = res.place[out]
    adj = city.adjacency
    deg = np.diff(adj.indptr)[cur]
    c1 = adj.indices[adj.indptr[cur] + (u[:, 1] * deg).astype(np.int64)]
    c2 = adj.indices[adj.indptr[cur] + (u[:, 2] * deg).astype(np.int64)]
    attract = dynamics.attractiveness(
        world.places.base_attractiveness, world.places.boost, world.behaviour.places.boost_max
    )
    # Drawn towards attractive places, away from those believed risky.
    appeal = attract * np.exp(-o.avoidance * world.places.risk_belief)
    nxt = np.where(appeal[c2] > appeal[c1], c2, c1)
    jump = (u[:, 4] * city.n_places).astype(np.int64)  # a known place further away
    nxt = np.where(u[:, 3] < o.exploration, jump, nxt)
    known = city.within(res.home[out], nxt, o.awareness_radius_m)
    nxt = np.where(known, nxt, res.home[out])
    res.place[out] = nxt
    _learn(world, nxt)
    _decide(world, levers, out, nxt, attract, u[:, 5], on_crime)


def _learn(world: World, at: np.ndarray) -> None:
    """Offenders see the police where they are; the street's belief about each place moves."""
    r, c = world.behaviour.risk, world.behaviour.clearance
    pl = world.places
    in_sight = (
        pl.officers_here[at] + world.behaviour.offending.adjacent_sight * pl.officers_near[at]
    )
    # What police presence like this implies: the chance of being seen and arrested.
    implied = r.prior + (1 - r.prior) * (1 - np.exp(-c.see_here * c.on_view_arrest * in_sight))
    change = r.learning_rate * (implied - pl.risk_belief[at])
    _spread(world, np.bincount(at, weights=change, minlength=world.city.n_places))


def _spread(world: World, step: np.ndarray) -> None:
    """Apply a belief change at places and, by ``risk.generalization``, at their neighbours."""
    city, pl = world.city, world.places
    near = city.adjacency @ (step * city.inverse_degree)
    belief = pl.risk_belief + step + world.behaviour.risk.generalization * near
    np.clip(belief, 0.0, 1.0, out=belief)
    pl.risk_belief = belief


def heard_of_arrest(world: World, place: int) -> None:
    """Word of an arrest raises the believed risk at its place (and, less, around it)."""
    step = np.zeros(world.city.n_places)
    step[place] = world.behaviour.risk.heard_arrest_gain * (1 - world.places.risk_belief[place])
    _spread(world, step)


def daily(world: World) -> None:
    """Street knowledge fades back towards the prior."""
    r = world.behaviour.risk
    pl = world.places
    pl.risk_belief = r.prior + (pl.risk_belief - r.prior) * np.exp(-1.0 / r.decay_days)


def _decide(
    world: World,
    levers: list[Lever],
    who: np.ndarray,
    at: np.ndarray,
    attract: np.ndarray,
    u: np.ndarray,
    on_crime: CrimeHandler,
) -> None:
    res, o, city, pl = world.residents, world.behaviour.offending, world.city, world.places
    r = world.routine
    assert r is not None
    in_sight = pl.officers_here[at] + o.adjacent_sight * pl.officers_near[at]
    perceived = np.clip(pl.risk_belief[at] + res.risk[who], 0.0, 1.0)
    hazard = (
        o.guardian_weight * r.guard_now[at] + pl.guardians_extra[at] + o.risk_weight * perceived
    )
    young = res.age[who] <= o.youth_max_age_band
    opportunities = {
        "burglary": dynamics.burglary_opportunity(city.households[at], r.at_home_now[at])
        * pl.hardening[at],
        "robbery": dynamics.robbery_opportunity(r.occ_now[at]),
        "vandalism": young.astype(float),
    }
    cynicism = 1.0 - res.trust[who]  # Residents.cynicism, for these offenders only
    motivation = res.motivation[who] * (1.0 + o.cynicism_weight * cynicism)
    # Officers in sight deter each type as much as they could see it.
    seen = o.officer_seen_weight * in_sight[:, None] * visibility(world)[None, :]
    deter = np.exp(-hazard[:, None] - seen)
    probs = dynamics.offence_probabilities(
        world.hour, motivation, attract[at], deter, opportunities, o
    )
    cum = np.cumsum(probs, axis=1)
    kind = (u[:, None] >= cum).sum(axis=1)  # index of the crime type drawn, 3 = none
    for i in np.flatnonzero(kind < len(CRIME_TYPES)):
        on_crime(int(who[i]), int(at[i]), CRIME_TYPES[kind[i]])
