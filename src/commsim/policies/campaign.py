"""Education campaign: more reporting, and target hardening against burglary."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.policies.base import Policy

if TYPE_CHECKING:
    from commsim.model import CommunityModel

# Burglary chance cut at a home whose household was reached (locks, lights,
# marking). Tseloni et al. (2014) find window and door locks cut burglary risk
# substantially; the 30% figure is an assumption.
HARDENING_CUT = 0.3


class EducationCampaign(Policy):
    """A campaign that reaches a share of residents over a number of weeks.

    Reached residents report more (for the rest of the run) and harden their
    homes against burglary. Cost: per resident reached.

    Examples:
        >>> EducationCampaign(weeks=8, reach=0.5)
    """

    label = "education campaign"

    def __init__(
        self, weeks: int, reach: float, start_day: int = 0, end_day: int | None = None
    ) -> None:
        super().__init__(start_day, end_day)
        self.weeks = weeks
        self.reach = reach
        self._order: np.ndarray | None = None

    def initialize(self, model: CommunityModel) -> None:
        """Decide the order in which residents will be reached."""
        self._order = model.streams["policy"].permutation(len(model.residents))

    def apply(self, model: CommunityModel) -> None:
        """Each day of the campaign, reach the next slice of residents."""
        if model.hour != 0 or self._order is None:
            return
        day = model.day - self.start_day
        days = self.weeks * 7
        if day >= days:
            return
        target = round(self.reach * len(self._order))
        lo, hi = target * day // days, target * (day + 1) // days
        reached = self._order[lo:hi]
        model.residents.campaign[reached] = True
        model.spend(len(reached) * model.config.costs.campaign_per_resident)
        if len(reached):
            model.refresh_hardening(HARDENING_CUT)

    def planned_cost_per_year(self, model: CommunityModel) -> float:
        """One-off cost of reaching the target share."""
        return float(self.reach * len(model.residents) * model.config.costs.campaign_per_resident)
