"""CommunityModel: the Mesa model wiring city, people, policies and metrics.

One tick is one hour. :meth:`CommunityModel.step` runs the processes of
DESIGN §2 in order, each one call. Patrol lives in :mod:`commsim.patrol`,
offending and the offender population in :mod:`commsim.offending`, the
aftermath of a crime in :mod:`commsim.incidents`, and the equations in
:mod:`commsim.dynamics`.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import Any

import mesa
import numpy as np

from commsim import dynamics
from commsim.agents import Offender, Officer, Resident
from commsim.city import City, build_city
from commsim.metrics import DayCounter, RollingRates, daily_keys
from commsim.offending import OffendingMixin
from commsim.params import CityConfig, ConfigError, SimConfig
from commsim.patrol import PatrolMixin
from commsim.policies import ExtraOfficers, Policy, build_programmes
from commsim.population import (
    ACTIVE,
    AT_HOME,
    AWAY_HOURS,
    ERRAND_PROB,
    EVENING_HOURS,
    JAILED,
    _members_csr,
    empty_offenders,
    make_officers,
    make_residents,
)
from commsim.streams import Streams

EVENT_COLUMNS = [
    "day",
    "hour",
    "place",
    "neighborhood",
    "type",
    "victim_group",
    "victim",
    "reported",
    "recorded",
    "response_min",
    "arrested",
    "offender_youth",
]
HISTORY_DAYS = 30  # days of per-place crime kept for hot spots and meetings
RECENT_DAYS = 14  # "recent crime" shown on maps (near-repeat window)


@lru_cache(maxsize=8)
def _cached_city(config: CityConfig, attractiveness_sd: float) -> City:
    # The city's layout depends on its config (and seed_offset), never on the run
    # seed: every replicate and scenario runs on the same streets.
    rng = np.random.default_rng([config.seed_offset, zlib.crc32(b"city")])
    return build_city(config, rng, attractiveness_sd)


class CommunityModel(PatrolMixin, OffendingMixin, mesa.Model):
    """Residents, offenders and officers on a neighbourhood street network.

    Args:
        config: A full run config; by default the built-in default city and baseline policy.
        seed: Run seed (overrides ``config.seed``).
        city: Name of a city preset in ``conf/city`` (e.g. ``"small"``) or a CityConfig.
        policy: Name of a strategy preset in ``conf/policy`` (e.g. ``"community_policing"``).
        **levers: Policy fields by name (``watch_coverage=0.3``, ``patrol_strategy="hotspot"``),
            or ``days`` / ``warmup_days``.

    Examples:
        >>> model = CommunityModel(city="small", watch_coverage=0.3, seed=1)
        >>> for _ in range(24):
        ...     model.step()
    """

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        seed: int | None = None,
        city: str | CityConfig | None = None,
        policy: str | None = None,
        **levers: Any,
    ) -> None:
        from commsim.config import config_from_kwargs  # reads conf/ presets; no Hydra

        config = config_from_kwargs(config, seed=seed, city=city, policy=policy, levers=levers)
        super().__init__(seed=config.seed)
        self.config = config
        self.trust_params = config.trust
        self.streams = Streams(config.seed)
        self.city = _cached_city(config.city, config.places.attractiveness_sd)
        self.groups = list(config.population.groups)
        self.tick = 0
        self._build_state()
        self._build_people()
        self._build_policies()
        self._build_agents()
        self.datacollector = mesa.DataCollector(
            model_reporters={k: _reporter(k) for k in daily_keys(self.groups)},
            tables={"events": EVENT_COLUMNS},
        )
        self._plan_day()

    # ------------------------------------------------------------------ setup
    def _build_people(self) -> None:
        cfg, city = self.config, self.city
        self.residents = make_residents(cfg, city, self.streams["population"])
        n = len(self.residents)
        self.residents_per_household = n / max(city.households.sum(), 1)
        self.group_sizes = np.bincount(self.residents.group, minlength=len(self.groups))
        self.n_base_officers = max(3, round(n * cfg.population.officers_per_1000 / 1000))
        self.nb_place_indptr, self.nb_places = _members_csr(city.neighborhood, city.n_neighborhoods)
        self.residents_at_home_place = np.bincount(self.residents.home, minlength=city.n_places)
        # Offender pool per neighbourhood: more where disadvantage is high and
        # collective efficacy low (Sampson et al. 1997).
        od = cfg.offenders
        nb_res = np.bincount(self.residents.neighborhood, minlength=city.n_neighborhoods)
        nb_dis = np.bincount(
            city.neighborhood, city.disadvantage, city.n_neighborhoods
        ) / np.maximum(np.bincount(city.neighborhood, minlength=city.n_neighborhoods), 1)
        self.nb_disadvantage = nb_dis
        self.efficacy_ref = self._collective_efficacy(np.zeros(city.n_neighborhoods))
        weight = (
            nb_res
            * (1 + od.disadvantage_effect * nb_dis)
            * np.exp(-od.efficacy_effect * self.efficacy_ref)
        )
        total = n * cfg.population.offenders_per_1000 / 1000
        self.base_pool = total * weight / max(weight.sum(), 1e-12)
        self.offenders = empty_offenders(max(16, int(3 * total)))
        rng = self.streams["recruitment"]
        self._recruit(rng.poisson(self.base_pool), rng)

    def _build_state(self) -> None:
        p = self.city.n_places
        self.boost = np.zeros(p)
        self.intel_until = np.zeros(p, dtype=np.int64)
        self.hardening = np.ones(p)
        self.true_history = np.zeros((HISTORY_DAYS, p), dtype=np.int32)
        window = max(self.config.police.hotspot_window_days, HISTORY_DAYS)
        self.recorded_history = np.zeros((window, p), dtype=np.int32)
        self.hotspots = np.zeros(0, dtype=np.int64)
        self.watch_coverage_nb = np.zeros(self.city.n_neighborhoods)
        self.watch_now = np.zeros(p)
        self.warmup_burglary_by_nb = np.zeros(self.city.n_neighborhoods)
        self.patrol_strategy = "random"
        self.meetings_per_month = 0.0
        self.patrol_duty_prob = 0.0
        self.youth_recruit_factor = 1.0
        self.competency_group = -1
        self.officers_here = np.zeros(p)
        self.officers_near = np.zeros(p)
        self.police_density_nb = np.zeros(self.city.n_neighborhoods)
        self.volunteers_here = np.zeros(p)
        self._counter = DayCounter(victims_by_group=np.zeros(len(self.groups)))
        self._rolling = RollingRates()
        self._today: dict[str, float] = {}

    def _build_policies(self) -> None:
        pol, police = self.config.policy, self.config.police
        self.policies: list[Policy] = build_programmes(pol)
        planned = sum(p.planned_cost_per_year(self) for p in self.policies)
        n_funded = 0
        if pol.funding is not None:
            remainder = pol.funding - planned
            if remainder < 0:
                raise ConfigError(
                    "policy.funding",
                    pol.funding,
                    f"must cover the chosen programmes (${planned:,.0f}/yr); "
                    "raise it or set it to null",
                )
            n_funded = int(remainder // self.config.costs.officer_per_year)
        self.officers = make_officers(
            self.n_base_officers,
            n_funded,
            self.city,
            police.skill_mean,
            police.skill_sd,
            self.streams["patrol"],
        )
        if n_funded:
            self.officers.active_from[self.n_base_officers :] = 2**62
            self.policies.append(
                ExtraOfficers(self.n_base_officers, n_funded, pol.start_day, pol.end_day)
            )
        self.duty_now = self.on_duty_mask()  # refreshed by patrol every tick
        self.planned_cost_per_year = planned + n_funded * self.config.costs.officer_per_year

    def _build_agents(self) -> None:
        self.space = mesa.discrete_space.Network(self.city.graph, random=self.random)
        self.resident_agents = [Resident(self, i) for i in range(len(self.residents))]
        self.offender_agents = [Offender(self, i) for i in range(len(self.offenders))]
        self.officer_agents = [Officer(self, i) for i in range(len(self.officers))]
        self._synced_place: dict[int, Any] = {}
        self.sync_space()

    # ------------------------------------------------------------------ time
    @property
    def hour(self) -> int:
        """Hour of the day, 0-23."""
        return self.tick % 24

    @property
    def day(self) -> int:
        """Day of the evaluation window (negative during warm-up)."""
        return self.tick // 24 - self.config.warmup_days

    @property
    def in_warmup(self) -> bool:
        """True before the evaluation window starts (no policy acts, nothing is counted)."""
        return self.day < 0

    @property
    def total_ticks(self) -> int:
        """Ticks of a whole run: warm-up plus evaluated days, 24 per day."""
        return 24 * (self.config.warmup_days + self.config.days)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one hour: the processes of DESIGN §2, in order."""
        if self.hour == 0:
            self._plan_day()
        self._routines()  # 1
        self._apply_policies()  # 2
        self._patrol()  # 3
        self._offend()  # 4 and 5 (witnessing, reporting, dispatch, arrest)
        self._patrol_contacts()  # 6 (contacts on patrol; other trust changes happen where caused)
        if self.hour == 23:
            self._end_day()  # 6 (contagion, fear), 7 places, 8 offender population, 9 metrics
        self.tick += 1

    def run_days(self, days: int) -> None:
        """Step ``days`` whole days."""
        for _ in range(24 * days):
            self.step()

    # 1. Routines ----------------------------------------------------------
    def _plan_day(self) -> None:
        """Where every resident is at each hour today (one vectorised pass per day)."""
        res, rng = self.residents, self.streams["routine"]
        n, p = len(res), self.city.n_places
        away = AWAY_HOURS[res.schedule]
        errand = rng.random(n) < ERRAND_PROB
        away[:, 10:12] &= ((res.schedule != AT_HOME) | errand)[:, None]
        loc = np.where(away.T, res.activity, res.home)
        out = rng.random(n) < self.config.population.evening_out_prob
        loc[EVENING_HOURS] = np.where(out, res.leisure, loc[EVENING_HOURS])
        flat = (loc + (np.arange(24) * p)[:, None]).ravel()
        self.loc_day = loc
        self.occ_day = np.bincount(flat, minlength=24 * p).reshape(24, p).astype(float)
        self.watch_day = np.bincount(
            flat, weights=np.tile(res.watch, 24), minlength=24 * p
        ).reshape(24, p)
        home_flat = (res.home + (np.arange(24) * p)[:, None]).ravel()
        at_home = np.bincount(
            home_flat, weights=(loc == res.home).ravel(), minlength=24 * p
        ).reshape(24, p)
        self.home_occupancy_day = at_home / np.maximum(self.residents_at_home_place, 1)

    def _routines(self) -> None:
        h = self.hour
        self.loc_now = self.loc_day[h]
        self.occ_now = self.occ_day[h]
        self.watch_now = self.watch_day[h]

    # 2. Policies ----------------------------------------------------------
    def _apply_policies(self) -> None:
        for policy in self.policies:
            policy.step(self)

    # 5. Police response (called from incidents) ----------------------------
    def dispatch(self, place: int) -> tuple[int, float, bool]:
        """Send the nearest free on-duty officer (else the nearest busy one).

        Returns:
            The officer, the street distance in metres, and whether it was free.
        """
        off = self.officers
        duty = np.flatnonzero(self.duty_now)
        free = duty[off.busy_until[duty] <= self.tick]
        pool = free if len(free) else duty
        dist = self.city.distance_m[off.place[pool], place]
        k = int(pool[np.argmin(dist)])
        distance = float(dist.min())
        off.busy_until[k] = max(off.busy_until[k], self.tick) + self.config.reporting.on_scene_hours
        off.place[k] = place
        return k, distance, bool(len(free))

    def arrest(self, offender: int, place: int) -> None:
        """Jail an offender; offenders of that neighbourhood see it and feel more at risk."""
        off, od, rng = self.offenders, self.config.offenders, self.streams["recruitment"]
        off.state[offender] = JAILED
        off.release_tick[offender] = self.tick + 24 * max(
            1, int(rng.exponential(od.jail_days_mean))
        )
        off.perceived_risk[offender] = min(1.0, off.perceived_risk[offender] + od.arrest_risk_gain)
        seen = self.city.neighborhood[off.home] == self.city.neighborhood[place]
        off.perceived_risk[seen] = np.minimum(
            1.0, off.perceived_risk[seen] + od.seen_arrest_risk_gain
        )
        self._counter.arrests += 1

    # 6. Trust -------------------------------------------------------------
    def contact(self, officer: int, residents: np.ndarray, bonus: float = 0.0) -> None:
        """Police contacts: good with chance = the officer's skill (+ bonus, + competency)."""
        res, t = self.residents, self.trust_params
        skill = np.full(len(residents), self.officers.skill[officer] + bonus)
        if self.competency_group >= 0 and self.officers.trained[officer]:
            skill += self.config.police.competency_gain * (
                res.group[residents] == self.competency_group
            )
        good = self.streams["contact"].random(len(residents)) < skill
        res.trust[residents] = dynamics.contact_trust(
            res.trust[residents], good, t.good_contact, t.asymmetry
        )

    def good_contacts(self, residents: np.ndarray, times: float = 1.0) -> None:
        """Contacts that go well (meetings, community events)."""
        res, t = self.residents, self.trust_params
        good = np.ones(len(residents), dtype=bool)
        res.trust[residents] = dynamics.contact_trust(
            res.trust[residents], good, t.good_contact * times, t.asymmetry
        )

    def _patrol_contacts(self) -> None:
        off, t, rng = self.officers, self.trust_params, self.streams["contact"]
        free = np.flatnonzero(self.duty_now & (off.busy_until <= self.tick))
        community = (self.patrol_strategy == "community") | (
            (self.patrol_strategy == "mixed") & ~off.hotspot_role[free]
        )
        rate = t.contacts_per_officer_hour * np.where(
            community, t.community_contact_multiplier, 1.0
        )
        n_contacts = rng.poisson(rate)
        for k in np.flatnonzero(n_contacts):
            present = self.residents.present(int(off.place[free[k]]), self.loc_now)
            if len(present):
                who = rng.choice(present, size=min(n_contacts[k], len(present)), replace=False)
                bonus = t.community_contact_bonus if community[k] else 0.0
                self.contact(int(free[k]), who, bonus)

    def apply_shock(self, kind: str, group: str | None = None) -> None:
        """A misconduct incident (trust falls, most in the group touched) or a community event."""
        res, t = self.residents, self.trust_params
        if kind == "misconduct":
            if group is None:
                drop = np.full(len(res), t.misconduct_drop)
            else:
                touched = res.group == self.groups.index(group)
                drop = np.where(touched, t.misconduct_drop, t.misconduct_spill)
            res.trust[:] = np.clip(res.trust - drop, 0.0, 1.0)
        elif kind == "community_event":
            res.trust[:] = np.clip(res.trust + t.community_event_gain, 0.0, 1.0)
        else:
            raise ConfigError("shock.kind", kind, "must be one of misconduct, community_event")

    def learn_problem_places(self, nb: int, k: int) -> None:
        """Residents at a meeting name their neighbourhood's worst places (true crime, 30 days)."""
        places = self.nb_places[self.nb_place_indptr[nb] : self.nb_place_indptr[nb + 1]]
        crime = self.true_history.sum(axis=0)[places]
        top = places[np.argsort(-crime, kind="stable")[:k]]
        top = top[crime[np.argsort(-crime, kind="stable")[:k]] > 0]
        self.intel_until[top] = self.tick + 24 * self.config.police.intel_days

    # Policy hooks ------------------------------------------------------------
    def spend(self, usd: float) -> None:
        """Count programme spending on today's cost."""
        self._counter.cost_usd += usd

    def refresh_watch(self) -> None:
        """Recompute watch coverage per neighbourhood after enrolment changes."""
        res = self.residents
        n_nb = self.city.n_neighborhoods
        members = np.bincount(res.neighborhood, weights=res.watch, minlength=n_nb)
        self.watch_coverage_nb = members / np.maximum(
            np.bincount(res.neighborhood, minlength=n_nb), 1
        )

    def refresh_hardening(self, cut: float) -> None:
        """Burglary multiplier per place from the share of its households reached by a campaign."""
        res, p = self.residents, self.city.n_places
        reached = np.bincount(res.home, weights=res.campaign, minlength=p)
        self.hardening = 1.0 - cut * reached / np.maximum(self.residents_at_home_place, 1)

    def record_crime(
        self,
        place: int,
        kind: str,
        victim: int,
        reported: bool,
        recorded: bool,
        arrested: bool,
        response: float | None,
    ) -> None:
        """Update places (near repeat), histories and today's counters."""
        pp = self.config.places
        dynamics.spread_boost(
            self.boost, place, self.city.adjacency, pp.boost_self, pp.boost_neighbors
        )
        self.true_history[0, place] += 1
        if recorded:
            self.recorded_history[0, place] += 1
        if self.in_warmup:
            if kind == "burglary":
                self.warmup_burglary_by_nb[self.city.neighborhood[place]] += 1
            return
        c = self._counter
        c.crimes[kind] += 1
        c.reported += int(reported)
        c.recorded += int(recorded)
        if response is not None:
            c.response_min.append(response)
        if victim >= 0:
            c.victims_by_group[self.residents.group[victim]] += 1

    # 6-9. End of day ---------------------------------------------------------
    def _end_day(self) -> None:
        self._daily_trust_and_fear()
        self._daily_places()
        self._daily_offenders()
        if not self.in_warmup:
            self._collect()
        else:
            self._counter = DayCounter(victims_by_group=np.zeros(len(self.groups)))
        self.sync_space()

    def _daily_trust_and_fear(self) -> None:
        res, t = self.residents, self.trust_params
        res.trust[:] = dynamics.contagion(
            res.trust,
            res.ties,
            res.has_ties,
            res.baseline_trust,
            t.contagion_per_day,
            t.anchor_per_day,
        )
        nb_crime = np.bincount(
            self.city.neighborhood,
            weights=self.true_history[0],
            minlength=self.city.n_neighborhoods,
        )
        fear = res.fear + t.fear_decay_per_day * (self.config.population.initial_fear - res.fear)
        res.fear[:] = np.clip(
            fear + t.neighborhood_crime_fear * nb_crime[res.neighborhood], 0.0, 1.0
        )

    def _daily_places(self) -> None:
        self.boost *= np.exp(-1.0 / self.config.places.boost_decay_days)
        window = self.config.police.hotspot_window_days
        recorded = self.recorded_history[:window].sum(axis=0)
        k = max(1, round(self.config.police.hotspot_share_places * self.city.n_places))
        top = np.argsort(-recorded, kind="stable")[:k]
        self.hotspots = top[recorded[top] > 0]
        self.true_history = np.roll(self.true_history, 1, axis=0)
        self.true_history[0] = 0
        self.recorded_history = np.roll(self.recorded_history, 1, axis=0)
        self.recorded_history[0] = 0

    # 9. Metrics ---------------------------------------------------------------
    def _collect(self) -> None:
        res, c = self.residents, self._counter
        n = len(res)
        by_group = np.bincount(
            res.group, weights=res.trust, minlength=len(self.groups)
        ) / np.maximum(self.group_sizes, 1)
        today = {f"crimes_{k}": float(v) for k, v in c.crimes.items()}
        today.update(self._rolling.push(c))
        today.update(
            crimes=float(c.total),
            crimes_reported=float(c.reported),
            arrests=float(c.arrests),
            trust_mean=float(res.trust.mean()),
            trust_gap=float(
                by_group[self.group_sizes > 0].max() - by_group[self.group_sizes > 0].min()
            ),
            fear_mean=float(res.fear.mean()),
            victimization_rate=float(c.victims_by_group.sum() / n * 365_000),
            active_offenders=float((self.offenders.state == ACTIVE).sum()),
            watch_participation=float(res.watch.mean()),
            cost_usd=float(c.cost_usd),
        )
        for g, name in enumerate(self.groups):
            today[f"trust_mean_{name}"] = float(by_group[g])
            size = max(self.group_sizes[g], 1)
            today[f"victimization_rate_{name}"] = float(c.victims_by_group[g] / size * 365_000)
        self._today = today
        self.datacollector.collect(self)
        self._counter = DayCounter(victims_by_group=np.zeros(len(self.groups)))

    # Views for maps and dashboards ----------------------------------------------
    def sync_space(self) -> None:
        """Place offender and officer agents on the Network cells their arrays say."""
        places = {}
        for agent in self.offender_agents:
            if self.offenders.state[agent.index] == ACTIVE:
                places[agent] = int(self.offenders.place[agent.index])
        duty = self.on_duty_mask()
        for agent in self.officer_agents:
            if duty[agent.index]:
                places[agent] = int(self.officers.place[agent.index])
        for agent, old in list(self._synced_place.items()):
            if places.get(agent) != old:
                self.space[old].remove_agent(agent)
                del self._synced_place[agent]
                agent.cell = None
        for agent, node in places.items():
            if agent not in self._synced_place:
                cell = self.space[node]
                cell.add_agent(agent)
                agent.cell = cell
                self._synced_place[agent] = node

    def place_trust(self) -> np.ndarray:
        """Mean trust of the residents living at each place (NaN-free: 0 where nobody lives)."""
        res, p = self.residents, self.city.n_places
        total = np.bincount(res.home, weights=res.trust, minlength=p)
        return total / np.maximum(self.residents_at_home_place, 1)

    def place_recent_crime(self) -> np.ndarray:
        """True crimes at each place over the last 14 days."""
        return self.true_history[:RECENT_DAYS].sum(axis=0)

    @property
    def officer_places(self) -> np.ndarray:
        """Places of officers on duty now."""
        return self.officers.place[self.on_duty_mask()]

    @property
    def offender_places(self) -> np.ndarray:
        """Places of active offenders now."""
        return self.offenders.place[self.offenders.state == ACTIVE]

    @property
    def patroller_places(self) -> np.ndarray:
        """Places of volunteers on patrol this hour (empty outside patrol hours)."""
        if self.volunteers_here.sum() == 0:
            return np.zeros(0, dtype=np.int64)
        return getattr(self, "patroller_now", np.zeros(0, dtype=np.int64))

    @property
    def today(self) -> dict[str, float]:
        """The latest day's metrics (empty before the first evaluated day ends)."""
        return dict(self._today)


def _reporter(key: str):
    return lambda model: model._today[key]
