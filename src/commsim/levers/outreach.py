"""Youth outreach: programme places for at-risk young residents, who become less likely to offend.

The programme enrols young people (12-24) most at risk — by their
neighbourhood's disadvantage and collective efficacy and their own legal
cynicism — not the offenders police know. After a delay, a participant's
chance of starting, or continuing, to offend falls by a share sized from
meta-analyses of youth programmes (Lipsey 2009: about 12% fewer reoffending;
Tolan et al. 2013 for mentoring); the effect fades after they leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import ConfigError, Section, param
from commsim.world import World

YOUNG_MAX_BAND = 1  # age bands 12-17 and 18-24
NEVER = np.iinfo(np.int64).max


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

    hazard_cut: float = param(
        0.12,
        lo=0,
        hi=1,
        unit="share of the offending hazard",
        source="Lipsey 2009; Lipsey, Wilson & Cothern 2000: ~12% less reoffending",
        plausible=(0.0, 0.3),
    )
    delay_days: int = param(60, lo=0, hi=3650, unit="days before it works", source="assumption")
    stay_days: int = param(
        365,
        lo=1,
        hi=3650,
        unit="days in the programme",
        source="assumption (one-year mentoring or programme cycle)",
    )
    fade_half_life_days: float = param(
        365.0,
        lo=1,
        hi=36500,
        unit="days for the effect to halve after leaving",
        source="assumption (effects shrink after programmes end)",
        plausible=(90.0, 1095.0),
    )


@dataclass(frozen=True)
class OutreachCosts(Section):
    """Outreach's unit cost (``costs.*``)."""

    section = "costs"

    outreach_per_place_year: float = param(
        3_000.0,
        lo=0,
        unit="USD per place per year",
        source="WSIPP 2019 benefit-cost tables: mentoring $1-2k, family therapy $3-4k (approx.)",
    )


@register
class YouthOutreach(Lever):
    """Programme places filled by the young residents most at risk of offending.

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

    @classmethod
    def check_config(cls, config: Any, scale: Scale) -> None:
        """No more places than young residents (about a fifth of residents are 12-24)."""
        places = cls.view(config.policy).youth_outreach_places
        young = int(
            scale.residents
            * sum(config.population.age_shares[: YOUNG_MAX_BAND + 1])
            / sum(config.population.age_shares)
        )
        if places > young:
            raise ConfigError(
                "policy.youth_outreach_places",
                places,
                f"must be at most the city's residents aged 12-24 (about {young})",
            )

    def setup(self, world: World) -> None:
        """Nobody enrolled yet."""
        self.entered = np.full(world.n_residents, NEVER, dtype=np.int64)
        self.left = np.full(world.n_residents, NEVER, dtype=np.int64)

    def risk_score(self, world: World) -> np.ndarray:
        """Who is most at risk: the offending hazard's own covariates (higher is riskier)."""
        res, c = world.residents, world.behaviour.careers
        return (
            c.disadvantage_effect * world.nb_disadvantage[res.neighborhood]
            - c.efficacy_effect * world.efficacy_nb[res.neighborhood]
            + c.cynicism_effect * res.cynicism
        )

    def step(self, world: World) -> None:
        """Daily: participants whose stay is over leave; free places go to the most at risk."""
        if world.hour != 0:
            return
        res, ev = world.residents, self.evidence
        inside = (self.entered != NEVER) & (self.left == NEVER)
        done = inside & (world.tick - self.entered >= 24 * ev.stay_days)
        self.left[done] = world.tick
        inside &= ~done
        free = self.policy.youth_outreach_places - int(inside.sum())
        if free > 0:
            eligible = (res.age <= YOUNG_MAX_BAND) & (self.entered == NEVER)
            candidates = np.flatnonzero(eligible)
            if len(candidates):
                order = np.argsort(-self.risk_score(world)[candidates], kind="stable")
                self.entered[candidates[order[:free]]] = world.tick
        world.spend(self.policy.youth_outreach_places * self.costs.outreach_per_place_year / 365.0)

    def stop(self, world: World) -> None:
        """The programme ends; participants leave (the effect fades from now)."""
        inside = (self.entered != NEVER) & (self.left == NEVER)
        self.left[inside] = world.tick

    def offending_hazard(self, world: World) -> np.ndarray | None:
        """Participants past the delay offend less; after leaving the effect fades."""
        ev = self.evidence
        working = (self.entered != NEVER) & (world.tick - self.entered >= 24 * ev.delay_days)
        if not working.any():
            return None
        since_left = (
            np.where(self.left == NEVER, 0, world.tick - np.minimum(self.left, world.tick)) / 24.0
        )
        strength = np.where(working, 0.5 ** (since_left / ev.fade_half_life_days), 0.0)
        return 1.0 - ev.hazard_cut * strength

    @property
    def acting(self) -> bool:
        """The effect outlasts the programme (it fades), so the hook keeps acting."""
        return self.started
