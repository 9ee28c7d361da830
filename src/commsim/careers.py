"""Process 8 (daily): offenders start, desist and leave custody; the pool follows the city."""

from __future__ import annotations

import numpy as np

from commsim import dynamics
from commsim.levers.base import Lever
from commsim.population import ACTIVE, DESISTED, JAILED, SLOT_FREE
from commsim.world import World

MOTIVATION_SD = 0.3  # log-normal spread of offender motivation; assumption


class Careers:
    """The offender population of each neighbourhood: recruitment, desistance, release."""

    def __init__(self, world: World) -> None:
        c, city = world.behaviour.careers, world.city
        n = world.n_residents
        nb_res = np.bincount(world.residents.neighborhood, minlength=city.n_neighborhoods)
        counts = np.maximum(np.bincount(city.neighborhood, minlength=city.n_neighborhoods), 1)
        nb_dis = np.bincount(city.neighborhood, city.disadvantage, city.n_neighborhoods) / counts
        self.efficacy_ref = self.collective_efficacy(world, np.zeros(city.n_neighborhoods))
        # More offenders where disadvantage is high, collective efficacy low (Sampson 1997).
        weight = (
            nb_res
            * (1 + c.disadvantage_effect * nb_dis)
            * np.exp(-c.efficacy_effect * self.efficacy_ref)
        )
        total = n * world.behaviour.population.offenders_per_1000 / 1000
        self.base_pool = total * weight / max(weight.sum(), 1e-12)
        self.recruited = 0  # offenders ever recruited: keys per-offender draws

    def collective_efficacy(self, world: World, watch_coverage: np.ndarray) -> np.ndarray:
        """Neighbourhood collective efficacy: mean trust times civic participation."""
        return dynamics.collective_efficacy(
            world.mean_by_neighborhood(world.residents.trust),
            watch_coverage,
            world.behaviour.careers.base_participation,
        )

    def initial(self, world: World) -> np.ndarray:
        """Offenders recruited at the start (the new ids)."""
        rng = world.stream("careers")
        return self.recruit(world, rng.poisson(self.base_pool), 1.0)

    def daily(self, world: World, levers: list[Lever]) -> np.ndarray:
        """Release, desistance and recruitment; returns the new offenders' slots."""
        off, c, rng = world.offenders, world.behaviour.careers, world.stream("careers")
        u = rng.random((2, len(off)))
        released = (off.state == JAILED) & (off.release_tick <= world.tick)
        off.state[released] = ACTIVE
        off.state[released & (u[0] < c.desist_after_jail)] = DESISTED
        turnover = c.turnover_per_year / 365.0
        off.state[(off.state == ACTIVE) & (u[1] < turnover)] = DESISTED
        off.state[off.state == DESISTED] = SLOT_FREE  # slots are reused by recruits
        off.outreach[off.state == SLOT_FREE] = -1
        off.perceived_risk *= 1.0 - c.risk_decay_per_day
        coverage = world.mean_by_neighborhood(world.residents.watch.astype(float))
        target = dynamics.offender_pool_target(
            self.base_pool,
            self.collective_efficacy(world, coverage),
            self.efficacy_ref,
            c.efficacy_effect,
        )
        factor = 1.0
        for lever in levers:
            if lever.acting:
                factor *= lever.recruitment_factor(world)
        youth_share = world.behaviour.population.youth_offender_share
        expected = turnover * target * (1.0 - youth_share * (1.0 - factor))
        return self.recruit(world, rng.poisson(expected), factor)

    def recruit(self, world: World, per_nb: np.ndarray, youth_factor: float) -> np.ndarray:
        """New offenders, living in the neighbourhoods they were recruited from."""
        total = int(per_nb.sum())
        off = world.offenders
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        rng = world.stream("careers")
        slots = off.free_slots(total)
        nbs = np.repeat(np.arange(len(per_nb)), per_nb)
        start, count = world.nb_place_indptr[nbs], np.diff(world.nb_place_indptr)[nbs]
        off.home[slots] = world.nb_places[start + (rng.random(total) * count).astype(np.int64)]
        off.place[slots] = off.home[slots]
        off.motivation[slots] = rng.lognormal(-(MOTIVATION_SD**2) / 2, MOTIVATION_SD, total)
        youth_p = world.behaviour.population.youth_offender_share * youth_factor
        off.youth[slots] = rng.random(total) < youth_p
        off.state[slots] = ACTIVE
        off.perceived_risk[slots] = 0.0
        off.outreach[slots] = -1
        off.draw_key[slots] = self.recruited + np.arange(total)
        self.recruited += total
        return slots
