"""Predictive policing: patrol goes where recorded-crime forecasts are highest.

Each morning the strategy forecasts each place's crime from recorded crime
alone — recent crime weighing more, and spreading to neighbouring places as
near-repeat forecasts do (Mohler et al. 2015) — and sends patrol to the top
places. Because officers also record what they see, patrol can raise
recorded crime where it goes whether or not true crime is higher there: the
feedback loop Lum & Isaac (2016) and Ensign et al. (2018) warn of, which
``experiments/predictive_feedback`` measures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.levers.base import PatrolStrategy, register
from commsim.levers.hotspot import HotspotEvidence, visit_hotspots
from commsim.paramspec import Section, param
from commsim.world import World


@dataclass(frozen=True)
class PredictiveEvidence(Section):
    """How the forecast is made and used (``predictive.*``)."""

    section = "predictive"

    window_days: int = param(
        56,
        lo=1,
        hi=365,
        unit="days of recorded crime used",
        source="assumption (typical vendor setting)",
    )
    memory_days: float = param(
        14.0,
        lo=0.5,
        hi=365,
        unit="days (e-folding) of a crime's weight",
        source="Mohler et al. 2015 (self-exciting forecasts)",
    )
    neighbor_weight: float = param(
        0.5,
        lo=0,
        hi=1,
        unit="x a place's weight given to its neighbours",
        source="assumption (near-repeat kernel)",
    )
    share_places: float = param(
        0.05,
        lo=0.001,
        hi=1,
        unit="share of places flagged",
        source="assumption (as hot spots, Weisburd 2015)",
    )
    time_share: float = param(
        0.6, lo=0, hi=1, unit="share of patrol hours at flagged places", source="assumption"
    )
    count_on_view: bool = param(
        True,
        source="choice",
        doc="Count crimes officers found themselves in the forecast (False: only crimes residents reported).",
    )
    history_bias: float = param(
        1.0,
        lo=0,
        hi=100,
        unit="x recorded crime in the biased neighbourhood's history",
        source="scenario",
        doc="Inflate the recorded history of one neighbourhood when the strategy starts (a biased start, Lum & Isaac 2016).",
    )
    history_bias_neighborhood: int = param(0, lo=0, unit="neighbourhood id", source="scenario")


def forecast(world: World, ev: PredictiveEvidence, history: np.ndarray | None = None) -> np.ndarray:
    """Each place's forecast from recorded crime: decayed counts plus a neighbour share."""
    if history is None:
        history = (
            world.places.recorded_history if ev.count_on_view else world.places.reported_history
        )
    history = history[: ev.window_days]
    weights = np.exp(-np.arange(len(history)) / ev.memory_days)
    own = weights @ history
    adj = world.city.adjacency
    return own + ev.neighbor_weight * (adj @ own) / np.maximum(np.diff(adj.indptr), 1)


@register
class PredictivePatrol(PatrolStrategy):
    """Patrol the places a recorded-crime forecast flags (Mohler et al. 2015; Lum & Isaac 2016).

    Examples:
        ``policy.patrol_strategy=predictive``
    """

    key = "predictive"
    name = "predictive"
    label = "predictive policing"
    Evidence = PredictiveEvidence

    def setup(self, world: World) -> None:
        """Keep the recorded-crime window; nothing flagged yet."""
        world.keep_recorded_history(self.evidence.window_days)
        self.flagged = np.zeros(0, dtype=np.int64)

    def start(self, world: World) -> None:
        """A biased history, when the scenario asks for one: the start Lum & Isaac (2016) describe."""
        ev = self.evidence
        self.bias = np.ones(world.city.n_places)
        if ev.history_bias != 1.0:
            self.bias[world.city.neighborhood == ev.history_bias_neighborhood] = ev.history_bias
        self.bias_until = world.tick + 24 * ev.window_days

    def step(self, world: World) -> None:
        """Each morning, refresh the forecast and the flagged places."""
        if world.hour == 0 or not len(self.flagged):
            ev = self.evidence
            history = (
                world.places.recorded_history if ev.count_on_view else world.places.reported_history
            )
            if world.tick < self.bias_until:
                # Only the records from before the strategy started carry the bias.
                age = (
                    world.tick - 24 * np.arange(len(history))
                    < self.bias_until - 24 * ev.window_days
                )
                history = np.where(age[:, None], history * self.bias[None, :], history)
            score = forecast(world, ev, history)
            k = max(1, round(ev.share_places * world.city.n_places))
            top = np.argsort(-score, kind="stable")[:k]
            self.flagged = top[score[top] > 0]

    def patrol(self, world: World, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Patrol works the flagged places part of each hour (no extra stops)."""
        visits = HotspotEvidence(time_share=self.evidence.time_share, stops_per_hour=1)
        presence, _ = visit_hotspots(world, free, visits, self.flagged, rng)
        return presence
