"""Reporting app: cheaper reporting and faster dispatch, for residents with smartphones."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.policies.base import Policy

if TYPE_CHECKING:
    from commsim.model import CommunityModel

RAMP_DAYS = 90  # adopters take up the app over this many days; assumption


class ReportingApp(Policy):
    """A crime-reporting app adopted by a share of smartphone owners.

    Adoption is limited by each group's smartphone access (the digital divide):
    only owners can adopt. Cost: fixed per year plus per user per year.

    Examples:
        >>> ReportingApp(adoption=0.4)
    """

    label = "reporting app"

    def __init__(self, adoption: float, start_day: int = 0, end_day: int | None = None) -> None:
        super().__init__(start_day, end_day)
        self.adoption = adoption
        self._adopt_day: np.ndarray | None = None

    def initialize(self, model: CommunityModel) -> None:
        """Decide who adopts, and on which day of the ramp."""
        res, rng = model.residents, model.streams["policy"]
        adopters = res.smartphone & (rng.random(len(res)) < self.adoption)
        day = rng.integers(0, RAMP_DAYS, len(res))
        self._adopt_day = np.where(adopters, day, np.iinfo(np.int64).max)

    def apply(self, model: CommunityModel) -> None:
        """Daily: adopters whose day has come start using the app."""
        if model.hour != 0 or self._adopt_day is None:
            return
        model.residents.app[:] = self._adopt_day <= model.day - self.start_day
        users = int(model.residents.app.sum())
        c = model.config.costs
        model.spend((c.app_fixed_per_year + users * c.app_per_user_year) / 365.0)

    def finalize(self, model: CommunityModel) -> None:
        """The app is switched off."""
        model.residents.app[:] = False

    def planned_cost_per_year(self, model: CommunityModel) -> float:
        """Fixed cost plus expected users."""
        c = model.config.costs
        users = self.adoption * model.residents.smartphone.sum()
        return float(c.app_fixed_per_year + users * c.app_per_user_year)
