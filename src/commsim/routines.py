"""Process 1: where residents are each hour (home, work or school, errands, evenings out).

Today's choices (errand, evening out) are drawn once a day; locations are
recomputed only at the hours when some routine changes, so the hourly cost is
a few vectorised passes a day, whatever the city's size. The per-resident
arrays are allocated once and refilled in place: a million residents' daily
arrays are megabytes each, and fresh ones every day cost more than the
arithmetic (and fragment the allocator).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.population import AT_HOME, AWAY_HOURS, ERRAND_PROB, EVENING_HOURS
from commsim.world import Routine, World

#: Hours at which somebody's location can change (AWAY_HOURS and evening edges).
CHANGE_HOURS = frozenset(
    {0, EVENING_HOURS.start, EVENING_HOURS.stop}
    | {h for h in range(1, 24) if (AWAY_HOURS[:, h] != AWAY_HOURS[:, h - 1]).any()}
)


@dataclass
class DayPlan(Routine):
    """The routine plus the buffers it is recomputed in (allocated once per run)."""

    by_schedule: np.ndarray  # (schedules, residents) bool: resident has this schedule
    to_activity: np.ndarray  # activity - home (a location is home + a chosen offset)
    away: np.ndarray  # scratch: away from home this hour
    offset: np.ndarray  # scratch: the chosen offset from home
    draws: np.ndarray  # scratch: today's uniform draws


def _new_plan(world: World) -> DayPlan:
    res, p = world.residents, world.city.n_places
    n = len(res)
    return DayPlan(
        errand=np.zeros(n, dtype=bool),
        out=np.zeros(n, dtype=bool),
        loc_now=res.home.copy(),
        occ_now=np.zeros(p),
        guard_now=np.zeros(p),
        at_home_now=np.ones(p),
        by_schedule=np.stack([res.schedule == s for s in range(len(AWAY_HOURS))]),
        to_activity=res.activity - res.home,
        away=np.zeros(n, dtype=bool),
        offset=np.zeros(n, dtype=res.home.dtype),
        draws=np.zeros(n),
    )


def plan_day(world: World) -> None:
    """Draw today's errands and evenings out (fixed-size draws, keyed by resident)."""
    r = world.routine
    if not isinstance(r, DayPlan):
        r = world.routine = _new_plan(world)
    rng = world.stream("routine")
    np.less(rng.random(out=r.draws), ERRAND_PROB, out=r.errand)
    np.less(rng.random(out=r.draws), world.behaviour.population.evening_out_prob, out=r.out)


def locations(world: World, hour: int) -> np.ndarray:
    """Each resident's place at ``hour`` today (written into the routine's ``loc_now``)."""
    res, r = world.residents, world.routine
    assert isinstance(r, DayPlan)
    away, loc = r.away, r.loc_now
    away[:] = False
    for schedule in np.flatnonzero(AWAY_HOURS[:, hour]):
        if schedule == AT_HOME and 10 <= hour < 12:  # the errand, on some days only
            away |= r.by_schedule[schedule] & r.errand
        else:
            away |= r.by_schedule[schedule]
    # Branch-free selects (integer arithmetic, exact): several times faster than
    # np.where over a million residents with a mask that is half true.
    np.multiply(away, r.to_activity, out=r.offset)
    np.add(res.home, r.offset, out=loc)
    if EVENING_HOURS.start <= hour < EVENING_HOURS.stop:
        np.subtract(res.leisure, loc, out=r.offset)
        r.offset *= r.out
        loc += r.offset
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
    loc = locations(world, world.hour)
    r.occ_now[:] = np.bincount(loc, minlength=p)
    r.guard_now = np.bincount(loc, weights=world.efficacy, minlength=p)
    home = np.bincount(res.home, weights=np.equal(loc, res.home, out=r.away), minlength=p)
    np.divide(home, np.maximum(world.residents_at_home_place, 1), out=r.at_home_now)
