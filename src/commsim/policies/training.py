"""Procedural-justice (and cultural-competency) training for officers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commsim.policies.base import Policy

if TYPE_CHECKING:
    from commsim.model import CommunityModel


class OfficerTraining(Policy):
    """Train a share of officers: their contacts go well more often.

    Procedural justice (Mazerolle et al. 2013) raises each trained officer's
    skill; a cultural-competency part raises it more with one group. Skills
    persist after the programme. Cost: one-off per officer trained.

    Examples:
        >>> OfficerTraining(share=0.5, target_group="minority")
    """

    label = "officer training"

    def __init__(
        self,
        share: float,
        target_group: str | None = None,
        start_day: int = 0,
        end_day: int | None = None,
    ) -> None:
        super().__init__(start_day, end_day)
        self.share = share
        self.target_group = target_group

    def initialize(self, model: CommunityModel) -> None:
        """Train the first ``share`` of the force (shifts interleave, so every shift gets some)."""
        off = model.officers
        k = round(self.share * len(off))
        gain = model.config.police.training_gain
        off.trained[:k] = True
        off.skill[:k] = (off.skill[:k] + gain).clip(0, 1)
        if self.target_group is not None:
            model.competency_group = model.groups.index(self.target_group)
        model.spend(k * model.config.costs.training_per_officer)

    def planned_cost_per_year(self, model: CommunityModel) -> float:
        """One-off cost counted in the year it is paid."""
        k = round(self.share * model.n_base_officers)
        return float(k * model.config.costs.training_per_officer)
