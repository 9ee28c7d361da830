"""Process 6: trust in police and fear of crime (contacts, outcomes, victimisation, ties, shocks).

Functions over the :class:`~commsim.world.World`; the equations are in
:mod:`commsim.dynamics`.
"""

from __future__ import annotations

import numpy as np

from commsim import dynamics
from commsim.world import World


def contact(world: World, officer: int, residents: np.ndarray, bonus: float = 0.0) -> None:
    """Police contacts: each goes well with chance = the officer's skill (+ bonus, + competency)."""
    res, off, t = world.residents, world.officers, world.behaviour.trust
    skill = np.full(len(residents), off.skill[officer] + bonus)
    if off.competency_group[officer] >= 0:
        skill += off.competency_gain[officer] * (
            res.group[residents] == off.competency_group[officer]
        )
    good = world.stream("contact").random(len(residents)) < skill
    res.trust[residents] = dynamics.contact_trust(
        res.trust[residents], good, t.good_contact, t.asymmetry
    )


def good_contacts(world: World, residents: np.ndarray, times: float = 1.0) -> None:
    """Contacts that go well (meetings, community events), ``times`` a good contact each."""
    res, t = world.residents, world.behaviour.trust
    good = np.ones(len(residents), dtype=bool)
    res.trust[residents] = dynamics.contact_trust(
        res.trust[residents], good, t.good_contact * times, t.asymmetry
    )


def report_outcome(world: World, reporters: np.ndarray, good: bool) -> None:
    """Reporters hear how their report went: a fast answer or an arrest raises trust."""
    res, t = world.residents, world.behaviour.trust
    flags = np.full(len(reporters), good)
    res.trust[reporters] = dynamics.outcome_trust(
        res.trust[reporters], flags, t.outcome_good, t.outcome_bad
    )


def victimised(world: World, victim: int) -> None:
    """A victim fears more and trusts a little less."""
    res, t = world.residents, world.behaviour.trust
    res.fear[victim] = min(1.0, res.fear[victim] + t.victimization_fear)
    res.trust[victim] = max(0.0, res.trust[victim] - t.victimization_trust)
    res.victimizations[victim] += 1


def daily(world: World) -> None:
    """End of day: social influence over ties, and fear drifting back but fed by local crime."""
    res, t = world.residents, world.behaviour.trust
    res.trust[:] = dynamics.contagion(
        res.trust, res.ties, res.has_ties, res.baseline_trust, t.contagion_per_day, t.anchor_per_day
    )
    nb_crime = np.bincount(
        world.city.neighborhood,
        weights=world.places.true_history[0],
        minlength=world.city.n_neighborhoods,
    )
    initial = world.behaviour.population.initial_fear
    fear = res.fear + t.fear_decay_per_day * (initial - res.fear)
    res.fear[:] = np.clip(fear + t.neighborhood_crime_fear * nb_crime[res.neighborhood], 0.0, 1.0)


def misconduct(world: World, group: str | None, drop: float, spill: float) -> None:
    """A misconduct incident: trust falls by ``drop`` in the group touched, ``spill`` elsewhere."""
    res = world.residents
    if group is None:
        cut = np.full(len(res), drop)
    else:
        cut = np.where(res.group == world.groups.index(group), drop, spill)
    res.trust[:] = np.clip(res.trust - cut, 0.0, 1.0)


def community_event(world: World, gain: float) -> None:
    """A community event: trust rises by ``gain`` for all."""
    res = world.residents
    res.trust[:] = np.clip(res.trust + gain, 0.0, 1.0)
