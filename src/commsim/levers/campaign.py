"""Education campaign: more reporting, and target hardening against burglary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import Section, param
from commsim.world import World


@dataclass(frozen=True)
class CampaignPolicy(Section):
    """The campaign's ``policy.*`` keys."""

    section = "policy"

    campaign_weeks: int = param(
        0, lo=0, hi=520, unit="weeks", source="lever", lever=True, label="Campaign weeks", step=1
    )
    campaign_reach: float = param(
        0.0,
        lo=0,
        hi=1,
        unit="share of residents",
        source="lever",
        lever=True,
        label="Campaign reach",
        step=0.05,
    )


@dataclass(frozen=True)
class CampaignEvidence(Section):
    """How a campaign acts (``campaign.*``)."""

    section = "campaign"

    reporting_bonus: float = param(
        0.4, lo=0, hi=10, unit="logit", source="assumption", plausible=(0.0, 0.8)
    )
    hardening_cut: float = param(
        0.3,
        lo=0,
        hi=1,
        unit="burglary chance cut at a reached household",
        source="assumption (Tseloni et al. 2014: locks cut burglary risk substantially)",
        plausible=(0.1, 0.5),
    )


@dataclass(frozen=True)
class CampaignCosts(Section):
    """The campaign's unit cost (``costs.*``)."""

    section = "costs"

    campaign_per_resident: float = param(
        2.0, lo=0, unit="USD per resident reached", source="assumption: mailers and advertising"
    )


@register
class EducationCampaign(Lever):
    """A campaign that reaches a share of residents over a number of weeks.

    Reached residents report more (for the rest of the run) and harden their
    homes against burglary. Cost: per resident reached.

    Examples:
        ``policy.campaign_weeks=8 policy.campaign_reach=0.5``
    """

    key = "campaign"
    label = "education campaign"
    Policy = CampaignPolicy
    Evidence = CampaignEvidence
    Costs = CampaignCosts

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """On when the campaign runs and reaches someone."""
        return bool(policy.campaign_weeks > 0 and policy.campaign_reach > 0)

    @classmethod
    def planned_cost_per_year(cls, policy: Any, costs: Any, scale: Scale) -> float:
        """One-off cost of reaching the target share."""
        return float(policy.campaign_reach * scale.residents * costs.campaign_per_resident)

    def setup(self, world: World) -> None:
        """The order in which residents will be reached, drawn once."""
        self.order = world.stream("lever:campaign").permutation(world.n_residents)

    def step(self, world: World) -> None:
        """Each day of the campaign, reach the next slice of residents."""
        if world.hour != 0:
            return
        day, days = world.day - self.start_day, self.policy.campaign_weeks * 7
        if day >= days:
            return
        target = round(self.policy.campaign_reach * len(self.order))
        reached = self.order[target * day // days : target * (day + 1) // days]
        res = world.residents
        res.campaign[reached] = True
        world.spend(len(reached) * self.costs.campaign_per_resident)
        if len(reached):
            p = world.city.n_places
            share = np.bincount(res.home, weights=res.campaign, minlength=p) / np.maximum(
                world.residents_at_home_place, 1
            )
            world.places.hardening = 1.0 - self.evidence.hardening_cut * share

    def report_logit(self, world: World, people: np.ndarray) -> np.ndarray | None:
        """Residents reached report more."""
        return self.evidence.reporting_bonus * world.residents.campaign[people]
