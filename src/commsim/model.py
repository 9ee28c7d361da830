"""CommunityModel: the Mesa model that builds the world and runs its processes in order.

One tick is one hour. :meth:`CommunityModel.step` runs the processes of
DESIGN §2 in order, one call each; the processes are functions over the
:class:`~commsim.world.World` in their own modules, the equations are in
:mod:`commsim.dynamics`, and every lever is a module of :mod:`commsim.levers`.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np
import pandas as pd

from commsim import careers, collector, offending, patrol, places, routines, trust
from commsim.agents import Offender, Officer, Resident
from commsim.city import LAND_USE_ATTRACTION, CityConfig, city_for
from commsim.config import config_from_kwargs
from commsim.dynamics import base_attractiveness
from commsim.incidents import EVENT_COLUMNS, handle_crime
from commsim.levers import LEVERS, STRATEGIES, Lever, PatrolStrategy
from commsim.params import SimConfig, officers_for
from commsim.population import ACTIVE, empty_offenders, make_officers, make_residents
from commsim.streams import Streams
from commsim.world import Behaviour, Clock, World


class CommunityModel(mesa.Model):
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
        config = config_from_kwargs(config, seed=seed, city=city, policy=policy, levers=levers)
        super().__init__(seed=config.seed)
        self.config = config
        self.world = self._build_world(config)
        self.groups = self.world.groups
        self.levers = self._build_levers(config)
        self.random_patrol = STRATEGIES["random"].build(config)
        for lever in [*self.levers, self.random_patrol]:
            lever.setup(self.world)
        self.careers = careers.Careers(self.world)
        self.careers.initial(self.world)
        self._build_agents()
        self._rolling = collector.RollingRates()
        self.daily_keys = collector.daily_keys(self.groups)
        self._latest: dict[str, float] = dict.fromkeys(self.daily_keys, math.nan)
        self.daily_rows: list[dict[str, float]] = []
        self.events: list[dict[str, Any]] = []
        self.datacollector = HourlyDataCollector(self.daily_keys, EVENT_COLUMNS)

    # ------------------------------------------------------------------ setup
    def _build_world(self, config: SimConfig) -> World:
        streams = Streams(config.seed)
        city = city_for(config)
        behaviour = Behaviour(
            population=config.population,
            offending=config.offending,
            places=config.places,
            reporting=config.reporting,
            trust=config.trust,
            police=config.police,
            careers=config.offenders,
        )
        residents = make_residents(config.population, city.residents, city, streams["population"])
        police = config.police
        officers = make_officers(
            officers_for(len(residents), config.population),
            city,
            police.skill_mean,
            police.skill_sd,
            streams["officers"],
        )
        offenders = empty_offenders(
            max(16, int(3 * len(residents) * config.population.offenders_per_1000 / 1000))
        )
        world = World(
            Clock(config.warmup_days, config.days),
            city,
            residents,
            offenders,
            officers,
            behaviour,
            list(config.population.groups),
            streams,
        )
        world.places.base_attractiveness = base_attractiveness(
            LAND_USE_ATTRACTION[city.land_use],
            city.disadvantage,
            city.attract_z,
            config.places.attractiveness_sd,
        )
        return world

    def _build_levers(self, config: SimConfig) -> list[Lever]:
        """Every lever the config switches on, and the chosen patrol strategy (if not random)."""
        out: list[Lever] = []
        for cls in LEVERS.values():
            view = cls.view(config.policy)
            if view is not None and cls.enabled(view):
                out.append(cls.build(config))
        strategy = STRATEGIES[config.policy.patrol_strategy]
        self.strategy: PatrolStrategy | None = None
        if strategy.name != "random":
            self.strategy = strategy.build(config)  # type: ignore[assignment]
            out.append(self.strategy)
        return out

    def _build_agents(self) -> None:
        w = self.world
        self.space = mesa.discrete_space.Network(w.city.graph, random=self.random)
        self.resident_agents = [Resident(self, i) for i in range(w.n_residents)]
        self.offender_agents = [Offender(self, i) for i in range(len(w.offenders))]
        self.officer_agents = [Officer(self, i) for i in range(len(w.officers))]
        self._synced_place: dict[Any, int] = {}
        self.sync_space()

    # ------------------------------------------------------------------ time
    @property
    def tick(self) -> int:
        """Hours since the start of the warm-up."""
        return self.world.tick

    @property
    def hour(self) -> int:
        """Hour of the day, 0-23."""
        return self.world.hour

    @property
    def day(self) -> int:
        """Day of the evaluation window (negative during warm-up)."""
        return self.world.day

    @property
    def in_warmup(self) -> bool:
        """True before the evaluation window starts (no policy acts, nothing is counted)."""
        return self.world.in_warmup

    @property
    def total_ticks(self) -> int:
        """Ticks of a whole run: warm-up plus evaluated days, 24 per day."""
        return self.world.clock.total_ticks

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one hour: the processes of DESIGN §2, in order."""
        w = self.world
        routines.this_hour(w)  # 1
        for lever in [*self.levers, self.random_patrol]:  # 2
            lever.advance(w)
        strategy = (
            self.strategy
            if self.strategy is not None and self.strategy.acting
            else self.random_patrol
        )
        patrol.patrol(w, strategy, self.levers)  # 3
        offending.offend(w, self.levers, self._crime)  # 4, and 5 for each crime
        patrol.conversations(w, strategy)  # 6 (contacts on patrol; others happen where caused)
        if w.hour == 23:
            self._end_day()  # 6 (ties, fear), 7 places, 8 offender careers, 9 outcomes
        w.clock.tick += 1
        self.datacollector.collect(self)
        if w.clock.tick >= w.clock.total_ticks:
            self.running = False

    def run_days(self, days: int) -> None:
        """Step ``days`` whole days."""
        for _ in range(24 * days):
            self.step()

    def _crime(self, offender: int, place: int, kind: str) -> None:
        row = handle_crime(self.world, self.levers, offender, place, kind)
        if not self.world.in_warmup:
            self.events.append(row)
            self.datacollector.add_table_row("events", row)

    def _end_day(self) -> None:
        w = self.world
        trust.daily(w)
        places.daily(w)
        new = self.careers.daily(w, self.levers)
        if len(new) and len(w.offenders) > len(self.offender_agents):
            self.offender_agents += [
                Offender(self, i) for i in range(len(self.offender_agents), len(w.offenders))
            ]
        if not w.in_warmup:
            self._latest = collector.daily_values(w, self._rolling)
            self.daily_rows.append(self._latest)
        w.today = type(w.today)(len(self.groups))
        self.sync_space()

    # ------------------------------------------------------------------ shocks
    def apply_shock(self, kind: str, group: str | None = None) -> None:
        """A misconduct incident or a community event now (the dashboard's buttons)."""
        LEVERS["shocks"].build(self.config).fire(self.world, kind, group)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ views
    @property
    def residents(self) -> Any:
        """Residents' arrays."""
        return self.world.residents

    @property
    def offenders(self) -> Any:
        """Offenders' arrays."""
        return self.world.offenders

    @property
    def officers(self) -> Any:
        """Officers' arrays."""
        return self.world.officers

    @property
    def city(self) -> Any:
        """The street network."""
        return self.world.city

    def on_duty_mask(self) -> np.ndarray:
        """Officers on shift now and on the force."""
        return self.world.on_duty_mask()

    def sync_space(self) -> None:
        """Place offender and officer agents on the Network cells their arrays say."""
        w = self.world
        where: dict[Any, int] = {}
        active = w.offenders.state == ACTIVE
        for agent in self.offender_agents:
            if active[agent.index]:
                where[agent] = int(w.offenders.place[agent.index])
        duty = w.on_duty_mask()
        for agent in self.officer_agents:
            if agent.index < len(duty) and duty[agent.index]:
                where[agent] = int(w.officers.place[agent.index])
        for agent, old in list(self._synced_place.items()):
            if where.get(agent) != old:
                self.space[old].remove_agent(agent)
                del self._synced_place[agent]
                agent.cell = None
        for agent, node in where.items():
            if agent not in self._synced_place:
                cell = self.space[node]
                cell.add_agent(agent)
                agent.cell = cell
                self._synced_place[agent] = node

    def place_trust(self) -> np.ndarray:
        """Mean trust of the residents living at each place (0 where nobody lives)."""
        w = self.world
        total = np.bincount(w.residents.home, weights=w.residents.trust, minlength=w.city.n_places)
        return total / np.maximum(w.residents_at_home_place, 1)

    def place_recent_crime(self) -> np.ndarray:
        """True crimes at each place over the last 14 days."""
        return self.world.recent_crime()

    @property
    def officer_places(self) -> np.ndarray:
        """Places of officers on duty now."""
        return self.world.officers.place[self.world.on_duty_mask()]

    @property
    def offender_places(self) -> np.ndarray:
        """Places of active offenders now."""
        w = self.world
        return w.offenders.place[w.offenders.state == ACTIVE]

    @property
    def patroller_places(self) -> np.ndarray:
        """Places of volunteers on patrol this hour (empty outside patrol hours)."""
        for lever in self.levers:
            if lever.acting and hasattr(lever, "patroller_places"):
                return lever.patroller_places()
        return np.zeros(0, dtype=np.int64)

    def daily_table(self) -> pd.DataFrame:
        """One row per evaluated day so far, columns named by outcome key."""
        frame = pd.DataFrame(self.daily_rows, columns=self.daily_keys)
        frame.insert(0, "day", np.arange(len(frame), dtype=np.int64))
        return frame

    @property
    def today(self) -> dict[str, float]:
        """The latest evaluated day's outcomes (empty before the first evaluated day ends)."""
        return dict(self.daily_rows[-1]) if self.daily_rows else {}

    def lever(self, key: str) -> Lever | None:
        """The active lever with this key (e.g. ``"watch"``), if the config switches it on."""
        return next((lv for lv in self.levers if lv.key == key), None)


class HourlyDataCollector(mesa.DataCollector):
    """Mesa's DataCollector with one row per step: the latest evaluated day's outcomes.

    Outcomes are computed once a day; every step appends that day's values
    (NaN during the warm-up), so Mesa tools that index ``model_vars`` by
    ``model.steps`` (``mesa.batch_run``) line up. :meth:`daily` gives one row
    per evaluated day.
    """

    def __init__(self, keys: list[str], event_columns: list[str]) -> None:
        super().__init__(
            model_reporters={k: _reporter(k) for k in keys}, tables={"events": event_columns}
        )
        self._keys = keys

    def collect(self, model: mesa.Model) -> None:
        """Append the latest day's values (cheap: no reporters are called)."""
        latest = model._latest  # type: ignore[attr-defined]
        for key in self._keys:
            self.model_vars[key].append(latest[key])


def _reporter(key: str) -> Any:
    return lambda model: model._latest[key]
