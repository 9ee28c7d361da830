"""Process 3: where officers spend the hour, and the conversations they have on patrol.

The patrol strategy (a lever module) places the free officers; officers on a
call stay on scene. Levers' guardians (watch members, volunteers) are added
here too, so offending sees all guardianship of the hour in one place.
"""

from __future__ import annotations

import numpy as np

from commsim import trust
from commsim.levers.base import Lever, PatrolStrategy
from commsim.world import World


def patrol(world: World, strategy: PatrolStrategy, levers: list[Lever]) -> None:
    """Place free officers by strategy; sum presence, nearby presence and guardians."""
    off, rng, p = world.officers, world.stream("patrol"), world.city.n_places
    world.duty_now = duty = world.on_duty_mask()
    free_mask = duty & (off.busy_until <= world.tick)
    free = np.flatnonzero(free_mask)
    presence = strategy.patrol(world, free, rng)
    busy = np.flatnonzero(duty & ~free_mask)
    presence += np.bincount(off.place[busy], minlength=p)
    places = world.places
    places.officers_here = presence
    places.officers_near = world.city.adjacency @ presence
    on_beat = np.bincount(
        world.city.neighborhood[off.place[duty]], minlength=world.city.n_neighborhoods
    )
    world.police_density_nb = 100.0 * on_beat / np.diff(world.nb_place_indptr)
    places.guardians_extra = np.zeros(p)
    places.reporters_extra = np.zeros(p)
    for lever in levers:
        if lever.acting:
            extra = lever.guardians(world)
            if extra is not None:
                places.guardians_extra += extra[0]
                # Chance at least one of the levers' guardians reports.
                places.reporters_extra = 1 - (1 - places.reporters_extra) * (1 - extra[1])


def conversations(world: World, strategy: PatrolStrategy) -> None:
    """Officers on patrol talk to residents present (more on community beats)."""
    off, t, rng = world.officers, world.behaviour.trust, world.stream("contact")
    free = np.flatnonzero(world.duty_now & (off.busy_until <= world.tick))
    multiplier, bonus = strategy.contact_rate(world, free)
    n_contacts = rng.poisson(t.contacts_per_officer_hour * multiplier)
    for k in np.flatnonzero(n_contacts):
        present = world.present(int(off.place[free[k]]))
        if len(present):
            who = rng.choice(present, size=min(n_contacts[k], len(present)), replace=False)
            trust.contact(world, int(free[k]), who, float(bonus[k]))
