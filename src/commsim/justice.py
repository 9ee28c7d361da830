"""What follows an arrest: the arrestee's contact with police, custody, and what offenders learn.

An arrest is not custody: a share of arrests ends in conviction, a share of
convictions in custody, for a type-specific mean length (BJS Felony
Defendants in Large Urban Counties 2009, approximately). Everyone arrested is
held a few days first. The offender's own perceived risk rises (Anwar &
Loughran 2011) and word of the arrest raises the believed risk at its place.
"""

from __future__ import annotations

import numpy as np

from commsim import offending, trust
from commsim.population import ACTIVE, CUSTODY
from commsim.trust import Contact
from commsim.world import World

RISK_OFFSET_MAX = 0.5  # an offender's own risk sits at most this far from the street's belief


def arrest(world: World, offender: int, place: int, kind: str, heard: bool = True) -> None:
    """Arrest ``offender`` for a crime of ``kind`` at ``place``."""
    res, j, r = world.residents, world.behaviour.justice, world.behaviour.risk
    # Keyed by (hour, offender): the court's luck does not depend on other arrests.
    u = world.streams.keyed("custody", world.tick, np.array([offender]), 3)[0]
    res.risk[offender] = min(RISK_OFFSET_MAX, res.risk[offender] + r.own_arrest_gain)
    if heard:
        offending.heard_of_arrest(world, place)
    if res.offender[offender] == ACTIVE:
        days = j.pretrial_days
        if u[0] < getattr(j, f"convicted_{kind}") and u[1] < getattr(j, f"custody_{kind}"):
            days += -np.log1p(-u[2]) * getattr(j, f"custody_days_{kind}")  # exponential
        if days > 0:
            res.offender[offender] = CUSTODY
            res.release_tick[offender] = world.tick + max(1, int(24 * days))
            world.active = world.active[world.active != offender]
    officer = _arresting_officer(world, place)
    if officer >= 0:
        trust.contact(world, officer, np.array([offender]), Contact.ARREST)
    if not world.in_warmup:
        world.today.arrests += 1
        world.today.arrests_by_group[res.group[offender]] += 1
        world.tally.arrests[res.neighborhood[offender]] += 1


def got_away(world: World, offender: int) -> None:
    """An offence without arrest: the offender's own perceived risk falls a little."""
    res = world.residents
    res.risk[offender] = max(
        -RISK_OFFSET_MAX, res.risk[offender] - world.behaviour.risk.success_loss
    )


def _arresting_officer(world: World, place: int) -> int:
    """The officer at the place (or any on duty) who makes the arrest."""
    off = world.officers
    here = (off.place == place) & world.duty_now
    if here.any():
        return int(here.argmax())
    duty = world.duty_now.nonzero()[0]
    return int(duty[0]) if len(duty) else -1
