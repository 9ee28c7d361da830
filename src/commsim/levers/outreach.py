"""Youth outreach: programme places that cut young people's offending."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import Section, param
from commsim.population import ACTIVE
from commsim.world import World


@dataclass(frozen=True)
class OutreachPolicy(Section):
    """Outreach's ``policy.*`` keys."""

    section = "policy"

    youth_outreach_places: int = param(
        0,
        lo=0,
        hi=1_000_000,
        unit="programme places",
        source="lever",
        lever=True,
        label="Youth outreach places",
        step=5,
    )


@dataclass(frozen=True)
class OutreachEvidence(Section):
    """How outreach acts (``outreach.*``)."""

    section = "outreach"

    motivation_cut: float = param(
        0.3,
        lo=0,
        hi=1,
        unit="share of motivation",
        source="assumption (Tolan et al. 2013)",
        plausible=(0.05, 0.4),
    )
    delay_days: int = param(60, lo=0, hi=3650, unit="days", source="assumption")
    at_risk_per_resident: float = param(
        0.03, lo=0, hi=1, unit="at-risk young people per resident", source="assumption"
    )


@dataclass(frozen=True)
class OutreachCosts(Section):
    """Outreach's unit cost (``costs.*``)."""

    section = "costs"

    outreach_per_place_year: float = param(
        3_000.0,
        lo=0,
        unit="USD per place per year",
        source="assumption (mentoring programmes $1-5k)",
    )


@register
class YouthOutreach(Lever):
    """Programme places for young people, filled first by known young offenders.

    After a delay, enrolled young offenders' motivation falls and fewer young
    people start offending, in proportion to how many at-risk youths the spare
    places cover. Cost: per place per year.

    Examples:
        ``policy.youth_outreach_places=40``
    """

    key = "outreach"
    label = "youth outreach"
    Policy = OutreachPolicy
    Evidence = OutreachEvidence
    Costs = OutreachCosts

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """On when there are places."""
        return bool(policy.youth_outreach_places > 0)

    @classmethod
    def planned_cost_per_year(cls, policy: Any, costs: Any, scale: Scale) -> float:
        """Places times cost per place-year."""
        return float(policy.youth_outreach_places * costs.outreach_per_place_year)

    def setup(self, world: World) -> None:
        """Nobody enrolled; no effect yet."""
        self.factor = 1.0

    def working(self, world: World) -> bool:
        """The programme has run long enough to work."""
        return self.acting and world.day - self.start_day >= self.evidence.delay_days

    def step(self, world: World) -> None:
        """Daily: enrol young offenders into free places; pay for the places."""
        if world.hour != 0:
            return
        off, ev = world.offenders, self.evidence
        free = self.policy.youth_outreach_places - int((off.outreach >= 0).sum())
        if free > 0:
            candidates = np.flatnonzero(off.youth & (off.state == ACTIVE) & (off.outreach < 0))
            off.outreach[candidates[:free]] = world.day
            free -= min(free, len(candidates))
        at_risk = ev.at_risk_per_resident * world.n_residents
        coverage = min(1.0, max(free, 0) / at_risk) if at_risk else 0.0
        self.factor = 1.0 - ev.motivation_cut * coverage if self.working(world) else 1.0
        world.spend(self.policy.youth_outreach_places * self.costs.outreach_per_place_year / 365.0)

    def stop(self, world: World) -> None:
        """The programme ends; its effects stop."""
        world.offenders.outreach[:] = -1
        self.factor = 1.0

    def offender_motivation(self, world: World, who: np.ndarray) -> np.ndarray | None:
        """Enrolled offenders are less motivated once the programme works."""
        off = world.offenders
        enrolled = (off.outreach[who] >= 0) & (
            world.day - off.outreach[who] >= self.evidence.delay_days
        )
        return np.where(enrolled, 1.0 - self.evidence.motivation_cut, 1.0)

    def recruitment_factor(self, world: World) -> float:
        """Spare places reach at-risk youths, so fewer start offending."""
        return self.factor
