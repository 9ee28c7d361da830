"""Funding: the budget left after programmes buys extra officers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commsim.policies.base import Policy

if TYPE_CHECKING:
    from commsim.model import CommunityModel


class ExtraOfficers(Policy):
    """Officers bought with the part of ``policy.funding`` that programmes do not use.

    They join the force (on the usual three shifts) when the policy starts and
    leave when it ends. Cost: per officer per year.

    Examples:
        >>> ExtraOfficers(first=12, count=4)
    """

    label = "extra officers"

    def __init__(
        self, first: int, count: int, start_day: int = 0, end_day: int | None = None
    ) -> None:
        super().__init__(start_day, end_day)
        self.first = first
        self.count = count

    def initialize(self, model: CommunityModel) -> None:
        """The funded officers report for duty."""
        model.officers.active_from[self.first : self.first + self.count] = model.tick

    def apply(self, model: CommunityModel) -> None:
        """Pay salaries daily."""
        if model.hour == 0:
            model.spend(self.planned_cost_per_year(model) / 365.0)

    def finalize(self, model: CommunityModel) -> None:
        """The funded officers leave."""
        model.officers.active_from[self.first : self.first + self.count] = 2**62

    def planned_cost_per_year(self, model: CommunityModel) -> float:
        """Salaries of the funded officers."""
        return float(self.count * model.config.costs.officer_per_year)
