"""Reporting app: cheaper reporting and faster dispatch, for residents with smartphones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import Section, param
from commsim.world import World


@dataclass(frozen=True)
class AppPolicy(Section):
    """The app's ``policy.*`` keys."""

    section = "policy"

    app_adoption: float = param(
        0.0,
        lo=0,
        hi=1,
        unit="share of smartphone owners",
        source="lever",
        lever=True,
        label="Reporting-app adoption",
        step=0.05,
    )


@dataclass(frozen=True)
class AppEvidence(Section):
    """How the app acts (``app.*``)."""

    section = "app"

    reporting_bonus: float = param(
        0.3,
        lo=0,
        hi=10,
        unit="logit",
        source="assumption (a lower cost of reporting; no field estimate found)",
        plausible=(0.0, 0.8),
    )
    call_handling_min: float = param(
        3.0, lo=0, unit="minutes from report to dispatch", source="assumption"
    )
    ramp_days: int = param(
        90,
        lo=1,
        hi=3650,
        unit="days",
        source="assumption",
        doc="Adopters take up the app over this many days.",
    )
    adoption_by_age: list[float] = param(
        [1.2, 1.3, 1.2, 1.0, 0.8, 0.5],
        unit="relative chance of adopting by age band (owners)",
        source="assumption shaped on Pew 2021 app use by age",
    )


@dataclass(frozen=True)
class AppCosts(Section):
    """The app's unit costs (``costs.*``)."""

    section = "costs"

    app_fixed_per_year: float = param(
        50_000.0, lo=0, unit="USD per year", source="assumption: licence and hosting"
    )
    app_per_user_year: float = param(1.0, lo=0, unit="USD per user per year", source="assumption")


NEVER = np.iinfo(np.int64).max


@register
class ReportingApp(Lever):
    """A crime-reporting app adopted by a share of smartphone owners.

    Only owners can adopt (the digital divide). Adopters report more and their
    calls are handled faster. Cost: fixed per year plus per user per year.

    Examples:
        ``policy.app_adoption=0.4``
    """

    key = "app"
    label = "reporting app"
    Policy = AppPolicy
    Evidence = AppEvidence
    Costs = AppCosts

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """On when anyone adopts."""
        return bool(policy.app_adoption > 0)

    @classmethod
    def planned_cost_per_year(cls, policy: Any, costs: Any, scale: Scale) -> float:
        """Fixed cost plus expected users (smartphone owners are ~85% of residents; Pew 2021)."""
        users = policy.app_adoption * 0.85 * scale.residents
        return float(costs.app_fixed_per_year + users * costs.app_per_user_year)

    def setup(self, world: World) -> None:
        """Who would adopt, and on which day of the ramp, drawn once per resident.

        Only smartphone owners adopt (their share follows age and income), and
        younger owners more readily; the mean chance among owners is the target.
        """
        rng = world.stream("lever:app")
        res = world.residents
        u = rng.random(world.n_residents)
        day = rng.integers(0, self.evidence.ramp_days, world.n_residents)
        weight = np.asarray(self.evidence.adoption_by_age, float)[res.age]
        owners = res.smartphone
        if owners.any():
            weight = weight / max(float(weight[owners].mean()), 1e-12)
        adopters = owners & (u < np.clip(self.policy.app_adoption * weight, 0, 1))
        self.adopt_day = np.where(adopters, day, NEVER)

    def step(self, world: World) -> None:
        """Daily: adopters whose day has come start using the app."""
        if world.hour != 0:
            return
        world.residents.app[:] = self.adopt_day <= world.day - self.start_day
        users = int(world.residents.app.sum())
        c = self.costs
        world.spend((c.app_fixed_per_year + users * c.app_per_user_year) / 365.0)

    def stop(self, world: World) -> None:
        """The app is switched off."""
        world.residents.app[:] = False

    def report_logit(self, world: World, people: np.ndarray) -> np.ndarray | None:
        """App users find reporting cheaper."""
        return self.evidence.reporting_bonus * world.residents.app[people]

    def call_handling_min(self, world: World, reporters: np.ndarray) -> float | None:
        """A report through the app reaches dispatch faster."""
        if len(reporters) and world.residents.app[reporters].any():
            return float(self.evidence.call_handling_min)
        return None
