"""Random preventive patrol: officers drive the streets (the baseline strategy).

A patrolling officer passes ``police.blocks_per_patrol_hour`` places an hour,
moving along the streets from where it is, and is present at each for a
share of the hour: patrol is seen in many places briefly rather than in one
place all hour. Other strategies reuse :func:`drive` for the time they do not
spend where they aim.
"""

from __future__ import annotations

import numpy as np

from commsim.levers.base import PatrolStrategy, register
from commsim.world import World


def drive(
    world: World, officers: np.ndarray, rng: np.random.Generator, stay_in_beat: bool = False
) -> np.ndarray:
    """Drive each officer along the streets for an hour; returns presence per place.

    Args:
        world: The world (officers' places are updated to where the hour ends).
        officers: Officer numbers.
        rng: The patrol stream.
        stay_in_beat: Turn back rather than leave the officer's beat (community beats).
    """
    p = world.city.n_places
    if len(officers) == 0:
        return np.zeros(p)
    blocks = world.behaviour.police.blocks_per_patrol_hour
    adj, nb = world.city.adjacency, world.city.neighborhood
    here = world.officers.place[officers].copy()
    beat = world.officers.beat[officers]
    visited = [here.copy()]
    deg = np.diff(adj.indptr)
    u = rng.random((blocks - 1, len(officers)))
    for step in range(blocks - 1):
        nxt = adj.indices[adj.indptr[here] + (u[step] * deg[here]).astype(np.int64)]
        if stay_in_beat:
            nxt = np.where(nb[nxt] == beat, nxt, here)
        here = nxt
        visited.append(here.copy())
    world.officers.place[officers] = here
    return np.bincount(np.concatenate(visited), minlength=p) / blocks


@register
class RandomPatrol(PatrolStrategy):
    """Officers drive the streets wherever they lead (reactive policing's default).

    Examples:
        ``policy.patrol_strategy=random``
    """

    key = "random_patrol"
    name = "random"
    label = "random patrol"

    def patrol(self, world: World, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Every patrolling officer drives on from where it is."""
        return drive(world, free, rng)
