"""Volunteer patrols: residents on evening foot patrol who guard and report, never arrest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import ConfigError, Section, param
from commsim.population import EVENING_HOURS
from commsim.world import World

RECRUIT_NOISE_SD = 0.15  # spread of willingness to volunteer beyond trust; assumption
EVENING_PATROL_HOURS = EVENING_HOURS.stop - EVENING_HOURS.start  # volunteers patrol 18-22 h


@dataclass(frozen=True)
class VolunteerPolicy(Section):
    """Volunteer patrols' ``policy.*`` keys."""

    section = "policy"

    volunteer_patrollers: int = param(
        0,
        lo=0,
        hi=100_000,
        unit="residents",
        source="lever",
        lever=True,
        label="Volunteer patrollers",
        step=5,
    )
    patrol_hours_per_week: float = param(
        4.0,
        lo=0,
        hi=28,
        unit="evening hours per patroller",
        source="lever",
        lever=True,
        label="Patrol hours per volunteer per week",
        step=1,
    )


@dataclass(frozen=True)
class VolunteerEvidence(Section):
    """How volunteer patrols act (``volunteers.*``)."""

    section = "volunteers"

    guardian_hazard: float = param(
        1.0,
        lo=0,
        unit="deterrence hazard per patroller present",
        source="assumption (Pennell et al. 1989: Guardian Angels, no effect on violence)",
        plausible=(0.2, 2.0),
    )
    report_prob: float = param(
        0.9, lo=0, hi=1, unit="chance a patroller reports a crime seen", source="assumption"
    )
    quit_per_year: float = param(
        0.355,
        lo=0,
        hi=1,
        unit="share of patrollers quitting per year",
        source="CNCS Volunteering in America 2008: 35.5% of volunteers drop out each year",
    )
    replace_days: int = param(
        30, lo=0, hi=3650, unit="days to recruit a replacement", source="assumption"
    )


@dataclass(frozen=True)
class VolunteerCosts(Section):
    """Volunteer patrols' unit cost (``costs.*``)."""

    section = "costs"

    patroller_per_year: float = param(
        600.0,
        lo=0,
        unit="USD per patroller per year",
        source="assumption: equipment, training, insurance",
    )


@register
class VolunteerPatrols(Lever):
    """Residents patrol their neighbourhood on foot in the evening.

    Watch members volunteer first; the most willing (trust plus noise) are
    recruited. About a third quit each year and are replaced after a while.
    Cost: support per patroller on the rolls.

    Examples:
        ``policy.volunteer_patrollers=40 policy.patrol_hours_per_week=4``
    """

    key = "volunteers"
    label = "volunteer patrols"
    Policy = VolunteerPolicy
    Evidence = VolunteerEvidence
    Costs = VolunteerCosts

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """On when there are patrollers with hours to give."""
        return bool(policy.volunteer_patrollers > 0 and policy.patrol_hours_per_week > 0)

    @classmethod
    def planned_cost_per_year(cls, policy: Any, costs: Any, scale: Scale) -> float:
        """Support per patroller per year."""
        return float(policy.volunteer_patrollers * costs.patroller_per_year)

    @classmethod
    def check_config(cls, config: Any, scale: Scale) -> None:
        """No more patrollers than residents."""
        k = cls.view(config.policy).volunteer_patrollers
        if k > scale.residents // 2:
            raise ConfigError(
                "policy.volunteer_patrollers",
                k,
                f"must be at most half the residents ({scale.residents // 2})",
            )

    def setup(self, world: World) -> None:
        """Willingness to volunteer, drawn once per resident."""
        self.rng = world.stream("lever:volunteers")
        self.willingness_noise = self.rng.normal(0, RECRUIT_NOISE_SD, world.n_residents)
        self.on_patrol = np.zeros(0, dtype=np.int64)
        self.vacancies: list[int] = []  # ticks when open places will be filled
        self.quit = np.zeros(world.n_residents, dtype=bool)  # burnt out: not asked again

    def _recruit(self, world: World, k: int) -> None:
        """Recruit the ``k`` most willing residents not yet patrolling (watch members first)."""
        res = world.residents
        free = ~res.patroller & ~self.quit & (world.residents.age_years >= 16)
        pool = np.flatnonzero(free & res.watch)
        if len(pool) < k:
            pool = np.flatnonzero(free)
        score = res.trust[pool] + self.willingness_noise[pool]
        res.patroller[pool[np.argsort(-score, kind="stable")[:k]]] = True

    def start(self, world: World) -> None:
        """Recruit the patrollers."""
        self._recruit(world, self.policy.volunteer_patrollers)

    def step(self, world: World) -> None:
        """Daily: some quit, vacancies are filled after a while, support is paid.

        Each evening hour, the patrollers on duty walk their beat.
        """
        if world.hour == 0:
            res, ev = world.residents, self.evidence
            patrollers = np.flatnonzero(res.patroller)
            u = self.rng.random(world.n_residents)
            quit_ = patrollers[u[patrollers] < ev.quit_per_year / 365.0]
            res.patroller[quit_] = False
            self.quit[quit_] = True
            self.vacancies += [world.tick + 24 * ev.replace_days] * len(quit_)
            due = sum(1 for t in self.vacancies if t <= world.tick)
            if due:
                self.vacancies = [t for t in self.vacancies if t > world.tick]
                self._recruit(world, due)
            world.spend(int(res.patroller.sum()) * self.costs.patroller_per_year / 365.0)
        patrollers = np.flatnonzero(world.residents.patroller)
        if not EVENING_HOURS.start <= world.hour < EVENING_HOURS.stop:
            self.on_patrol = patrollers[:0]
            return
        duty = self.policy.patrol_hours_per_week / (EVENING_PATROL_HOURS * 7)
        u = self.rng.random(world.n_residents)  # keyed by resident
        on = patrollers[u[patrollers] < duty]
        self.on_patrol = world.beat_places(world.residents.neighborhood[on], self.rng)

    def stop(self, world: World) -> None:
        """Patrols stop."""
        world.residents.patroller[:] = False
        self.on_patrol = self.on_patrol[:0]

    def guardians(self, world: World) -> tuple[np.ndarray, np.ndarray] | None:
        """Patrollers present deter and report."""
        if len(self.on_patrol) == 0:
            return None
        count = np.bincount(self.on_patrol, minlength=world.city.n_places).astype(float)
        ev = self.evidence
        return ev.guardian_hazard * count, np.where(count > 0, ev.report_prob, 0.0)

    def patroller_places(self) -> np.ndarray:
        """Places of volunteers on patrol this hour."""
        return self.on_patrol
