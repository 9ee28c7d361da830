"""Process 3, patrol: where officers and volunteer patrollers spend each hour.

A mixin of :class:`commsim.model.CommunityModel`; it reads and writes the
model's officer and resident arrays.
"""

from __future__ import annotations

import numpy as np

from commsim.population import EVENING_HOURS


class PatrolMixin:
    """Officer patrol by strategy (random, hotspot, community, mixed) and volunteer patrols."""

    def on_duty_mask(self) -> np.ndarray:
        """Officers on shift now (three 8-hour shifts) and on the force."""
        off = self.officers
        return (off.shift == self.hour // 8) & (off.active_from <= self.tick)

    def _patrol(self) -> None:
        off, rng, p = self.officers, self.streams["patrol"], self.city.n_places
        duty = self.duty_now = self.on_duty_mask()  # shifts change only between ticks
        free = np.flatnonzero(duty & (off.busy_until <= self.tick))
        strategy = self.patrol_strategy
        random_place = rng.integers(0, p, len(free))
        u = rng.random(len(free))
        stops = free[:0]
        if strategy == "random" or len(free) == 0:
            off.place[free] = random_place
        else:
            hotspot_team = (
                off.hotspot_role[free]
                if strategy == "mixed"
                else np.full(len(free), strategy == "hotspot")
            )
            hot = self._hotspot_places(len(free), rng)
            beat = self._beat_places(off.beat[free], rng)
            at_hot = hotspot_team & (u < self.config.police.hotspot_time_share) & (hot >= 0)
            off.place[free] = np.where(at_hot, hot, np.where(hotspot_team, random_place, beat))
            stops = free[at_hot]
        self.officers_here = np.bincount(off.place[duty], minlength=p).astype(float)
        if strategy != "random" and len(stops):
            self._hotspot_stops(stops, rng)
        self.officers_near = self.city.adjacency @ self.officers_here
        nb = self.city.neighborhood
        on_beat = np.bincount(nb[off.place[duty]], minlength=self.city.n_neighborhoods)
        self.police_density_nb = 100.0 * on_beat / np.diff(self.nb_place_indptr)
        self._volunteer_patrol()

    def _hotspot_stops(self, officers: np.ndarray, rng: np.random.Generator) -> None:
        """Hot-spot officers make several short stops an hour (Koper 1995), each deterring less."""
        pol = self.config.police
        extra = self._hotspot_places(len(officers) * (pol.hotspot_stops_per_hour - 1), rng)
        first = self.officers.place[officers]
        self.officers_here -= (1.0 - pol.stop_presence) * np.bincount(
            first, minlength=len(self.officers_here)
        )
        self.officers_here += pol.stop_presence * np.bincount(
            extra, minlength=len(self.officers_here)
        )

    def _hotspot_places(self, k: int, rng: np.random.Generator) -> np.ndarray:
        if len(self.hotspots) == 0:
            return np.full(k, -1)
        return self.hotspots[rng.integers(0, len(self.hotspots), k)]

    def _beat_places(self, beats: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A place on each officer's community beat; problem places raised at meetings first."""
        start, count = self.nb_place_indptr[beats], np.diff(self.nb_place_indptr)[beats]
        places = self.nb_places[start + (rng.random(len(beats)) * count).astype(np.int64)]
        intel = np.flatnonzero(self.intel_until > self.tick)
        if len(intel):
            pick = intel[rng.integers(0, len(intel), len(beats))]
            use = (self.city.neighborhood[pick] == beats) & (rng.random(len(beats)) < 0.3)
            places = np.where(use, pick, places)
        return places

    def _volunteer_patrol(self) -> None:
        self.volunteers_here = np.zeros(self.city.n_places)
        if self.patrol_duty_prob <= 0 or not (
            EVENING_HOURS.start <= self.hour < EVENING_HOURS.stop
        ):
            return
        res, rng = self.residents, self.streams["patrol"]
        on = np.flatnonzero(res.patroller)
        on = on[rng.random(len(on)) < self.patrol_duty_prob]
        self.patroller_now = self._beat_places(res.neighborhood[on], rng)
        self.volunteers_here = np.bincount(self.patroller_now, minlength=self.city.n_places).astype(
            float
        )
