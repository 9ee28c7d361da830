"""Process 1: where residents are each hour (home, work or school, errands, evenings out).

Today's choices (errand, evening out) are drawn once a day; locations are
recomputed only at the hours when some routine changes, so the hourly cost is
a few vectorised passes a day, whatever the city's size.
"""

from __future__ import annotations

import numpy as np

from commsim.population import AT_HOME, AWAY_HOURS, ERRAND_PROB, EVENING_HOURS
from commsim.world import Routine, World

#: Hours at which somebody's location can change (AWAY_HOURS and evening edges).
CHANGE_HOURS = frozenset(
    {0, EVENING_HOURS.start, EVENING_HOURS.stop}
    | {h for h in range(1, 24) if (AWAY_HOURS[:, h] != AWAY_HOURS[:, h - 1]).any()}
)


def plan_day(world: World) -> None:
    """Draw today's errands and evenings out (fixed-size draws, keyed by resident)."""
    res, rng = world.residents, world.stream("routine")
    n = len(res)
    errand = rng.random(n) < ERRAND_PROB
    out = rng.random(n) < world.behaviour.population.evening_out_prob
    p = world.city.n_places
    world.routine = Routine(
        errand=errand,
        out=out,
        loc_now=res.home.copy(),
        occ_now=np.zeros(p),
        guard_now=np.zeros(p),
        at_home_now=np.ones(p),
    )


def locations(world: World, hour: int) -> np.ndarray:
    """Each resident's place at ``hour`` today."""
    res, r = world.residents, world.routine
    assert r is not None
    away = AWAY_HOURS[res.schedule, hour]
    if 10 <= hour < 12:
        away = away & ((res.schedule != AT_HOME) | r.errand)
    loc = np.where(away, res.activity, res.home)
    if EVENING_HOURS.start <= hour < EVENING_HOURS.stop:
        loc = np.where(r.out, res.leisure, loc)
    return loc


def this_hour(world: World) -> None:
    """Update where everyone is when the hour changes somebody's routine."""
    if world.routine is None or world.hour == 0:
        plan_day(world)
    if world.hour not in CHANGE_HOURS and world.hour != 0:
        return
    r = world.routine
    assert r is not None
    res, p = world.residents, world.city.n_places
    r.loc_now = locations(world, world.hour)
    r.occ_now = np.bincount(r.loc_now, minlength=p).astype(float)
    r.guard_now = np.bincount(r.loc_now, weights=world.efficacy, minlength=p)
    home = np.bincount(res.home, weights=r.loc_now == res.home, minlength=p)
    r.at_home_now = home / np.maximum(world.residents_at_home_place, 1)
