"""Youth outreach: programme places that cut youth motivation and recruitment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.policies.base import Policy
from commsim.population import ACTIVE

if TYPE_CHECKING:
    from commsim.model import CommunityModel

AT_RISK_YOUTH_PER_RESIDENT = 0.03  # young people at risk of offending; assumption


class YouthOutreach(Policy):
    """Programme places for young people, filled first by known young offenders.

    After a delay, enrolled young offenders' motivation falls and fewer young
    people start offending, in proportion to how many at-risk youths the
    spare places cover. Cost: per place per year.

    Examples:
        >>> YouthOutreach(places=40)
    """

    label = "youth outreach"

    def __init__(self, places: int, start_day: int = 0, end_day: int | None = None) -> None:
        super().__init__(start_day, end_day)
        self.places = places

    def apply(self, model: CommunityModel) -> None:
        """Daily: enrol young offenders into free places; set the recruitment effect."""
        if model.hour != 0:
            return
        off = model.offenders
        enrolled = np.flatnonzero(off.outreach >= 0)
        free = self.places - len(enrolled)
        if free > 0:
            candidates = np.flatnonzero(off.youth & (off.state == ACTIVE) & (off.outreach < 0))
            off.outreach[candidates[:free]] = model.day
            free -= min(free, len(candidates))
        p = model.config.offenders
        at_risk = AT_RISK_YOUTH_PER_RESIDENT * len(model.residents)
        coverage = min(1.0, max(free, 0) / at_risk) if at_risk else 0.0
        working = model.day - self.start_day >= p.outreach_delay_days
        model.youth_recruit_factor = 1.0 - p.outreach_motivation_cut * coverage if working else 1.0
        model.spend(self.planned_cost_per_year(model) / 365.0)

    def finalize(self, model: CommunityModel) -> None:
        """The programme ends; its effects stop."""
        model.offenders.outreach[:] = -1
        model.youth_recruit_factor = 1.0

    def planned_cost_per_year(self, model: CommunityModel) -> float:
        """Places times cost per place-year."""
        return float(self.places * model.config.costs.outreach_per_place_year)
