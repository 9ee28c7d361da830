"""Patrol strategy of officers, and volunteer patrols of residents."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.policies.base import Policy

if TYPE_CHECKING:
    from commsim.model import CommunityModel

EVENING_PATROL_HOURS = 4  # volunteers patrol 18-22 h; assumption
EVENINGS_PER_WEEK = 7


class PatrolStrategy(Policy):
    """Where officers spend patrol time: random, hotspot, community beats, or mixed.

    Examples:
        >>> PatrolStrategy("hotspot")
    """

    label = "patrol strategy"

    def __init__(self, strategy: str, start_day: int = 0, end_day: int | None = None) -> None:
        super().__init__(start_day, end_day)
        self.strategy = strategy

    def initialize(self, model: CommunityModel) -> None:
        """Switch the force to the strategy."""
        model.patrol_strategy = self.strategy

    def finalize(self, model: CommunityModel) -> None:
        """Return to reactive random patrol."""
        model.patrol_strategy = "random"


class VolunteerPatrols(Policy):
    """Residents on evening foot patrol in their neighbourhood; they guard and report, never arrest.

    Examples:
        >>> VolunteerPatrols(patrollers=40, hours_per_week=4)
    """

    label = "volunteer patrols"

    def __init__(
        self, patrollers: int, hours_per_week: float, start_day: int = 0, end_day: int | None = None
    ) -> None:
        super().__init__(start_day, end_day)
        self.patrollers = patrollers
        self.hours_per_week = hours_per_week

    def initialize(self, model: CommunityModel) -> None:
        """Recruit the most trusting residents (plus noise) as patrollers."""
        res = model.residents
        # Watch groups run the patrols where a watch exists; else any resident may join.
        pool = (
            np.flatnonzero(res.watch) if res.watch.sum() >= self.patrollers else np.arange(len(res))
        )
        score = res.trust[pool] + model.streams["policy"].normal(0, 0.15, len(pool))
        res.patroller[pool[np.argsort(-score)[: self.patrollers]]] = True
        model.patrol_duty_prob = self.hours_per_week / (EVENING_PATROL_HOURS * EVENINGS_PER_WEEK)

    def apply(self, model: CommunityModel) -> None:
        """Pay for patrollers' support daily."""
        if model.hour == 0:
            model.spend(self.planned_cost_per_year(model) / 365.0)

    def finalize(self, model: CommunityModel) -> None:
        """Patrols stop."""
        model.residents.patroller[:] = False
        model.patrol_duty_prob = 0.0

    def planned_cost_per_year(self, model: CommunityModel) -> float:
        """Support per patroller per year."""
        return float(self.patrollers * model.config.costs.patroller_per_year)
