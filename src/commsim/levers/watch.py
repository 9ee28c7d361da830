"""Neighbourhood watch: enrolled households watch, notice, report, and put up signs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import ConfigError, Section, param
from commsim.world import World

ENROL_NOISE_SD = 0.15  # spread of willingness to join beyond trust; assumption


@dataclass(frozen=True)
class WatchPolicy(Section):
    """The watch's ``policy.*`` keys."""

    section = "policy"

    watch_coverage: float = param(
        0.0,
        lo=0,
        hi=1,
        unit="share of households",
        source="lever",
        lever=True,
        label="Neighbourhood watch coverage",
        step=0.05,
    )
    watch_neighborhoods: list[int] | None = param(
        None, source="lever", doc="Neighbourhood ids covered (None: all)."
    )
    watch_highest_burglary: int = param(
        0,
        lo=0,
        hi=100,
        unit="neighbourhoods",
        source="lever",
        doc="If > 0, cover this many neighbourhoods with the most warm-up burglary.",
    )

    def check(self) -> None:
        """Neighbourhood ids are not negative."""
        from commsim.paramspec import check_range

        for i, n in enumerate(self.watch_neighborhoods or []):
            check_range(f"policy.watch_neighborhoods.{i}", n, 0, None)


@dataclass(frozen=True)
class WatchEvidence(Section):
    """How a watch acts (``watch.*``)."""

    section = "watch"

    member_hazard: float = param(
        0.2,
        lo=0,
        unit="deterrence hazard per member present",
        source="assumption (Cohen & Felson 1979)",
        plausible=(0.05, 0.5),
    )
    signage_weight: float = param(
        0.35,
        lo=0,
        unit="hazard per unit coverage",
        source="calibrated to Bennett et al. 2008",
        plausible=(0.0, 0.7),
    )
    notice_factor: float = param(
        2.0, lo=0, unit="x a bystander's chance of noticing", source="assumption"
    )
    reporting_bonus: float = param(
        0.6, lo=0, hi=10, unit="logit", source="assumption (watch training)"
    )
    fade_per_year: float = param(
        0.25, lo=0, hi=1, unit="members leaving per year", source="assumption"
    )
    supported_fade_factor: float = param(
        0.25,
        lo=0,
        hi=1,
        unit="x the fade rate",
        source="assumption",
        doc="Fade where a police-community meeting was held in the last 45 days.",
    )


@dataclass(frozen=True)
class WatchCosts(Section):
    """The watch's unit cost (``costs.*``)."""

    section = "costs"

    watch_per_household_year: float = param(
        15.0,
        lo=0,
        unit="USD per household per year",
        source="assumption: signs, newsletters, coordinator time",
    )


SUPPORT_DAYS = 45  # a meeting supports a neighbourhood's watch this long; assumption


@register
class NeighbourhoodWatch(Lever):
    """Enrol a share of households in the covered neighbourhoods.

    Members are more vigilant guardians, notice more and report more; signs
    deter. Membership fades, less where police-community meetings are held.
    Cost: per enrolled household per year.

    Examples:
        ``policy.watch_coverage=0.3 policy.watch_neighborhoods=[0,2]``
    """

    key = "watch"
    label = "neighbourhood watch"
    Policy = WatchPolicy
    Evidence = WatchEvidence
    Costs = WatchCosts

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """On when coverage is above zero."""
        return bool(policy.watch_coverage > 0)

    @classmethod
    def planned_cost_per_year(cls, policy: Any, costs: Any, scale: Scale) -> float:
        """Full enrolment of the covered (or, before warm-up, likely) neighbourhoods."""
        n_nb = scale.neighborhoods
        if policy.watch_neighborhoods is not None:
            share = len([n for n in policy.watch_neighborhoods if n < n_nb]) / n_nb
        elif policy.watch_highest_burglary > 0:
            share = min(policy.watch_highest_burglary, n_nb) / n_nb
        else:
            share = 1.0
        households = policy.watch_coverage * share * scale.households
        return float(households * costs.watch_per_household_year)

    @classmethod
    def check_config(cls, config: Any, scale: Scale) -> None:
        """Covered neighbourhoods must exist in the city."""
        for i, n in enumerate(cls.view(config.policy).watch_neighborhoods or []):
            if n >= scale.neighborhoods:
                raise ConfigError(
                    f"policy.watch_neighborhoods.{i}",
                    n,
                    f"must be a neighbourhood id below {scale.neighborhoods} (the city's neighbourhoods)",
                )

    def setup(self, world: World) -> None:
        """Each resident's willingness to join, drawn once (keyed by resident)."""
        self.rng = world.stream("lever:watch")
        self.willingness_noise = self.rng.normal(0, ENROL_NOISE_SD, world.n_residents)
        self.covered = np.zeros(0, dtype=np.int64)

    def choose_neighborhoods(self, world: World) -> np.ndarray:
        """The neighbourhood ids this watch covers."""
        n_nb = world.city.n_neighborhoods
        if self.policy.watch_neighborhoods is not None:
            return np.array(
                [n for n in self.policy.watch_neighborhoods if n < n_nb], dtype=np.int64
            )
        if self.policy.watch_highest_burglary > 0:
            order = np.argsort(-world.places.warmup_burglary_by_nb, kind="stable")
            return np.sort(order[: self.policy.watch_highest_burglary])
        return np.arange(n_nb)

    def start(self, world: World) -> None:
        """Enrol the most willing residents (trust plus noise) up to the coverage share."""
        res = world.residents
        self.covered = self.choose_neighborhoods(world)
        for nb in self.covered:
            members = res.in_neighborhood(int(nb))
            k = round(self.policy.watch_coverage * len(members))
            if k == 0:
                continue
            # Joiners tend to trust police more (Bennett et al. 2008); noise keeps it loose.
            score = res.trust[members] + self.willingness_noise[members]
            res.watch[members[np.argsort(-score, kind="stable")[:k]]] = True

    def step(self, world: World) -> None:
        """Once a day, some members drift away (less where meetings support the watch)."""
        if world.hour != 0:
            return
        res, ev = world.residents, self.evidence
        u = self.rng.random(world.n_residents)  # one draw per resident, whoever is a member
        supported = world.day - world.meeting_day_nb[res.neighborhood] <= SUPPORT_DAYS
        rate = ev.fade_per_year / 365.0 * np.where(supported, ev.supported_fade_factor, 1.0)
        res.watch &= ~(u < rate)
        households = res.watch.sum() / world.residents_per_household
        world.spend(households * self.costs.watch_per_household_year / 365.0)

    def stop(self, world: World) -> None:
        """The programme ends: members stand down and signs come down."""
        world.residents.watch[:] = False

    def coverage(self, world: World) -> np.ndarray:
        """Share of each neighbourhood's residents enrolled."""
        return world.mean_by_neighborhood(world.residents.watch.astype(float))

    def guardians(self, world: World) -> tuple[np.ndarray, np.ndarray] | None:
        """Members present are vigilant guardians; signs deter across covered neighbourhoods."""
        res, ev = world.residents, self.evidence
        assert world.routine is not None
        members = np.flatnonzero(res.watch)
        present = np.bincount(world.routine.loc_now[members], minlength=world.city.n_places)
        signage = ev.signage_weight * self.coverage(world)[world.city.neighborhood]
        return ev.member_hazard * present + signage, np.zeros(world.city.n_places)

    def notice_factor(self, world: World, people: np.ndarray) -> np.ndarray | None:
        """Members notice more."""
        return np.where(world.residents.watch[people], self.evidence.notice_factor, 1.0)

    def report_logit(self, world: World, people: np.ndarray) -> np.ndarray | None:
        """Members were trained to report."""
        return self.evidence.reporting_bonus * world.residents.watch[people]
