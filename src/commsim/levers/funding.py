"""Funding: a yearly budget pays the chosen programmes first; the rest buys officers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commsim.levers.base import LEVERS, Lever, Scale, register
from commsim.paramspec import ConfigError, Section, param
from commsim.population import make_officers
from commsim.world import World

NOT_YET = 2**62  # active_from of officers not on the force


@dataclass(frozen=True)
class FundingPolicy(Section):
    """Funding's ``policy.*`` key."""

    section = "policy"

    funding: float | None = param(
        None,
        lo=0,
        hi=1e10,
        unit="USD per year",
        source="lever",
        lever=True,
        label="Budget",
        step=100_000,
        doc="Programmes are paid first, the rest buys officers (None: no budget).",
    )


@dataclass(frozen=True)
class FundingCosts(Section):
    """An officer's cost (``costs.*``)."""

    section = "costs"

    officer_per_year: float = param(
        130_000.0,
        lo=1,
        unit="USD per officer per year",
        source="BLS 2023 median police pay $74,910 x ~1.75 benefits/overhead; loading an assumption",
    )


@register
class Funding(Lever):
    """Officers bought with the part of ``policy.funding`` the programmes leave.

    They join the force (on the usual three shifts) when the policy starts and
    leave when it ends. Cost: per officer per year.

    Examples:
        ``policy=budget_community policy.funding=2e6``
    """

    key = "funding"
    label = "funded officers"
    Policy = FundingPolicy
    Costs = FundingCosts

    def __init__(
        self, *args: Any, full_policy: Any = None, full_costs: Any = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.full_policy, self.full_costs = full_policy, full_costs
        self.count = 0

    @classmethod
    def build(cls, config: Any) -> Lever:
        """Funding needs every other lever's planned cost, so it keeps the whole policy."""
        lever = cls(
            cls.view(config.policy),
            None,
            cls.cost_view(config.costs),
            config.policy.start_day,
            config.policy.end_day,
            full_policy=config.policy,
            full_costs=config.costs,
        )
        return lever

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """On when a budget is set."""
        return policy.funding is not None

    @staticmethod
    def programme_cost(policy: Any, costs: Any, scale: Scale) -> float:
        """Planned yearly cost of every other lever the policy switches on."""
        total = 0.0
        for lever in LEVERS.values():
            if lever is Funding:
                continue
            view = lever.view(policy)
            if view is not None and lever.enabled(view):
                total += lever.planned_cost_per_year(view, lever.cost_view(costs), scale)
        return total

    @classmethod
    def officers_funded(cls, policy: Any, costs: Any, scale: Scale) -> int:
        """Officers the budget buys after the programmes.

        Raises:
            ConfigError: The budget does not cover the programmes.
        """
        own = cls.view(policy)
        if own.funding is None:
            return 0
        planned = cls.programme_cost(policy, costs, scale)
        left = own.funding - planned
        if left < 0:
            raise ConfigError(
                "policy.funding",
                own.funding,
                f"must cover the chosen programmes (${planned:,.0f}/yr); raise it or set it to null",
            )
        return int(left // cls.cost_view(costs).officer_per_year)

    @classmethod
    def check_config(cls, config: Any, scale: Scale) -> None:
        """The budget must cover the programmes."""
        cls.officers_funded(config.policy, config.costs, scale)

    @classmethod
    def planned_cost_per_year(cls, policy: Any, costs: Any, scale: Scale) -> float:
        """Funding's own spending is the officers it buys (counted by the lever when paid)."""
        return 0.0

    def setup(self, world: World) -> None:
        """Make the funded officers (own stream), not on the force until the policy starts."""
        scale = Scale.of(world)
        self.count = self.officers_funded(self.full_policy, self.full_costs, scale)
        if self.count == 0:
            return
        police = world.behaviour.police
        extra = make_officers(
            self.count,
            world.city,
            police.skill_mean,
            police.skill_sd,
            world.stream("lever:funding"),
            first=len(world.officers),
        )
        extra.active_from[:] = NOT_YET
        self.first = len(world.officers)
        world.add_officers(extra)

    def start(self, world: World) -> None:
        """The funded officers report for duty."""
        if self.count:
            world.officers.active_from[self.first : self.first + self.count] = world.tick

    def step(self, world: World) -> None:
        """Pay salaries daily."""
        if world.hour == 0 and self.count:
            world.spend(self.count * self.costs.officer_per_year / 365.0)

    def stop(self, world: World) -> None:
        """The funded officers leave."""
        if self.count:
            world.officers.active_from[self.first : self.first + self.count] = NOT_YET


__all__ = ["NOT_YET", "Funding"]
