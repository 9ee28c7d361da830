"""Process 8 (daily): residents start, continue and stop offending; custody ends.

Offenders are residents. Each day a resident not offending starts with a
daily hazard set by their age band (the age-crime curve), raised by their
neighbourhood's disadvantage and low collective efficacy and by their own
legal cynicism; an active offender stops with their age band's hazard.
Levers may change a person's hazard (youth outreach). Starting rates are
derived from ``offenders.per_1000``, ``offenders.relative_by_age`` and the
stopping rates, so the baseline age profile matches the evidence; the
covariates are centred on the city at the start, so they move people
around that level rather than shifting it.
"""

from __future__ import annotations

import numpy as np

from commsim.levers.base import Lever
from commsim.population import ACTIVE, CUSTODY, DESISTED, NONE
from commsim.world import World


def _daily_hazard(per_year: np.ndarray) -> np.ndarray:
    return -np.log1p(-np.clip(per_year, 0.0, 0.999)) / 365.0


class Careers:
    """Offending careers of the city's residents."""

    def __init__(self, world: World) -> None:
        c, pop = world.behaviour.careers, world.behaviour.population
        age_share = np.asarray(pop.age_shares, float) / sum(pop.age_shares)
        rel = np.asarray(c.relative_by_age, float)
        rel = rel / max(float(age_share @ rel), 1e-12)
        prevalence = np.clip(c.per_1000 / 1000.0 * rel, 0.0, 0.95)
        desist = np.asarray(c.desist_per_year, float)
        onset = prevalence * desist / np.maximum(1.0 - prevalence, 1e-9)
        self.onset_day = _daily_hazard(onset)
        self.desist_day = _daily_hazard(desist)
        self.reference = 0.0
        self.reference = float(self.log_risk(world).mean())

    def log_risk(self, world: World) -> np.ndarray:
        """Each resident's log hazard multiplier from neighbourhood and attitude (centred)."""
        res, c = world.residents, world.behaviour.careers
        disadvantage = world.nb_disadvantage[res.neighborhood]
        efficacy = world.efficacy_nb[res.neighborhood]
        return (
            c.disadvantage_effect * disadvantage
            - c.efficacy_effect * efficacy
            + c.cynicism_effect * res.cynicism
            - self.reference
        )

    def initial(self, world: World) -> None:
        """Who offends at the start: each resident's stationary chance."""
        res = world.residents
        on = self.onset_day[res.age] * np.exp(self.log_risk(world))
        off = self.desist_day[res.age]
        chance = on / np.maximum(on + off, 1e-12)
        start = np.flatnonzero(world.stream("careers").random(len(res)) < chance)
        self._start(world, start)

    def daily(self, world: World, levers: list[Lever]) -> None:
        """Custody ends, offenders stop, others start (one keyed draw per resident)."""
        res, c = world.residents, world.behaviour.careers
        u = world.stream("careers").random(len(res))
        released = (res.offender == CUSTODY) & (res.release_tick <= world.tick)
        res.offender[released] = np.where(u[released] < c.desist_after_custody, DESISTED, ACTIVE)
        factor = np.ones(len(res))
        for lever in levers:
            if lever.acting:
                change = lever.offending_hazard(world)
                if change is not None:
                    factor = factor * change
        active = (res.offender == ACTIVE) & ~released
        stop = active & (u < 1.0 - np.exp(-self.desist_day[res.age] / np.maximum(factor, 1e-9)))
        res.offender[stop] = DESISTED
        idle = (res.offender == NONE) | ((res.offender == DESISTED) & ~stop)
        on = self.onset_day[res.age] * np.exp(self.log_risk(world)) * factor
        start = np.flatnonzero(idle & ~released & (u < 1.0 - np.exp(-on)))
        self._start(world, start)
        world.active = np.flatnonzero(res.offender == ACTIVE)

    def _start(self, world: World, who: np.ndarray) -> None:
        res, o = world.residents, world.behaviour.offending
        res.offender[who] = ACTIVE
        z = world.streams.keyed("motivation", 0, who, 2)  # a person's own, whenever they start
        normal = np.sqrt(-2 * np.log(np.maximum(z[:, 0], 1e-300))) * np.cos(2 * np.pi * z[:, 1])
        res.motivation[who] = np.exp(o.motivation_sd * normal - o.motivation_sd**2 / 2)
        res.risk[who] = 0.0
        res.place[who] = res.home[who]
        world.active = np.flatnonzero(res.offender == ACTIVE)
