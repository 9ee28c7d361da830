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

from commsim import (
    careers,
    collector,
    efficacy,
    incidents,
    offending,
    patrol,
    places,
    routines,
    trust,
)
from commsim.agents import EAGER_RESIDENTS, Offender, Officer, ResidentAgents
from commsim.city import LAND_USE_ATTRACTION, CityConfig, city_for
from commsim.config import config_from_kwargs
from commsim.dynamics import base_attractiveness
from commsim.incidents import EVENT_DTYPES, handle_crime
from commsim.levers import LEVERS, STRATEGIES, Lever, PatrolStrategy
from commsim.params import SimConfig, officers_for
from commsim.population import make_officers, make_residents
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
        efficacy.daily(self.world)
        self.careers = careers.Careers(self.world)
        self.careers.initial(self.world)
        self._build_agents()
        self._rolling = collector.RollingRates(len(self.groups))
        self.daily_keys = collector.daily_keys(self.groups)
        self._latest: dict[str, float] = dict.fromkeys(self.daily_keys, math.nan)
        self.daily_rows: list[dict[str, float]] = []
        self._victimizations_before = self.world.residents.victimizations.copy()
        self.events: list[dict[str, Any]] = []
        self.datacollector = HourlyDataCollector(self.daily_keys)

    # ------------------------------------------------------------------ setup
    def _build_world(self, config: SimConfig) -> World:
        streams = Streams(config.seed)
        city = city_for(config)
        behaviour = Behaviour(
            population=config.population,
            offending=config.offending,
            risk=config.risk,
            places=config.places,
            reporting=config.reporting,
            clearance=config.clearance,
            justice=config.justice,
            trust=config.trust,
            police=config.police,
            careers=config.offenders,
            efficacy=config.efficacy,
        )
        residents = make_residents(
            config.population,
            city.residents,
            city,
            streams["population"],
            config.trust.predisposition_sd,
        )
        police = config.police
        officers = make_officers(
            officers_for(len(residents), config.population),
            city,
            police.skill_mean,
            police.skill_sd,
            streams["officers"],
        )
        world = World(
            Clock(config.warmup_days, config.days),
            city,
            residents,
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
        self._space: mesa.discrete_space.Network | None = None
        self._synced_tick = -1
        # Small cities keep the Network in step every day; large ones fill it when it is
        # read (a day's Python loop over ten thousand offenders would cost more than
        # the day's simulation otherwise, and only maps and notebooks read it).
        self.eager_space = w.n_residents <= EAGER_RESIDENTS
        self.resident_agents = ResidentAgents(self, w.n_residents)
        self.offender_agents: dict[int, Offender] = {}
        self.officer_agents = [Officer(self, i) for i in range(len(w.officers))]
        self._synced_place: dict[Any, int] = {}
        if self.eager_space:
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
        patrol.contacts(w, strategy)  # 6 (stops, conversations; other contacts happen where caused)
        if w.hour == 23:
            self._end_day()  # 5 investigations, 6 trust, 7 places, 8 careers, 9 outcomes
        w.clock.tick += 1
        self.datacollector.collect(self)
        if w.clock.tick >= w.clock.total_ticks and self.running:
            incidents.censor_open_cases(w)
            self.running = False

    def run_days(self, days: int) -> None:
        """Step ``days`` whole days."""
        for _ in range(24 * days):
            self.step()

    def _crime(self, offender: int, place: int, kind: str) -> None:
        row = handle_crime(self.world, self.levers, offender, place, kind)
        if not self.world.in_warmup:
            self.events.append(row)

    def _end_day(self) -> None:
        w = self.world
        incidents.investigations(w)
        trust.daily(w)
        efficacy.daily(w)
        offending.daily(w)
        places.daily(w)
        self.careers.daily(w, self.levers)
        if not w.in_warmup:
            if not self.daily_rows:
                self._victimizations_before = w.residents.victimizations.copy()
            self._latest = collector.daily_values(w, self._rolling)
            self.daily_rows.append(self._latest)
        w.today = type(w.today)(len(self.groups))
        if self.eager_space:
            self.sync_space()

    # ------------------------------------------------------------------ shocks
    def apply_shock(self, kind: str, group: str | None = None) -> None:
        """A misconduct incident or a community event now (the dashboard's buttons)."""
        LEVERS["shocks"].build(self.config).fire(self.world, kind, group)  # type: ignore[attr-defined]

    def neighborhood_table(self) -> pd.DataFrame:
        """One row per neighbourhood: who lives there and what the window brought them."""
        return collector.neighborhood_table(self.world)

    def people_table(self) -> pd.DataFrame:
        """One row per group x age band x income band over the window (equity by who people are)."""
        return collector.people_table(self.world, self._victimizations_before)

    def place_table(self) -> pd.DataFrame:
        """One row per place: crime, recorded crime, police presence and stops over the window."""
        return collector.place_table(self.world)

    # ------------------------------------------------------------------ views
    @property
    def residents(self) -> Any:
        """Residents' arrays."""
        return self.world.residents

    @property
    def offenders(self) -> np.ndarray:
        """Residents offending now (their numbers)."""
        return self.world.active

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

    def offender_agent(self, resident: int) -> Offender:
        """The Mesa agent of a resident who offends (made when first needed)."""
        agent = self.offender_agents.get(resident)
        if agent is None:
            agent = self.offender_agents[resident] = Offender(self, resident)
        return agent

    @property
    def space(self) -> mesa.discrete_space.Network:
        """Mesa's Network of the streets, offenders and on-duty officers on their cells.

        In cities of up to :data:`~commsim.agents.EAGER_RESIDENTS` residents the
        cells follow the arrays at the end of every day; in larger ones the
        Network is built and brought up to date when it is read.
        """
        if self._space is None:
            self._space = mesa.discrete_space.Network(self.world.city.graph, random=self.random)
        if not self.eager_space and self._synced_tick != self.world.tick:
            self.sync_space()
        return self._space

    def sync_space(self) -> None:
        """Put active offenders and on-duty officers on the Network cells their arrays say."""
        w = self.world
        self._synced_tick = w.tick
        space = self.space
        where: dict[Any, int] = {}
        for resident in w.active:
            where[self.offender_agent(int(resident))] = int(w.residents.place[resident])
        duty = w.on_duty_mask()
        if len(self.officer_agents) < len(w.officers):
            self.officer_agents += [
                Officer(self, i) for i in range(len(self.officer_agents), len(w.officers))
            ]
        for agent in self.officer_agents:
            if duty[agent.index]:
                where[agent] = int(w.officers.place[agent.index])
        for agent, old in list(self._synced_place.items()):
            if where.get(agent) != old:
                space[old].remove_agent(agent)
                del self._synced_place[agent]
                agent.cell = None
        for agent, node in where.items():
            if agent not in self._synced_place:
                cell = space[node]
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
        return w.residents.place[w.active]

    @property
    def patroller_places(self) -> np.ndarray:
        """Places of volunteers on patrol this hour (empty outside patrol hours)."""
        for lever in self.levers:
            if lever.acting and hasattr(lever, "patroller_places"):
                return lever.patroller_places()
        return np.zeros(0, dtype=np.int64)

    def events_table(self) -> pd.DataFrame:
        """One row per crime in the evaluation window so far (clearances filled in as they come)."""
        return pd.DataFrame(self.events, columns=list(EVENT_DTYPES)).astype(EVENT_DTYPES)

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

    Outcomes are computed once a day; every step records that day's values
    (NaN during the warm-up), so Mesa tools that index ``model_vars`` by
    ``model.steps`` (``mesa.batch_run``) line up. ``CommunityModel.daily_table``
    gives one row per evaluated day.
    """

    def __init__(self, keys: list[str]) -> None:
        self._keys = keys
        super().__init__(model_reporters={k: _reporter(k) for k in keys})

    def collect(self, model: mesa.Model) -> None:
        """Remember the latest day's values for this step (cheap: one append)."""
        self._steps.append(model._latest)  # type: ignore[attr-defined]

    @property
    def model_vars(self) -> dict[str, list[float]]:
        """Per outcome, one value per step so far (what Mesa's tools index by step)."""
        return {key: [day[key] for day in self._steps] for key in self._keys}

    @model_vars.setter
    def model_vars(self, value: dict[str, list[float]]) -> None:
        self._steps: list[dict[str, float]] = []


def _reporter(key: str) -> Any:
    return lambda model: model._latest[key]
