"""Trust shocks: misconduct incidents and community events, scheduled or pressed live."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from commsim import trust
from commsim.levers.base import Lever, register
from commsim.paramspec import ConfigError, Section, check_range, param
from commsim.world import World

SHOCK_KINDS = ("misconduct", "community_event")
SHOCK_HOUR = 12  # shocks land at noon of their day (news cycle); assumption


@dataclass(frozen=True)
class ShockConfig:
    """A scheduled trust shock (an entry of ``policy.shocks``)."""

    day: int = 0  # day of the evaluation window
    kind: str = "misconduct"  # misconduct | community_event
    group: str | None = None  # the group touched (None: all groups alike)

    def check(self, key: str, groups: tuple[str, ...]) -> None:
        """Validate against the known groups."""
        check_range(f"{key}.day", self.day, 0, None)
        if self.kind not in SHOCK_KINDS:
            raise ConfigError(f"{key}.kind", self.kind, "must be one of " + ", ".join(SHOCK_KINDS))
        if self.group is not None and self.group not in groups:
            raise ConfigError(f"{key}.group", self.group, "must be one of " + ", ".join(groups))


@dataclass(frozen=True)
class ShockPolicy(Section):
    """Scheduled shocks (``policy.shocks``)."""

    section = "policy"

    shocks: list[ShockConfig] = field(
        default_factory=list,
        metadata={
            "source": "scenario",
            "unit": "",
            "doc": "Scheduled trust shocks (day, kind, group).",
        },
    )


@dataclass(frozen=True)
class ShockEvidence(Section):
    """How big shocks are (``shocks.*``)."""

    section = "shocks"

    misconduct_drop: float = param(
        0.15,
        lo=0,
        hi=1,
        unit="0-1 trust in the group touched (0.75 SD)",
        source="Gallup 2020-21 (Black confidence 19% then 27%: ~0.3-1 SD); Ben-Menachem & Torrats-Espinosa 2024",
        plausible=(0.05, 0.3),
    )
    misconduct_spill: float = param(
        0.05,
        lo=0,
        hi=1,
        unit="0-1 trust in other groups",
        source="Ang et al. 2021 (calls fell in White areas too); size an assumption",
    )
    lasting_share: float = param(
        0.0,
        lo=0,
        hi=1,
        unit="share of the fall that does not fade",
        source="scenario: 0 = Zoorob 2020 / White, Weisburd & Wire 2018 (no lasting effect); 1 = Desmond, Papachristos & Kirk 2016 (>1 year)",
        plausible=(0.0, 1.0),
    )
    community_event_gain: float = param(
        0.04, lo=0, hi=1, unit="0-1 trust for all", source="assumption"
    )


@register
class TrustShocks(Lever):
    """Apply each scheduled shock at noon of its day (shocks keep their own calendar).

    Examples:
        ``policy.shocks=[{day: 100, kind: misconduct, group: minority}]``
    """

    key = "shocks"
    label = "trust shocks"
    Policy = ShockPolicy
    Evidence = ShockEvidence

    @classmethod
    def build(cls, config: Any) -> Lever:
        """Shocks ignore the policy's start and end days."""
        return cls(cls.view(config.policy), config.shocks, None, 0, None)

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """On when a shock is scheduled."""
        return bool(policy.shocks)

    @classmethod
    def check_config(cls, config: Any, scale: Any) -> None:
        """Each shock's day, kind and group; a shock after the run ends would never happen."""
        groups = tuple(config.population.groups)
        for i, shock in enumerate(cls.view(config.policy).shocks):
            shock.check(f"policy.shocks.{i}", groups)
            if shock.day >= config.days:
                raise ConfigError(
                    f"policy.shocks.{i}.day",
                    shock.day,
                    f"must be below days={config.days} (the run evaluates days "
                    f"0-{config.days - 1}); the shock would never happen",
                )

    def step(self, world: World) -> None:
        """Fire the shocks scheduled for this hour."""
        if world.hour != SHOCK_HOUR:
            return
        for shock in self.policy.shocks:
            if shock.day == world.day:
                self.fire(world, shock.kind, shock.group)

    def fire(self, world: World, kind: str, group: str | None = None) -> None:
        """A misconduct incident (trust falls, most in the group touched) or a community event."""
        ev = self.evidence
        if kind == "misconduct":
            trust.misconduct(
                world, group, ev.misconduct_drop, ev.misconduct_spill, ev.lasting_share
            )
        elif kind == "community_event":
            trust.community_event(world, ev.community_event_gain)
        else:
            raise ConfigError("shock.kind", kind, "must be one of " + ", ".join(SHOCK_KINDS))
