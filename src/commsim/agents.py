"""Mesa agents as thin views onto the model's arrays.

The state of every person lives in NumPy arrays (:mod:`commsim.population`),
updated vectorised by the model. These classes give Mesa, notebooks and the
dashboard an object per person whose attributes read and write those arrays.
Offenders are residents: an :class:`Offender` is a view of a resident who
offends, placed with officers on the model's ``mesa.discrete_space.Network``
(their cells follow the arrays, see ``CommunityModel.sync_space``).
Resident agents of large cities are made when first asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import Enum
from typing import overload

import mesa

from commsim.population import OffenderState
from commsim.world import World

EAGER_RESIDENTS = 50_000  # larger cities make resident agents on demand


class OfficerTask(Enum):
    """What an officer is doing this hour."""

    OFF_DUTY = "off duty"
    ON_SCENE = "on scene"
    PATROL = "patrol"
    AT_BASE = "at base"


class _View(mesa.Agent):
    """An agent that is row ``index`` of its kind's arrays in the model's world."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def world(self) -> World:
        """The model's world (its arrays)."""
        return self.model.world  # type: ignore[attr-defined, no-any-return]


class Resident(_View):
    """A resident: home, group, age, income, trust, fear, watch membership, app use."""

    @property
    def trust(self) -> float:
        """Trust in police, 0-1."""
        return float(self.world.residents.trust[self.index])

    @trust.setter
    def trust(self, value: float) -> None:
        self.world.residents.trust[self.index] = min(max(value, 0.0), 1.0)

    @property
    def predisposition(self) -> float:
        """The resident's own anchor of trust in police, 0-1."""
        return float(self.world.residents.predisposition[self.index])

    @property
    def fear(self) -> float:
        """Fear of crime, 0-1."""
        return float(self.world.residents.fear[self.index])

    @fear.setter
    def fear(self, value: float) -> None:
        self.world.residents.fear[self.index] = min(max(value, 0.0), 1.0)

    @property
    def group(self) -> str:
        """Demographic group name."""
        return self.world.groups[self.world.residents.group[self.index]]

    @property
    def age(self) -> int:
        """Age in years."""
        return int(self.world.residents.age_years[self.index])

    @property
    def home(self) -> int:
        """Home place (node of the street network)."""
        return int(self.world.residents.home[self.index])

    @property
    def in_watch(self) -> bool:
        """Enrolled in the neighbourhood watch."""
        return bool(self.world.residents.watch[self.index])

    @property
    def uses_app(self) -> bool:
        """Reports through the app."""
        return bool(self.world.residents.app[self.index])

    @property
    def is_patroller(self) -> bool:
        """Volunteers on evening patrol."""
        return bool(self.world.residents.patroller[self.index])

    @property
    def victimizations(self) -> int:
        """Times victimised so far."""
        return int(self.world.residents.victimizations[self.index])

    @property
    def offender_state(self) -> OffenderState:
        """Where the resident stands in an offending career."""
        return OffenderState(int(self.world.residents.offender[self.index]))


class ResidentAgents(Sequence[Resident]):
    """The residents' Mesa agents: all made at once in small cities, on demand in large ones."""

    def __init__(self, model: mesa.Model, n: int) -> None:
        self.model, self.n = model, n
        self._made: dict[int, Resident] = {}
        if n <= EAGER_RESIDENTS:
            for i in range(n):
                self._made[i] = Resident(model, i)

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> Resident: ...
    @overload
    def __getitem__(self, i: slice) -> list[Resident]: ...
    def __getitem__(self, i: int | slice) -> Resident | list[Resident]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.n))]
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(i)
        agent = self._made.get(i)
        if agent is None:
            agent = self._made[i] = Resident(self.model, i)
        return agent

    def __iter__(self) -> Iterator[Resident]:
        return (self[i] for i in range(self.n))


class Offender(_View):
    """A resident who offends: place, motivation, perceived risk, state."""

    @property
    def resident(self) -> int:
        """The resident's number."""
        return self.index

    @property
    def place(self) -> int:
        """Current place (node)."""
        return int(self.world.residents.place[self.index])

    @property
    def state(self) -> OffenderState:
        """Active, in custody, desisted."""
        return OffenderState(int(self.world.residents.offender[self.index]))

    @property
    def motivation(self) -> float:
        """Motivation to offend (multiplier, mean 1)."""
        return float(self.world.residents.motivation[self.index])

    @property
    def perceived_risk(self) -> float:
        """Perceived chance of arrest here and now, 0-1 (the street's belief plus one's own)."""
        w = self.world
        return float(
            min(max(w.places.risk_belief[self.place] + w.residents.risk[self.index], 0.0), 1.0)
        )

    @property
    def age(self) -> int:
        """Age in years."""
        return int(self.world.residents.age_years[self.index])


class Officer(_View):
    """An officer: place, shift, skill, task."""

    @property
    def place(self) -> int:
        """Current place (node)."""
        return int(self.world.officers.place[self.index])

    @property
    def skill(self) -> float:
        """Procedural-justice skill: chance a contact goes well."""
        return float(self.world.officers.skill[self.index])

    @property
    def task(self) -> OfficerTask:
        """Off duty, on scene (answering a call), on patrol, or at base."""
        w = self.world
        if not w.on_duty_mask()[self.index]:
            return OfficerTask.OFF_DUTY
        if w.officers.busy_until[self.index] > w.tick:
            return OfficerTask.ON_SCENE
        return OfficerTask.PATROL if w.patrolling[self.index] else OfficerTask.AT_BASE
