"""Process 7: places remember crime — near-repeat attractiveness and crime histories."""

from __future__ import annotations

import numpy as np

from commsim import dynamics
from commsim.world import World


def record_crime(
    world: World,
    place: int,
    kind: str,
    victim: int,
    reported: bool,
    recorded: bool,
    response: float | None,
) -> None:
    """Raise the place's boost (near repeat), update histories and today's counts."""
    pp, pl = world.behaviour.places, world.places
    dynamics.spread_boost(pl.boost, place, world.city.adjacency, pp.boost_self, pp.boost_neighbors)
    pl.true_history[0, place] += 1
    if recorded:
        pl.recorded_history[0, place] += 1
    if reported:
        pl.reported_history[0, place] += 1
    nb = world.city.neighborhood[place]
    if world.in_warmup:
        if kind == "burglary":
            pl.warmup_burglary_by_nb[nb] += 1
        return
    c, t = world.today, world.tally
    world.place_tally.crimes[place] += 1
    world.place_tally.recorded[place] += int(recorded)
    c.crimes[kind] += 1
    c.reported += int(reported)
    c.recorded[kind] += int(recorded)
    t.crimes[nb] += 1
    t.recorded[nb] += int(recorded)
    if response is not None:
        c.response_min.append(response)
    if victim >= 0:
        g = world.residents.group[victim]
        c.victims_by_group[g] += 1
        c.victim_reported_by_group[g] += int(reported)
        home_nb = world.residents.neighborhood[victim]
        t.victimizations[home_nb] += 1
        t.reported_victimizations[home_nb] += int(reported)


def daily(world: World) -> None:
    """End of day: boosts decay; the histories move on a day."""
    pl = world.places
    pl.boost *= np.exp(-1.0 / world.behaviour.places.boost_decay_days)
    pl.true_history = np.roll(pl.true_history, 1, axis=0)
    pl.true_history[0] = 0
    pl.recorded_history = np.roll(pl.recorded_history, 1, axis=0)
    pl.recorded_history[0] = 0
    pl.reported_history = np.roll(pl.reported_history, 1, axis=0)
    pl.reported_history[0] = 0
