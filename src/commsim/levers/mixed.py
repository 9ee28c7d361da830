"""Mixed patrol: half the force on hot spots, half on community beats."""

from __future__ import annotations

from typing import Any

import numpy as np

from commsim.levers.base import Lever, PatrolStrategy, register
from commsim.levers.community import CommunityPatrol, beat_presence
from commsim.levers.hotspot import HotspotPatrol, hotspots, visit_hotspots
from commsim.world import World


@register
class MixedPatrol(PatrolStrategy):
    """A hot-spot team (every other beat pair) and community beat officers.

    Examples:
        ``policy.patrol_strategy=mixed``
    """

    key = "mixed"
    name = "mixed"
    label = "hot spots and community beats"

    def __init__(self, *args: Any, hotspot: Any = None, community: Any = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.hotspot_evidence, self.community = hotspot, community

    @classmethod
    def build(cls, config: Any) -> Lever:
        """Uses the hot-spot and community strategies' own evidence."""
        community = CommunityPatrol.build(config)
        return cls(
            None,
            None,
            None,
            config.policy.start_day,
            config.policy.end_day,
            hotspot=HotspotPatrol.build(config).evidence,
            community=community,
        )

    def setup(self, world: World) -> None:
        """Keep the recorded-crime window; no hot spots known yet."""
        world.keep_recorded_history(self.hotspot_evidence.window_days)
        self.hot = np.zeros(0, dtype=np.int64)

    def step(self, world: World) -> None:
        """Each morning, refresh the hot-spot list."""
        if world.hour == 0 or not len(self.hot):
            self.hot = hotspots(world, self.hotspot_evidence)

    def patrol(self, world: World, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The hot-spot team works hot spots; the others walk their beats."""
        team = world.officers.hotspot_role[free]
        presence, _ = visit_hotspots(world, free[team], self.hotspot_evidence, self.hot, rng)
        return presence + beat_presence(world, free[~team], rng)

    def stop_rate(self, world: World, free: np.ndarray) -> np.ndarray:
        """The hot-spot team stops more."""
        team = world.officers.hotspot_role[free]
        return np.where(team, self.hotspot_evidence.stop_multiplier, 1.0)

    def contact_rate(self, world: World, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Beat officers talk more; the hot-spot team as usual."""
        beat = ~world.officers.hotspot_role[free]
        mult, bonus = self.community.contact_rate(world, free)
        return np.where(beat, mult, 1.0), np.where(beat, bonus, 0.0)
