"""Procedural-justice (and cultural-competency) training for officers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import ConfigError, Section, param
from commsim.world import World


@dataclass(frozen=True)
class TrainingPolicy(Section):
    """Training's ``policy.*`` keys."""

    section = "policy"

    training_share: float = param(
        0.0,
        lo=0,
        hi=1,
        unit="share of officers",
        source="lever",
        lever=True,
        label="Officers trained",
        step=0.1,
    )
    training_target_group: str | None = param(
        None, source="lever", doc="Group the cultural-competency part targets (None: none)."
    )


@dataclass(frozen=True)
class TrainingEvidence(Section):
    """How training acts (``training.*``)."""

    section = "training"

    skill_gain: float = param(
        0.15,
        lo=0,
        hi=1,
        unit="chance a contact is procedurally just",
        source="assumption (Mazerolle et al. 2013)",
        plausible=(0.0, 0.2),
    )
    competency_gain: float = param(
        0.08, lo=0, hi=1, unit="extra with the targeted group", source="assumption"
    )


@dataclass(frozen=True)
class TrainingCosts(Section):
    """Training's unit cost (``costs.*``)."""

    section = "costs"

    training_per_officer: float = param(
        1_500.0,
        lo=0,
        unit="USD per officer trained, once",
        source="assumption (Chicago PJ training scale)",
    )


@register
class OfficerTraining(Lever):
    """Train a share of officers: their contacts go well more often.

    Procedural justice (Mazerolle et al. 2013) raises each trained officer's
    skill; a cultural-competency part raises it more with one group. Cost:
    one-off per officer trained.

    Examples:
        ``policy.training_share=0.5 policy.training_target_group=minority``
    """

    key = "training"
    label = "officer training"
    Policy = TrainingPolicy
    Evidence = TrainingEvidence
    Costs = TrainingCosts

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """On when anyone is trained."""
        return bool(policy.training_share > 0)

    @classmethod
    def planned_cost_per_year(cls, policy: Any, costs: Any, scale: Scale) -> float:
        """One-off cost, counted in the year it is paid."""
        return float(round(policy.training_share * scale.officers) * costs.training_per_officer)

    @classmethod
    def check_config(cls, config: Any, scale: Scale) -> None:
        """The targeted group must exist."""
        group = cls.view(config.policy).training_target_group
        groups = tuple(config.population.groups)
        if group is not None and group not in groups:
            raise ConfigError(
                "policy.training_target_group", group, "must be one of " + ", ".join(groups)
            )

    def start(self, world: World) -> None:
        """Train the first share of the force (shifts interleave, so every shift gets some)."""
        off, ev = world.officers, self.evidence
        k = round(self.policy.training_share * len(off))
        off.trained[:k] = True
        off.skill[:k] = (off.skill[:k] + ev.skill_gain).clip(0, 1)
        group = self.policy.training_target_group
        if group is not None and group in world.groups:
            off.competency_group[:k] = world.groups.index(group)
            off.competency_gain[:k] = ev.competency_gain
        world.spend(k * self.costs.training_per_officer)
