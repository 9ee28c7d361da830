"""Process 3: where officers spend the hour, and the contacts they make on patrol.

Of their uncommitted time, officers spend ``police.preventive_patrol_share``
on preventive patrol — the patrol strategy (a lever module) decides where —
and the rest at their beat's base on other duties, out of sight but still
dispatched to calls. Officers on a call stay on scene. Patrolling officers
stop people (police-initiated contacts: who is stopped follows who is there)
and talk to residents (non-enforcement contacts). Residents also meet police
for matters the model does not simulate (accidents, other crimes, help): a
documented rate of service contacts. Levers' guardians (watch members,
volunteers) are added here too, so offending sees all guardianship of the
hour in one place.
"""

from __future__ import annotations

import numpy as np

from commsim import trust
from commsim.levers.base import Lever, PatrolStrategy
from commsim.trust import Contact
from commsim.world import World


def patrol(world: World, strategy: PatrolStrategy, levers: list[Lever]) -> None:
    """Place officers; sum presence, nearby presence and levers' guardians."""
    off, p = world.officers, world.city.n_places
    world.duty_now = duty = world.on_duty_mask()
    free_mask = duty & (off.busy_until <= world.tick)
    everyone = np.arange(len(off))
    u = world.day_draws("patrol_share", everyone, 1).at(world.hour, everyone)[:, 0]
    patrolling = free_mask & (u < world.behaviour.police.preventive_patrol_share)
    world.patrolling = patrolling
    at_base = np.flatnonzero(free_mask & ~patrolling)
    off.place[at_base] = off.base[at_base]
    presence = strategy.patrol(world, np.flatnonzero(patrolling), world.stream("patrol"))
    busy = np.flatnonzero(duty & ~free_mask)
    presence += np.bincount(off.place[busy], minlength=p)
    places = world.places
    places.officers_here = presence
    places.officers_near = world.city.adjacency @ presence
    if not world.in_warmup:
        world.place_tally.patrol_hours += presence
    places.guardians_extra = np.zeros(p)
    places.reporters_extra = np.zeros(p)
    for lever in levers:
        if lever.acting:
            extra = lever.guardians(world)
            if extra is not None:
                places.guardians_extra += extra[0]
                # Chance at least one of the levers' guardians reports.
                places.reporters_extra = 1 - (1 - places.reporters_extra) * (1 - extra[1])


def contacts(world: World, strategy: PatrolStrategy) -> None:
    """Stops and conversations on patrol this hour, and service contacts."""
    pol, rng = world.behaviour.police, world.stream("contact")
    res = world.residents
    on_patrol = np.flatnonzero(world.patrolling)
    talk, bonus = strategy.contact_rate(world, on_patrol)
    n_stops = rng.poisson(pol.stops_per_patrol_hour * strategy.stop_rate(world, on_patrol))
    n_talks = rng.poisson(pol.conversations_per_patrol_hour * talk)
    weights = np.asarray(pol.stop_age_weights, float)
    for k in np.flatnonzero(n_stops + n_talks):
        officer = int(on_patrol[k])
        present = world.present(int(world.officers.place[officer]))
        if len(present) == 0:
            continue
        if n_stops[k]:
            w = weights[res.age[present]]
            who = rng.choice(
                present, size=min(n_stops[k], len(present)), replace=False, p=w / w.sum()
            )
            trust.contact(
                world,
                officer,
                who,
                Contact.STOP,
                quality_cut=world.behaviour.trust.stop_quality_cut,
            )
        if n_talks[k]:
            who = rng.choice(present, size=min(n_talks[k], len(present)), replace=False)
            trust.contact(world, officer, who, Contact.CONVERSATION, bonus=float(bonus[k]))
    _service_contacts(world)


def _service_contacts(world: World) -> None:
    """Residents who meet police this hour about matters the model does not simulate."""
    pol = world.behaviour.police
    rate = pol.service_contacts_per_1000_year / 1000.0 / (365 * 24)
    rng = world.stream("service")
    count = rng.poisson(rate * world.n_residents)
    if count == 0 or not world.duty_now.any():
        return
    who = rng.integers(0, world.n_residents, count)
    duty = np.flatnonzero(world.duty_now)
    for person in who:
        trust.contact(world, int(duty[rng.integers(len(duty))]), np.array([person]), Contact.CALL)
