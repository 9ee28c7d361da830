"""Procedural-justice (and cultural-competency) training for officers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

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
        0.03,
        lo=0,
        hi=1,
        unit="added chance a contact is procedurally just",
        source="Wood et al. 2020 and its re-analysis (Wood, Tyler, Papachristos, Roth & Sant'Anna 2021): force -6% at most, CIs near zero",
        plausible=(0.0, 0.07),
    )
    competency_gain: float = param(
        0.02, lo=0, hi=1, unit="extra with the targeted group", source="assumption"
    )
    fade_half_life_days: float = param(
        540.0,
        lo=1,
        hi=36500,
        unit="days for the gain to halve",
        source="assumption (Skogan, Van Craen & Hennessy 2015: attitudes partly held)",
        plausible=(180.0, 1460.0),
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

    Procedural-justice training (Mazerolle et al. 2013; Wood et al. 2020 and its
    re-analysis) raises each trained officer's chance that a contact goes
    well, a little, and the gain fades; a cultural-competency part adds a
    little with one group. Cost: one-off per officer trained.

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
        off = world.officers
        self.k = round(self.policy.training_share * len(off))
        off.trained_tick[: self.k] = world.tick
        self.untrained_skill = off.skill[: self.k].copy()
        group = self.policy.training_target_group
        if group is not None and group in world.groups:
            off.competency_group[: self.k] = world.groups.index(group)
        self.step(world)
        world.spend(self.k * self.costs.training_per_officer)

    def step(self, world: World) -> None:
        """Daily: the trained officers' gain fades with time since training."""
        if world.hour != 0 or not self.k:
            return
        off, ev = world.officers, self.evidence
        left = 0.5 ** ((world.tick - off.trained_tick[: self.k]) / 24.0 / ev.fade_half_life_days)
        off.skill[: self.k] = np.clip(self.untrained_skill + ev.skill_gain * left, 0, 1)
        off.competency_gain[: self.k] = np.where(
            off.competency_group[: self.k] >= 0, ev.competency_gain * left, 0.0
        )

    def advance(self, world: World) -> None:
        """Training is a one-off: its gain keeps fading after the policy window ends."""
        super().advance(world)
        if self.finished:
            self.step(world)
