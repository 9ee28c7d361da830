"""Community beats: officers stay in their neighbourhood and talk to residents."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.levers.base import PatrolStrategy, register
from commsim.levers.random_patrol import drive
from commsim.paramspec import Section, param
from commsim.world import World


@dataclass(frozen=True)
class CommunityEvidence(Section):
    """How community beats work (``community.*``)."""

    section = "community"

    contact_multiplier: float = param(
        4.0,
        lo=0,
        unit="x conversations per patrol hour",
        source="assumption (Gill et al. 2014)",
        plausible=(2.0, 6.0),
    )
    contact_bonus: float = param(
        0.15,
        lo=0,
        hi=1,
        unit="extra chance a conversation goes well",
        source="Peyton et al. 2019 (non-enforcement contacts)",
    )


def beat_presence(world: World, team: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Officers walk or drive their own beats; a beat walk starts at a problem place when police know one."""
    off = world.officers
    off.place[team] = world.beat_places(off.beat[team], rng)
    return drive(world, team, rng, stay_in_beat=True)


@register
class CommunityPatrol(PatrolStrategy):
    """Officers work fixed neighbourhood beats and hold conversations (Gill et al. 2014).

    Examples:
        ``policy.patrol_strategy=community``
    """

    key = "community"
    name = "community"
    label = "community beats"
    Evidence = CommunityEvidence

    def patrol(self, world: World, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Everyone on their beat."""
        return beat_presence(world, free, rng)

    def contact_rate(self, world: World, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """More conversations, and they go well more often."""
        ev = self.evidence
        return np.full(len(free), ev.contact_multiplier), np.full(len(free), ev.contact_bonus)
