"""The lifecycle every policy shares: initialize, apply each tick, finalize."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commsim.model import CommunityModel


class Policy:
    """A lever that acts between ``start_day`` and ``end_day`` of the evaluation window.

    Subclasses override :meth:`initialize` (first active tick), :meth:`apply`
    (every active tick), :meth:`finalize` (first tick after the end) and
    :meth:`planned_cost_per_year` (for budgets). Policies never act during the
    warm-up. Spending goes through ``model.spend`` so that it is counted on the
    day it happens.
    """

    label = "policy"

    def __init__(self, start_day: int = 0, end_day: int | None = None) -> None:
        self.start_day = start_day
        self.end_day = end_day
        self.started = False
        self.finished = False

    def is_active(self, day: int) -> bool:
        """Whether the policy acts on evaluation day ``day``."""
        return day >= self.start_day and (self.end_day is None or day < self.end_day)

    def step(self, model: CommunityModel) -> None:
        """Advance the lifecycle by one tick."""
        if model.in_warmup or self.finished:
            return
        if self.is_active(model.day):
            if not self.started:
                self.started = True
                self.initialize(model)
            self.apply(model)
        elif self.started:
            self.finished = True
            self.finalize(model)

    def initialize(self, model: CommunityModel) -> None:
        """Set the policy up on its first active tick."""

    def apply(self, model: CommunityModel) -> None:
        """Act for one tick."""

    def finalize(self, model: CommunityModel) -> None:
        """Undo what should not outlast the policy."""

    def planned_cost_per_year(self, model: CommunityModel) -> float:
        """Expected spending per year, in USD, for budget checks."""
        return 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(label={self.label!r}, days={self.start_day}..{self.end_day})"
