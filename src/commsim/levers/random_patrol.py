"""Random preventive patrol: each free officer goes anywhere in the city (the baseline)."""

from __future__ import annotations

import numpy as np

from commsim.levers.base import PatrolStrategy, register
from commsim.world import World


@register
class RandomPatrol(PatrolStrategy):
    """Officers patrol places drawn at random (reactive policing's default).

    Examples:
        ``policy.patrol_strategy=random``
    """

    key = "random_patrol"
    name = "random"
    label = "random patrol"

    def patrol(self, world: World, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Every free officer goes to a random place."""
        world.officers.place[free] = rng.integers(0, world.city.n_places, len(free))
        return np.bincount(world.officers.place[free], minlength=world.city.n_places).astype(float)
