"""Mesa agents as thin views onto the model's arrays.

The state of every person lives in NumPy arrays (:mod:`commsim.population`),
updated vectorised by the model. These classes give Mesa, notebooks and the
dashboard an object per person whose attributes read and write those arrays.
Offenders and officers are placed on the model's ``mesa.discrete_space.Network``;
their cells are synchronised from the arrays by ``CommunityModel.sync_space``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from commsim.population import ACTIVE, DESISTED, JAILED

if TYPE_CHECKING:
    from commsim.model import CommunityModel


class _View(mesa.Agent):
    """An agent that is row ``index`` of its kind's arrays."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, index: int) -> None:
        super().__init__(model)
        self.index = index


class Resident(_View):
    """A resident: home, group, trust, fear, watch membership, app use."""

    @property
    def trust(self) -> float:
        """Trust in police, 0-1."""
        return float(self.model.residents.trust[self.index])

    @trust.setter
    def trust(self, value: float) -> None:
        self.model.residents.trust[self.index] = min(max(value, 0.0), 1.0)

    @property
    def fear(self) -> float:
        """Fear of crime, 0-1."""
        return float(self.model.residents.fear[self.index])

    @fear.setter
    def fear(self, value: float) -> None:
        self.model.residents.fear[self.index] = min(max(value, 0.0), 1.0)

    @property
    def group(self) -> str:
        """Demographic group name."""
        return self.model.groups[self.model.residents.group[self.index]]

    @property
    def home(self) -> int:
        """Home place (node of the street network)."""
        return int(self.model.residents.home[self.index])

    @property
    def in_watch(self) -> bool:
        """Enrolled in the neighbourhood watch."""
        return bool(self.model.residents.watch[self.index])

    @property
    def uses_app(self) -> bool:
        """Reports through the app."""
        return bool(self.model.residents.app[self.index])

    @property
    def is_patroller(self) -> bool:
        """Volunteers on evening patrol."""
        return bool(self.model.residents.patroller[self.index])

    @property
    def victimizations(self) -> int:
        """Times victimised so far."""
        return int(self.model.residents.victimizations[self.index])


class Offender(_View):
    """An offender: home, motivation, youth, state, perceived risk, place."""

    @property
    def place(self) -> int:
        """Current place (node)."""
        return int(self.model.offenders.place[self.index])

    @property
    def state(self) -> str:
        """'active', 'jailed' or 'desisted'."""
        s = self.model.offenders.state[self.index]
        return {ACTIVE: "active", JAILED: "jailed", DESISTED: "desisted"}.get(int(s), "inactive")

    @property
    def motivation(self) -> float:
        """Motivation to offend (multiplier, mean 1)."""
        return float(self.model.offenders.motivation[self.index])

    @property
    def perceived_risk(self) -> float:
        """Perceived risk of arrest, 0-1."""
        return float(self.model.offenders.perceived_risk[self.index])

    @property
    def youth(self) -> bool:
        """Under 21."""
        return bool(self.model.offenders.youth[self.index])


class Officer(_View):
    """An officer: place, shift, skill, training, task."""

    @property
    def place(self) -> int:
        """Current place (node)."""
        return int(self.model.officers.place[self.index])

    @property
    def skill(self) -> float:
        """Procedural-justice skill: chance a contact goes well."""
        return float(self.model.officers.skill[self.index])

    @property
    def task(self) -> str:
        """'off duty', 'on scene' or 'patrol'."""
        m = self.model
        if not m.on_duty_mask()[self.index]:
            return "off duty"
        return "on scene" if m.officers.busy_until[self.index] > m.tick else "patrol"
