"""Hot-spot policing: patrol goes to the places with most recorded crime."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.levers.base import PatrolStrategy, register
from commsim.levers.random_patrol import drive
from commsim.paramspec import Section, param
from commsim.world import World


@dataclass(frozen=True)
class HotspotEvidence(Section):
    """How hot-spot patrol works (``hotspot.*``)."""

    section = "hotspot"

    window_days: int = param(
        28, lo=1, hi=365, unit="days of recorded crime", source="Braga et al. 2019 (typical)"
    )
    share_places: float = param(
        0.05, lo=0.001, hi=1, unit="share of places", source="Weisburd 2015"
    )
    time_share: float = param(
        0.6, lo=0, hi=1, unit="share of patrol hours at hot spots", source="assumption"
    )
    stops_per_hour: int = param(
        3, lo=1, hi=12, unit="short visits per hour", source="Koper 1995 (10-15 minute stops)"
    )
    stop_presence: float = param(
        0.3,
        lo=0,
        hi=1,
        unit="share of an hour present per stop",
        source="Koper 1995: 10-15 minute stops, with residual deterrence after the car leaves",
    )
    stop_multiplier: float = param(
        2.0,
        lo=0,
        hi=20,
        unit="x police-initiated stops per patrol hour",
        source="assumption (proactive enforcement at hot spots; Weisburd et al. 2016)",
    )


def hotspots(world: World, ev: HotspotEvidence) -> np.ndarray:
    """Places with the most recorded crime in the window (only places with any)."""
    recorded = world.places.recorded_history[: ev.window_days].sum(axis=0)
    k = max(1, round(ev.share_places * world.city.n_places))
    top = np.argsort(-recorded, kind="stable")[:k]
    return top[recorded[top] > 0]


def visit_hotspots(
    world: World, team: np.ndarray, ev: HotspotEvidence, hot: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Send a team to hot spots part of the time; the rest of the hour they drive.

    At hot spots an officer makes ``stops_per_hour`` short stops (Koper 1995),
    each present ``stop_presence`` of an hour (its residual deterrence included).

    Returns:
        The team's presence per place and the mask of team members who spent
        the hour at hot spots.
    """
    p = world.city.n_places
    u = rng.random(len(team))
    at_hot = (u < ev.time_share) if len(hot) else np.zeros(len(team), bool)
    presence = drive(world, team[~at_hot], rng)
    stoppers = team[at_hot]
    if len(stoppers):
        stops = hot[rng.integers(0, len(hot), (len(stoppers), ev.stops_per_hour))]
        world.officers.place[stoppers] = stops[:, -1]
        presence = presence + ev.stop_presence * np.bincount(stops.ravel(), minlength=p)
    return presence, at_hot


@register
class HotspotPatrol(PatrolStrategy):
    """Patrol concentrates on the places with most recorded crime (Braga et al. 2019).

    Hot spots are recomputed daily from recorded crime, so what residents do
    not report does not draw patrol.

    Examples:
        ``policy.patrol_strategy=hotspot``
    """

    key = "hotspot"
    name = "hotspot"
    label = "hot-spot policing"
    Evidence = HotspotEvidence

    def setup(self, world: World) -> None:
        """Keep the recorded-crime window; no hot spots known yet."""
        world.keep_recorded_history(self.evidence.window_days)
        self.hot = np.zeros(0, dtype=np.int64)

    def step(self, world: World) -> None:
        """Each morning, refresh the hot-spot list."""
        if world.hour == 0 or not len(self.hot):
            self.hot = hotspots(world, self.evidence)

    def patrol(self, world: World, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The whole force works hot spots part of each hour."""
        presence, _ = visit_hotspots(world, free, self.evidence, self.hot, rng)
        return presence

    def stop_rate(self, world: World, free: np.ndarray) -> np.ndarray:
        """Proactive stops at hot spots."""
        return np.full(len(free), self.evidence.stop_multiplier)
