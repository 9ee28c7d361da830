"""Mesa agents as thin views onto the model's arrays.

The state of every person lives in NumPy arrays (:mod:`commsim.population`),
updated vectorised by the model. These classes give Mesa, notebooks and the
dashboard an object per person whose attributes read and write those arrays.
Offenders and officers are placed on the model's ``mesa.discrete_space.Network``;
their cells are synchronised from the arrays by ``CommunityModel.sync_space``.
"""

from __future__ import annotations

from enum import Enum

import mesa

from commsim.population import OffenderState
from commsim.world import World


class OfficerTask(Enum):
    """What an officer is doing this hour."""

    OFF_DUTY = "off duty"
    ON_SCENE = "on scene"
    PATROL = "patrol"


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
    """A resident: home, group, trust, fear, watch membership, app use."""

    @property
    def trust(self) -> float:
        """Trust in police, 0-1."""
        return float(self.world.residents.trust[self.index])

    @trust.setter
    def trust(self, value: float) -> None:
        self.world.residents.trust[self.index] = min(max(value, 0.0), 1.0)

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


class Offender(_View):
    """An offender: home, motivation, youth, state, perceived risk, place."""

    @property
    def place(self) -> int:
        """Current place (node)."""
        return int(self.world.offenders.place[self.index])

    @property
    def state(self) -> OffenderState:
        """Active, jailed, desisted, or a free slot."""
        return OffenderState(int(self.world.offenders.state[self.index]))

    @property
    def motivation(self) -> float:
        """Motivation to offend (multiplier, mean 1)."""
        return float(self.world.offenders.motivation[self.index])

    @property
    def perceived_risk(self) -> float:
        """Perceived risk of arrest, 0-1."""
        return float(self.world.offenders.perceived_risk[self.index])

    @property
    def youth(self) -> bool:
        """Under 21."""
        return bool(self.world.offenders.youth[self.index])


class Officer(_View):
    """An officer: place, shift, skill, training, task."""

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
        """Off duty, on scene (answering a call) or on patrol."""
        w = self.world
        if not w.on_duty_mask()[self.index]:
            return OfficerTask.OFF_DUTY
        return (
            OfficerTask.ON_SCENE
            if w.officers.busy_until[self.index] > w.tick
            else OfficerTask.PATROL
        )
