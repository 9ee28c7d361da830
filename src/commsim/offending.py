"""Process 4 and 8: offenders' moves and choices each hour, and the offender population each day.

A mixin of :class:`commsim.model.CommunityModel`; the equations are in
:mod:`commsim.dynamics`, a crime's aftermath in :mod:`commsim.incidents`.
"""

from __future__ import annotations

import numpy as np

from commsim import dynamics
from commsim.agents import Offender
from commsim.incidents import handle_crime
from commsim.params import CRIME_TYPES
from commsim.population import ACTIVE, DESISTED, JAILED, SLOT_FREE

MOTIVATION_SD = 0.3  # log-normal spread of offender motivation; assumption


class OffendingMixin:
    """Routine-activity movement, rational-choice offending, recruitment and desistance."""

    def _offend(self) -> None:
        off, o, rng = self.offenders, self.config.offending, self.streams["offending"]
        city, h = self.city, self.hour
        draws = rng.random((6, len(off)))  # fixed-size draws keep streams aligned across scenarios
        active = np.flatnonzero(off.state == ACTIVE)
        night = h >= 18 or h < 2
        out_mask = draws[0, active] < (o.out_prob_night if night else o.out_prob_day)
        out, home = active[out_mask], active[~out_mask]
        off.place[home] = off.home[home]
        if len(out) == 0:
            return
        cur = off.place[out]
        adj = city.adjacency
        deg = np.diff(adj.indptr)[cur]
        c1 = adj.indices[adj.indptr[cur] + (draws[1, out] * deg).astype(np.int64)]
        c2 = adj.indices[adj.indptr[cur] + (draws[2, out] * deg).astype(np.int64)]
        attract = dynamics.attractiveness(
            city.base_attractiveness, self.boost, self.config.places.boost_max
        )
        nxt = np.where(attract[c2] > attract[c1], c2, c1)  # drawn towards attractive targets
        jump = (draws[5, out] * city.n_places).astype(np.int64)  # a known place further away
        nxt = np.where(draws[3, out] < o.exploration, jump, nxt)
        known = city.distance_m[off.home[out], nxt] <= o.awareness_radius_m
        nxt = np.where(known, nxt, off.home[out])
        off.place[out] = nxt
        self._decide_offences(out, nxt, attract, draws[4, out])

    def _decide_offences(
        self, who: np.ndarray, at: np.ndarray, attract: np.ndarray, u: np.ndarray
    ) -> None:
        off, o, city = self.offenders, self.config.offending, self.city
        deter = dynamics.deterrence(
            self.occ_now[at],
            self.watch_now[at],
            self.officers_here[at],
            self.officers_near[at],
            self.volunteers_here[at],
            self.watch_coverage_nb[city.neighborhood[at]],
            off.perceived_risk[who],
            o,
            self.police_density_nb[city.neighborhood[at]],
        )
        youth = off.youth[who]
        opportunities = {
            "burglary": dynamics.burglary_opportunity(
                city.households[at], self.home_occupancy_day[self.hour, at]
            )
            * self.hardening[at],
            "robbery": dynamics.robbery_opportunity(self.occ_now[at]),
            "vandalism": np.where(youth | (not o.youth_vandalism_only), 1.0, 0.0),
        }
        probs = dynamics.offence_probabilities(
            self.hour, self._motivation(who), attract[at], deter, opportunities, o
        )
        cum = np.cumsum(probs, axis=1)
        kind = (u[:, None] >= cum).sum(axis=1)  # index of the crime type drawn, 3 = none
        for i in np.flatnonzero(kind < len(CRIME_TYPES)):
            row = handle_crime(self, int(who[i]), int(at[i]), CRIME_TYPES[kind[i]])
            if not self.in_warmup:
                self.datacollector.add_table_row("events", row)

    def _motivation(self, who: np.ndarray) -> np.ndarray:
        off, od = self.offenders, self.config.offenders
        enrolled = (off.outreach[who] >= 0) & (
            self.day - off.outreach[who] >= od.outreach_delay_days
        )
        return off.motivation[who] * np.where(enrolled, 1.0 - od.outreach_motivation_cut, 1.0)

    def _daily_offenders(self) -> None:
        off, od, rng = self.offenders, self.config.offenders, self.streams["recruitment"]
        u = rng.random((2, len(off)))
        released = (off.state == JAILED) & (off.release_tick <= self.tick)
        off.state[released] = ACTIVE
        off.state[released & (u[0] < od.desist_after_jail)] = DESISTED
        turnover = od.turnover_per_year / 365.0
        off.state[(off.state == ACTIVE) & (u[1] < turnover)] = DESISTED
        off.state[off.state == DESISTED] = SLOT_FREE  # slots are reused by recruits
        off.outreach[off.state == SLOT_FREE] = -1
        off.perceived_risk *= 1.0 - od.risk_decay_per_day
        efficacy = self._collective_efficacy(self.watch_coverage_nb)
        target = dynamics.offender_pool_target(
            self.base_pool, efficacy, self.efficacy_ref, od.efficacy_effect
        )
        youth_share = self.config.population.youth_offender_share
        expected = turnover * target * (1.0 - youth_share * (1.0 - self.youth_recruit_factor))
        self._recruit(rng.poisson(expected), rng)

    def _collective_efficacy(self, watch_coverage: np.ndarray) -> np.ndarray:
        res, n_nb = self.residents, self.city.n_neighborhoods
        mean_trust = np.bincount(res.neighborhood, weights=res.trust, minlength=n_nb) / np.maximum(
            np.bincount(res.neighborhood, minlength=n_nb), 1
        )
        return dynamics.collective_efficacy(
            mean_trust, watch_coverage, self.config.offenders.base_participation
        )

    def _recruit(self, per_nb: np.ndarray, rng: np.random.Generator) -> None:
        """New offenders, living in the neighbourhoods they were recruited from."""
        total = int(per_nb.sum())
        if total == 0:
            return
        off = self.offenders
        before = len(off)
        slots = off.free_slots(total)
        nbs = np.repeat(np.arange(len(per_nb)), per_nb)
        start, count = self.nb_place_indptr[nbs], np.diff(self.nb_place_indptr)[nbs]
        off.home[slots] = self.nb_places[start + (rng.random(total) * count).astype(np.int64)]
        off.place[slots] = off.home[slots]
        off.motivation[slots] = rng.lognormal(-(MOTIVATION_SD**2) / 2, MOTIVATION_SD, total)
        youth_p = self.config.population.youth_offender_share * self.youth_recruit_factor
        off.youth[slots] = rng.random(total) < youth_p
        off.state[slots] = ACTIVE
        off.perceived_risk[slots] = 0.0
        off.outreach[slots] = -1
        if len(off) > before and hasattr(self, "offender_agents"):
            self.offender_agents += [Offender(self, i) for i in range(before, len(off))]
