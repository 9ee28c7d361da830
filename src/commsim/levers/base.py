"""What every lever module shares: its declaration, lifecycle, hooks and registry.

A lever module declares, in one file:

- ``Policy``: its ``policy.*`` keys (the doses a user sets; ``lever=True``),
- ``Evidence``: its own section of effect sizes (``<key>.*``), with sources,
- ``Costs``: its unit costs (``costs.*``), with sources,

and one class that acts on the :class:`~commsim.world.World` through the
lifecycle (:meth:`Lever.start`, :meth:`Lever.step`, :meth:`Lever.stop`) and a
few hooks the processes ask every active lever (reporting propensity, call
handling, guardians at places, noticing). It draws random numbers only from
its own stream, so adding or removing an unrelated lever never shifts them.
A lever's settings are read only inside its own module.

Patrol strategies are levers too (:class:`PatrolStrategy`): the one chosen
by ``policy.patrol_strategy`` decides where preventive patrol goes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from commsim.paramspec import Section
from commsim.world import World


@dataclass(frozen=True)
class Scale:
    """Sizes of a city that unit costs multiply (for budgets, before a run).

    ``neighborhood_index`` turns a user's neighbourhood id or name into the
    neighbourhood's number (:meth:`commsim.city.City.neighborhood_index`; raises
    KeyError for an unknown one); None where only the sizes are known.
    """

    residents: int
    households: float
    neighborhoods: int
    officers: int
    neighborhood_index: Callable[[Any], int] | None = field(default=None, compare=False)

    @classmethod
    def of(cls, world: World) -> Scale:
        """The scale of a built world (its base force, before any funded officers)."""
        return cls(
            residents=world.n_residents,
            households=float(world.city.households.sum()),
            neighborhoods=world.city.n_neighborhoods,
            officers=world.n_base_officers,
            neighborhood_index=world.city.neighborhood_index,
        )


class Lever:
    """A policy lever acting between ``start_day`` and ``end_day`` of the evaluation window.

    Subclasses set ``key`` (their stream and evidence section name), ``label``,
    and the ``Policy`` / ``Evidence`` / ``Costs`` sections they declare, and
    override :meth:`enabled` and the hooks they need.
    """

    key: ClassVar[str] = ""
    label: ClassVar[str] = ""
    Policy: ClassVar[type[Section] | None] = None
    Evidence: ClassVar[type[Section] | None] = None
    Costs: ClassVar[type[Section] | None] = None

    def __init__(
        self,
        policy: Any,
        evidence: Any = None,
        costs: Any = None,
        start_day: int = 0,
        end_day: int | None = None,
    ) -> None:
        self.policy = policy
        self.evidence = evidence
        self.costs = costs
        self.start_day = start_day
        self.end_day = end_day
        self.started = False
        self.finished = False

    # ------------------------------------------------------------ declaration
    @classmethod
    def build(cls, config: Any) -> Lever:
        """The lever a run config asks for: its own policy view, evidence and costs."""
        return cls(
            cls.view(config.policy),
            getattr(config, cls.key) if cls.Evidence is not None else None,
            cls.cost_view(config.costs),
            config.policy.start_day,
            config.policy.end_day,
        )

    @classmethod
    def cost_view(cls, costs: Any) -> Any:
        """This lever's own ``costs.*`` fields, as an instance of its ``Costs`` section."""
        if cls.Costs is None:
            return None
        return cls.Costs(**{f.name: getattr(costs, f.name) for f in fields(cls.Costs)})

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """Whether a policy (this lever's own view of ``policy.*``) switches the lever on."""
        return False

    @classmethod
    def view(cls, policy: Any) -> Any:
        """This lever's own ``policy.*`` fields, as an instance of its ``Policy`` section."""
        if cls.Policy is None:
            return None
        return cls.Policy(**{f.name: getattr(policy, f.name) for f in fields(cls.Policy)})

    @classmethod
    def planned_cost_per_year(cls, policy: Any, costs: Any, scale: Scale) -> float:
        """Expected spending per year in USD at full dose (for budgets); 0 if free."""
        return 0.0

    @classmethod
    def check_config(cls, config: Any, scale: Scale) -> None:
        """Rules that need the rest of the run config or the city (raise ConfigError)."""

    # ------------------------------------------------------------ lifecycle
    def is_active(self, day: int) -> bool:
        """Whether the lever acts on evaluation day ``day``."""
        return day >= self.start_day and (self.end_day is None or day < self.end_day)

    def advance(self, world: World) -> None:
        """Advance the lifecycle by one tick (never during the warm-up)."""
        if world.in_warmup or self.finished:
            return
        if self.is_active(world.day):
            if not self.started:
                self.started = True
                self.start(world)
            self.step(world)
        elif self.started:
            self.finished = True
            self.stop(world)

    @property
    def acting(self) -> bool:
        """Started and not finished."""
        return self.started and not self.finished

    def setup(self, world: World) -> None:
        """Prepare before the warm-up (draw keyed random numbers, size state arrays)."""

    def start(self, world: World) -> None:
        """Act on the first active tick."""

    def step(self, world: World) -> None:
        """Act for one tick."""

    def stop(self, world: World) -> None:
        """Undo what should not outlast the lever."""

    # ------------------------------------------------------------ hooks
    def report_logit(self, world: World, people: np.ndarray) -> np.ndarray | None:
        """Extra reporting propensity (logit) this lever gives these people, or None."""
        return None

    def notice_factor(self, world: World, people: np.ndarray) -> np.ndarray | None:
        """Multiplier on these bystanders' chance of noticing a crime, or None."""
        return None

    def call_handling_min(self, world: World, reporters: np.ndarray) -> float | None:
        """Minutes from call to dispatch when this lever changes them, or None."""
        return None

    def guardians(self, world: World) -> tuple[np.ndarray, np.ndarray] | None:
        """This hour's extra deterrence hazard and report chance per place, or None."""
        return None

    def offending_hazard(self, world: World) -> np.ndarray | None:
        """Per-resident multiplier on the chance of starting (and continuing) to offend, or None."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(days={self.start_day}..{self.end_day})"


class PatrolStrategy(Lever):
    """Where preventive patrol goes: one strategy is chosen by ``policy.patrol_strategy``.

    Before the policy starts (and after it ends) the force patrols at random.
    """

    name: ClassVar[str] = ""

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """The strategy ``policy.patrol_strategy`` names."""
        return bool(policy.patrol_strategy == cls.name)

    def patrol(self, world: World, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Boolean mask over ``free`` officers who make short hot-spot stops this hour.

        Sets ``world.officers.place`` of the ``free`` officers.
        """
        raise NotImplementedError

    def contact_rate(self, world: World, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per free officer: (multiplier on conversations with residents, skill bonus)."""
        ones = np.ones(len(free))
        return ones, np.zeros(len(free))

    def stop_rate(self, world: World, free: np.ndarray) -> np.ndarray:
        """Per free officer: multiplier on police-initiated stops (proactive strategies stop more)."""
        return np.ones(len(free))


LEVERS: dict[str, type[Lever]] = {}
STRATEGIES: dict[str, type[PatrolStrategy]] = {}


def register(cls: type[Lever]) -> type[Lever]:
    """Class decorator: make a lever (or patrol strategy) known by its key (or name)."""
    if issubclass(cls, PatrolStrategy):
        if cls.name in STRATEGIES:
            raise ValueError(f"two patrol strategies are named {cls.name!r}")
        STRATEGIES[cls.name] = cls
    else:
        if cls.key in LEVERS:
            raise ValueError(f"two levers have the key {cls.key!r}")
        LEVERS[cls.key] = cls
    return cls
