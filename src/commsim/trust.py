"""Process 6: trust in police and fear of crime.

Each resident's trust is their own predisposition plus what experience has
added or taken away; experience fades back to the predisposition with a
half-life (``trust.persistence_half_life_days``) and is shared over social
ties (vicarious experience), so opinion is shared without collapsing into a
group consensus. Contacts differ by kind: a good non-enforcement contact
(a beat conversation, a meeting) raises trust by ``trust.good_contact_gain``;
a good enforcement contact (a stop, a call answered, an arrest) by a small
share of that; a bad contact of any kind lowers it ``trust.asymmetry`` times
as much (Skogan 2006). Whether a contact goes well depends on the officer's
procedural-justice skill.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from commsim.world import World


class Contact(Enum):
    """Kinds of police contact."""

    STOP = "stop"  # police-initiated enforcement contact
    CALL = "call"  # a report answered (victims and witnesses who called)
    ARREST = "arrest"
    CONVERSATION = "conversation"  # non-enforcement contact on patrol
    MEETING = "meeting"  # non-enforcement contact at a community meeting

    @property
    def police_initiated(self) -> bool:
        """Contacts the police started, as the Police-Public Contact Survey counts them.

        The survey's police-initiated contacts are street and traffic stops, arrests
        and being approached by police for another reason (here, patrol conversations).
        """
        return self in (Contact.STOP, Contact.ARREST, Contact.CONVERSATION)

    @property
    def enforcement(self) -> bool:
        """Stops, calls and arrests are enforcement contacts."""
        return self in (Contact.STOP, Contact.CALL, Contact.ARREST)


def contact(
    world: World,
    officer: int,
    residents: np.ndarray,
    kind: Contact,
    quality_cut: float = 0.0,
    bonus: float = 0.0,
) -> np.ndarray:
    """Police contacts with ``residents``; returns which went well.

    A contact goes well with chance = the officer's skill (plus cultural
    competency with the group a training targeted, plus ``bonus``, minus
    ``quality_cut``).
    """
    res, off, t = world.residents, world.officers, world.behaviour.trust
    if len(residents) == 0:
        return np.zeros(0, dtype=bool)
    chance = np.full(len(residents), off.skill[officer] + bonus - quality_cut)
    if off.competency_group[officer] >= 0:
        chance += off.competency_gain[officer] * (
            res.group[residents] == off.competency_group[officer]
        )
    # Keyed by (hour, resident): a contact's luck does not depend on other contacts that hour.
    good = world.streams.keyed("contact_quality", world.tick, residents)[:, 0] < chance
    gain = t.good_contact_gain * (t.enforcement_good_share if kind.enforcement else 1.0)
    change = np.where(good, gain, -t.asymmetry * t.good_contact_gain)
    res.trust[residents] = np.clip(res.trust[residents] + change, 0.0, 1.0)
    if not world.in_warmup:
        res.contacted[residents] = True
        c = world.today
        np.add.at(c.contacts_by_group, res.group[residents], 1)
        if kind.police_initiated:
            res.approached[residents] = True
        if kind is Contact.STOP:
            np.add.at(c.stops_by_group, res.group[residents], 1)
            np.add.at(world.tally.stops, res.neighborhood[residents], 1)
        np.add.at(world.tally.contacts, res.neighborhood[residents], 1)
    return good


def victimised(world: World, victim: int) -> None:
    """A victim fears more and trusts a little less."""
    res, t = world.residents, world.behaviour.trust
    res.fear[victim] = min(1.0, res.fear[victim] + t.victimization_fear)
    res.trust[victim] = max(0.0, res.trust[victim] - t.victimization_trust)
    res.victimizations[victim] += 1


def daily(world: World) -> None:
    """End of day: experience spreads over ties and fades; fear follows local crime."""
    res, t = world.residents, world.behaviour.trust
    experience = res.trust - res.predisposition
    shared = res.ties @ experience
    experience = experience + t.contagion_per_day * np.where(res.has_ties, shared - experience, 0.0)
    experience *= 0.5 ** (1.0 / t.persistence_half_life_days)
    res.trust[:] = np.clip(res.predisposition + experience, 0.0, 1.0)
    n_nb = world.city.n_neighborhoods
    nb_crime = np.bincount(
        world.city.neighborhood, weights=world.places.true_history[0], minlength=n_nb
    )
    per_1000 = 1000.0 * nb_crime / np.maximum(world.nb_sizes, 1)
    initial = world.behaviour.population.initial_fear
    fear = res.fear + t.fear_decay_per_day * (initial - res.fear)
    res.fear[:] = np.clip(fear + t.neighborhood_crime_fear * per_1000[res.neighborhood], 0.0, 1.0)


def misconduct(world: World, group: str | None, drop: float, spill: float, lasting: float) -> None:
    """A misconduct incident in the news.

    Trust falls by ``drop`` in the group touched and ``spill`` in the others;
    a share ``lasting`` of the fall moves residents' predispositions too (it
    does not fade).
    """
    res = world.residents
    if group is None:
        cut = np.full(len(res), drop)
    else:
        cut = np.where(res.group == world.groups.index(group), drop, spill)
    res.trust[:] = np.clip(res.trust - cut, 0.0, 1.0)
    res.predisposition[:] = np.clip(res.predisposition - lasting * cut, 0.0, 1.0)


def community_event(world: World, gain: float) -> None:
    """A community event: trust rises by ``gain`` for all (it fades like any experience)."""
    res = world.residents
    res.trust[:] = np.clip(res.trust + gain, 0.0, 1.0)
