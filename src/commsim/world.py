"""The simulated world's state: clock, places, people, police and random streams.

:class:`World` is the struct-of-arrays state every process and lever module
acts on. It knows nothing of Mesa, YAML or levers' settings: the Mesa model
(:mod:`commsim.model`) builds it from a run config and runs the processes on
it in order; lever modules see it as the small, typed interface below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from commsim.behaviour import (
    CRIME_TYPES,
    CareerParams,
    ClearanceParams,
    EfficacyParams,
    JusticeParams,
    OffendingParams,
    PlaceParams,
    PoliceParams,
    PopulationParams,
    ReportingParams,
    RiskParams,
    TrustParams,
)
from commsim.city import City
from commsim.population import (
    Officers,
    Residents,
    join_officers,
    members_csr,
    neighborhood_disadvantage,
)
from commsim.streams import KeyedDay, Streams

HISTORY_DAYS = 30  # days of per-place crime kept for meetings and maps
RECENT_DAYS = 14  # "recent crime" shown on maps (near-repeat window)
INTEL_VISIT_SHARE = 0.3  # share of beat walks that go to known problem places; assumption


@dataclass
class Clock:
    """Hours since the start of the warm-up; days count from the evaluation window."""

    warmup_days: int
    days: int
    tick: int = 0

    @property
    def hour(self) -> int:
        """Hour of the day, 0-23."""
        return self.tick % 24

    @property
    def day(self) -> int:
        """Day of the evaluation window (negative during warm-up)."""
        return self.tick // 24 - self.warmup_days

    @property
    def in_warmup(self) -> bool:
        """True before the evaluation window starts (no policy acts, nothing is counted)."""
        return self.day < 0

    @property
    def total_ticks(self) -> int:
        """Ticks of a whole run: warm-up plus evaluated days, 24 per day."""
        return 24 * (self.warmup_days + self.days)


@dataclass
class Behaviour:
    """The behavioural parameter sections the processes read."""

    population: PopulationParams
    offending: OffendingParams
    risk: RiskParams
    places: PlaceParams
    reporting: ReportingParams
    clearance: ClearanceParams
    justice: JusticeParams
    trust: TrustParams
    police: PoliceParams
    careers: CareerParams
    efficacy: EfficacyParams


def _zeros(n: int) -> np.ndarray:
    return np.zeros(n)


@dataclass
class DayCounter:
    """Counts gathered during one simulated day (per group where equity needs it)."""

    n_groups: int
    crimes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CRIME_TYPES, 0))
    recorded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CRIME_TYPES, 0))
    cleared: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CRIME_TYPES, 0))
    reported: int = 0
    on_view: int = 0
    arrests: int = 0
    response_min: list[float] = field(default_factory=list)
    cost_usd: float = 0.0
    victims_by_group: np.ndarray = field(init=False)
    victim_reported_by_group: np.ndarray = field(init=False)
    stops_by_group: np.ndarray = field(init=False)
    contacts_by_group: np.ndarray = field(init=False)
    arrests_by_group: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        for name in ("victims_by_group", "victim_reported_by_group", "stops_by_group"):
            setattr(self, name, _zeros(self.n_groups))
        self.contacts_by_group = _zeros(self.n_groups)
        self.arrests_by_group = _zeros(self.n_groups)

    @property
    def total(self) -> int:
        """All true crimes of the day."""
        return sum(self.crimes.values())

    @property
    def total_recorded(self) -> int:
        """All recorded crimes of the day."""
        return sum(self.recorded.values())

    @property
    def total_cleared(self) -> int:
        """All clearances of the day (of crimes recorded this day or before)."""
        return sum(self.cleared.values())


@dataclass
class NeighborhoodTally:
    """Run totals per neighbourhood over the evaluation window (for the equity table)."""

    n: int
    crimes: np.ndarray = field(init=False)
    recorded: np.ndarray = field(init=False)
    victimizations: np.ndarray = field(init=False)
    reported_victimizations: np.ndarray = field(init=False)
    stops: np.ndarray = field(init=False)
    contacts: np.ndarray = field(init=False)
    arrests: np.ndarray = field(init=False)
    trust_days: np.ndarray = field(init=False)  # sum over days of mean trust
    watch_days: np.ndarray = field(init=False)  # sum over days of watch participation
    days: int = 0

    def __post_init__(self) -> None:
        for name in (
            "crimes",
            "recorded",
            "victimizations",
            "reported_victimizations",
            "stops",
            "contacts",
            "arrests",
            "trust_days",
            "watch_days",
        ):
            setattr(self, name, _zeros(self.n))


@dataclass
class PlaceTally:
    """Run totals per place over the evaluation window (the places table)."""

    n: int
    crimes: np.ndarray = field(init=False)
    recorded: np.ndarray = field(init=False)
    patrol_hours: np.ndarray = field(init=False)  # officer presence, summed over hours
    stops: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        for name in ("crimes", "recorded", "patrol_hours", "stops"):
            setattr(self, name, _zeros(self.n))


@dataclass
class PlaceState:
    """What changes at places: near-repeat boost, hardening, police knowledge, presence."""

    base_attractiveness: np.ndarray
    boost: np.ndarray
    hardening: np.ndarray  # burglary multiplier from households' target hardening
    intel_until: np.ndarray  # tick until which police act on residents' information
    true_history: np.ndarray  # (HISTORY_DAYS, places) true crimes, row 0 = today
    recorded_history: np.ndarray  # (window, places) recorded crimes, row 0 = today
    reported_history: np.ndarray  # (window, places) crimes residents reported, row 0 = today
    officers_here: np.ndarray  # officers on patrol or on scene here this hour
    officers_near: np.ndarray  # officers at adjacent places
    guardians_extra: np.ndarray  # deterrence hazard from levers' guardians this hour
    reporters_extra: np.ndarray  # chance a lever's guardian here reports a crime
    risk_belief: np.ndarray  # offenders' believed chance of arrest at each place
    warmup_burglary_by_nb: np.ndarray

    @classmethod
    def empty(cls, n_places: int, n_neighborhoods: int, window: int, prior: float) -> PlaceState:
        """All-zero state (hardening 1, beliefs at the prior) for ``n_places`` places."""
        return cls(
            base_attractiveness=np.ones(n_places),
            boost=np.zeros(n_places),
            hardening=np.ones(n_places),
            intel_until=np.zeros(n_places, dtype=np.int64),
            true_history=np.zeros((HISTORY_DAYS, n_places), dtype=np.int32),
            recorded_history=np.zeros((max(window, HISTORY_DAYS), n_places), dtype=np.int32),
            reported_history=np.zeros((max(window, HISTORY_DAYS), n_places), dtype=np.int32),
            officers_here=np.zeros(n_places),
            officers_near=np.zeros(n_places),
            guardians_extra=np.zeros(n_places),
            reporters_extra=np.zeros(n_places),
            risk_belief=np.full(n_places, prior),
            warmup_burglary_by_nb=np.zeros(n_neighborhoods),
        )


@dataclass
class Routine:
    """Where everyone is this hour (today's draws are kept; hours are computed on demand)."""

    errand: np.ndarray  # takes the 10-12 h trip today (at-home residents)
    out: np.ndarray  # goes out 18-22 h today
    loc_now: np.ndarray  # place of each resident this hour
    occ_now: np.ndarray  # residents present at each place this hour
    guard_now: np.ndarray  # their willingness to intervene, summed per place
    at_home_now: np.ndarray  # share of each place's residents at home this hour


@dataclass
class Case:
    """A recorded crime under investigation: cleared (or not) when it is due."""

    due_tick: int
    offender: int
    place: int
    kind: str
    event: dict[str, Any] | None  # its event row (None during the warm-up)
    clears: bool


class World:
    """The state every process and lever acts on.

    Attributes:
        clock: Tick, hour and day.
        city: The street network and its per-place arrays.
        residents: Residents (struct of arrays); offenders are residents.
        officers: Officers (struct of arrays), including funded ones not yet on the force.
        places: Per-place dynamic state.
        behaviour: The behavioural parameter sections.
        groups: Names of the demographic groups (index = ``residents.group``).
        streams: Named random generators (common random numbers).
        today: Counts of the current day.
    """

    def __init__(
        self,
        clock: Clock,
        city: City,
        residents: Residents,
        officers: Officers,
        behaviour: Behaviour,
        groups: list[str],
        streams: Streams,
    ) -> None:
        self.clock = clock
        self.city = city
        self.residents = residents
        self.officers = officers
        self.behaviour = behaviour
        self.groups = groups
        self.streams = streams
        n_nb = city.n_neighborhoods
        self.places = PlaceState.empty(city.n_places, n_nb, HISTORY_DAYS, behaviour.risk.prior)
        self.today = DayCounter(len(groups))
        self.tally = NeighborhoodTally(n_nb)
        self.place_tally = PlaceTally(city.n_places)
        # People by (group, age band, income band), for the people table.
        self.cell = (residents.group * 6 + residents.age) * 3 + residents.income
        self.n_cells = len(groups) * 6 * 3
        self.offender_days_by_cell = np.zeros(self.n_cells)
        self.n_residents = len(residents)
        self.group_sizes = np.bincount(residents.group, minlength=len(groups))
        self.aged_16_plus = residents.age_years >= 16  # the PPCS population
        self.residents_at_home_place = np.bincount(residents.home, minlength=city.n_places)
        self.residents_per_household = self.n_residents / max(int(city.households.sum()), 1)
        self.nb_place_indptr, self.nb_places = members_csr(city.neighborhood, n_nb)
        self.nb_sizes = np.bincount(residents.neighborhood, minlength=n_nb)
        self.nb_disadvantage = neighborhood_disadvantage(city)
        # Trust differences are read against the city's mean predisposition at the start.
        self.trust_reference = float(residents.predisposition.mean())
        self.n_base_officers = len(officers)
        self.duty_now = np.zeros(len(officers), dtype=bool)
        self.patrolling = np.zeros(len(officers), dtype=bool)
        self.routine: Routine | None = None
        self.efficacy = np.zeros(self.n_residents)  # willingness to intervene, 0-1
        self.efficacy_nb = np.zeros(n_nb)
        self.cases: list[Case] = []
        self.active = np.zeros(0, dtype=np.int64)  # residents offending now
        self._day_draws: dict[str, KeyedDay] = {}
        # The last evaluation day a police-community meeting was held in each neighbourhood.
        self.meeting_day_nb = np.full(n_nb, -(10**9), dtype=np.int64)

    # ------------------------------------------------------------ clock
    @property
    def tick(self) -> int:
        """Hours since the start of the warm-up."""
        return self.clock.tick

    @property
    def hour(self) -> int:
        """Hour of the day, 0-23."""
        return self.clock.hour

    @property
    def day(self) -> int:
        """Day of the evaluation window (negative during warm-up)."""
        return self.clock.day

    @property
    def in_warmup(self) -> bool:
        """True before the evaluation window starts."""
        return self.clock.in_warmup

    # ------------------------------------------------------------ services
    def stream(self, name: str) -> np.random.Generator:
        """The named random stream (a lever module uses its own key)."""
        return self.streams[name]

    def day_draws(self, name: str, ids: np.ndarray, slots: int) -> KeyedDay:
        """Today's keyed draws of stream ``name`` for ``ids`` (made at the first call of the day).

        Later calls the same day must ask for a subset of the first call's ids.
        """
        day = self.tick // 24
        draws = self._day_draws.get(name)
        if draws is None or draws.day != day:
            draws = self._day_draws[name] = KeyedDay(self.streams, name, day, ids, slots)
        return draws

    def spend(self, usd: float) -> None:
        """Count programme spending on today's cost."""
        self.today.cost_usd += usd

    def neighborhood_places(self, nb: int) -> np.ndarray:
        """Places of neighbourhood ``nb``."""
        return self.nb_places[self.nb_place_indptr[nb] : self.nb_place_indptr[nb + 1]]

    def beat_places(self, beats: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A place on each beat (a neighbourhood); problem places residents raised come first.

        Where police know of problem places in the beat, a walk goes there with
        chance :data:`INTEL_VISIT_SHARE`; otherwise to a random place of the beat.
        """
        start, count = self.nb_place_indptr[beats], np.diff(self.nb_place_indptr)[beats]
        places = self.nb_places[start + (rng.random(len(beats)) * count).astype(np.int64)]
        intel = np.flatnonzero(self.places.intel_until > self.tick)
        if len(intel):
            pick = intel[rng.integers(0, len(intel), len(beats))]
            use = (self.city.neighborhood[pick] == beats) & (
                rng.random(len(beats)) < INTEL_VISIT_SHARE
            )
            places = np.where(use, pick, places)
        return places

    def keep_recorded_history(self, days: int) -> None:
        """Keep at least ``days`` days of recorded crime per place (for a lever that needs them)."""
        for name in ("recorded_history", "reported_history"):
            history = getattr(self.places, name)
            if days > len(history):
                extra = np.zeros((days - len(history), history.shape[1]), dtype=history.dtype)
                setattr(self.places, name, np.concatenate([history, extra]))

    def add_officers(self, extra: Officers) -> None:
        """Officers a budget adds (they join the force when their lever starts)."""
        self.officers = join_officers(self.officers, extra)
        self.duty_now = np.zeros(len(self.officers), dtype=bool)
        self.patrolling = np.zeros(len(self.officers), dtype=bool)

    def on_duty_mask(self) -> np.ndarray:
        """Officers on shift now (three 8-hour shifts) and on the force."""
        off = self.officers
        return (off.shift == self.hour // 8) & (off.active_from <= self.tick)

    def present(self, place: int) -> np.ndarray:
        """Residents at ``place`` this hour (offenders out offending are not among them)."""
        assert self.routine is not None
        return self.residents.present(place, self.routine.loc_now)

    def learn_problem_places(self, nb: int, k: int) -> None:
        """Police learn a neighbourhood's ``k`` worst places (true crime, last 30 days)."""
        places = self.neighborhood_places(nb)
        crime = self.places.true_history.sum(axis=0)[places]
        order = np.argsort(-crime, kind="stable")[:k]
        top = places[order][crime[order] > 0]
        self.places.intel_until[top] = self.tick + 24 * self.behaviour.police.intel_days

    def recent_crime(self) -> np.ndarray:
        """True crimes at each place over the last 14 days."""
        return self.places.true_history[:RECENT_DAYS].sum(axis=0)

    def mean_by_neighborhood(self, values: np.ndarray) -> np.ndarray:
        """Mean of a per-resident array within each neighbourhood."""
        n_nb = self.city.n_neighborhoods
        total = np.bincount(self.residents.neighborhood, weights=values, minlength=n_nb)
        return total / np.maximum(self.nb_sizes, 1)

    def mean_by_group(self, values: np.ndarray) -> np.ndarray:
        """Mean of a per-resident array within each group."""
        total = np.bincount(self.residents.group, weights=values, minlength=len(self.groups))
        return total / np.maximum(self.group_sizes, 1)


__all__ = [
    "Behaviour",
    "Case",
    "Clock",
    "DayCounter",
    "NeighborhoodTally",
    "PlaceState",
    "PlaceTally",
    "Routine",
    "World",
]
