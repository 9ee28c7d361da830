"""Process 1: where residents are each hour (home, work or school, errands, evenings out)."""

from __future__ import annotations

import numpy as np

from commsim.population import AT_HOME, AWAY_HOURS, ERRAND_PROB, EVENING_HOURS
from commsim.world import Routine, World


def plan_day(world: World) -> None:
    """Where every resident is at each hour today (one vectorised pass per day)."""
    res, rng = world.residents, world.stream("routine")
    n, p = len(res), world.city.n_places
    away = AWAY_HOURS[res.schedule]
    errand = rng.random(n) < ERRAND_PROB
    away[:, 10:12] &= ((res.schedule != AT_HOME) | errand)[:, None]
    loc = np.where(away.T, res.activity, res.home)
    out = rng.random(n) < world.behaviour.population.evening_out_prob
    loc[EVENING_HOURS] = np.where(out, res.leisure, loc[EVENING_HOURS])
    flat = (loc + (np.arange(24) * p)[:, None]).ravel()
    occ = np.bincount(flat, minlength=24 * p).reshape(24, p).astype(float)
    home_flat = (res.home + (np.arange(24) * p)[:, None]).ravel()
    at_home = np.bincount(home_flat, weights=(loc == res.home).ravel(), minlength=24 * p).reshape(
        24, p
    )
    world.routine = Routine(
        loc_day=loc,
        occ_day=occ,
        home_occupancy_day=at_home / np.maximum(world.residents_at_home_place, 1),
        loc_now=loc[0],
        occ_now=occ[0],
    )


def this_hour(world: World) -> None:
    """Point the hour's location and occupancy at today's plan."""
    if world.routine is None or world.hour == 0:
        plan_day(world)
    r = world.routine
    assert r is not None
    r.loc_now = r.loc_day[world.hour]
    r.occ_now = r.occ_day[world.hour]
