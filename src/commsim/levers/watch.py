"""Neighbourhood watch: residents recruited into a watch guard, notice and report.

Joining is endogenous: during a recruitment drive the programme approaches
residents of the covered neighbourhoods, and whether they join depends on
their cohesion (ties, years lived there), trust in police and fear — so a
watch is hardest to build where crime is highest (Hope 1995). Members fade
away without support (police-community meetings slow that) and their
vigilance declines. The watch acts only through what members do: guard
where they are, notice, and report. There are no signs in the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim import efficacy
from commsim.dynamics import TRUST_SD
from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import ConfigError, Section, param
from commsim.world import World

NEVER = np.iinfo(np.int64).max


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
    watch_neighborhoods: list[Any] | None = param(
        None,
        source="lever",
        doc="Neighbourhoods covered, by your ids or names (None: all).",
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
        """Neighbourhoods are named by a non-negative whole number or a text id or name."""
        from commsim.paramspec import check_range

        for i, n in enumerate(self.watch_neighborhoods or []):
            key = f"policy.watch_neighborhoods.{i}"
            if isinstance(n, bool) or not isinstance(n, int | str):
                raise ConfigError(key, n, "must be a neighbourhood id or name")
            if isinstance(n, int):
                check_range(key, n, 0, None)
            elif not n.strip():
                raise ConfigError(key, n, "must be a neighbourhood id or name, not empty")


@dataclass(frozen=True)
class WatchEvidence(Section):
    """How a watch recruits and acts (``watch.*``)."""

    section = "watch"

    recruit_days: int = param(
        90, lo=1, hi=3650, unit="days of the recruitment drive", source="assumption"
    )
    approach_per_day: float = param(
        0.05,
        lo=0,
        hi=1,
        unit="chance a resident is approached per day of the drive",
        source="assumption",
    )
    join_logit: float = param(
        0.0,
        lo=-10,
        hi=10,
        unit="logit of joining when approached (average resident)",
        source="assumption",
    )
    join_cohesion: float = param(
        3.0,
        lo=0,
        hi=10,
        unit="logit per unit cohesion",
        source="Hope 1995; Hope & Trickett 2004 (participation follows cohesion and stability)",
    )
    join_trust_per_sd: float = param(
        0.3,
        lo=0,
        hi=3,
        unit="logit per SD of trust",
        source="assumption (Bennett et al. 2008: joiners trust police more)",
    )
    join_fear: float = param(
        1.0,
        lo=-5,
        hi=5,
        unit="logit per unit fear",
        source="assumption (some concern about crime motivates joining)",
    )
    member_hazard: float = param(
        0.25,
        lo=0,
        unit="deterrence hazard per vigilant member present",
        source="assumption (Cohen & Felson 1979; Reynald 2009)",
        plausible=(0.05, 0.6),
    )
    vigilance_half_life_days: float = param(
        365.0,
        lo=1,
        hi=36500,
        unit="days for a member's vigilance to halve",
        source="assumption (interest declines; Bennett et al. 2008)",
        plausible=(90.0, 1095.0),
    )
    notice_factor: float = param(
        2.0, lo=0, unit="x a bystander's chance of noticing", source="assumption"
    )
    reporting_bonus: float = param(
        0.6, lo=0, hi=10, unit="logit", source="assumption (watch training)"
    )
    fade_per_year: float = param(
        0.25,
        lo=0,
        hi=1,
        unit="members leaving per year",
        source="assumption (Las Vegas 1982 survey: deteriorating interest)",
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


def _covered(names: list[Any], scale: Scale) -> np.ndarray:
    """Numbers of the neighbourhoods a user named (ids or names; unknown ones are left out)."""
    out = []
    for n in names:
        if scale.neighborhood_index is None:
            if isinstance(n, int) and n < scale.neighborhoods:
                out.append(n)
            continue
        try:
            out.append(scale.neighborhood_index(n))
        except KeyError:
            continue
    return np.array(out, dtype=np.int64)


@register
class NeighbourhoodWatch(Lever):
    """A watch programme aiming at a share of households in the covered neighbourhoods.

    Members are vigilant guardians, notice more and report more. Membership
    is recruited, fades, and is slowed by police-community meetings. Cost:
    per enrolled household per year.

    Examples:
        ``policy.watch_coverage=0.3 policy.watch_neighborhoods=[0,2]``;
        on an imported city by its ids or names, ``policy.watch_neighborhoods=[8,"Hyde Park"]``
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
            share = len(_covered(policy.watch_neighborhoods, scale)) / n_nb
        elif policy.watch_highest_burglary > 0:
            share = min(policy.watch_highest_burglary, n_nb) / n_nb
        else:
            share = 1.0
        households = policy.watch_coverage * share * scale.households
        return float(households * costs.watch_per_household_year)

    @classmethod
    def check_config(cls, config: Any, scale: Scale) -> None:
        """Covered neighbourhoods must exist in the city (by the user's id or name)."""
        for i, n in enumerate(cls.view(config.policy).watch_neighborhoods or []):
            key = f"policy.watch_neighborhoods.{i}"
            if scale.neighborhood_index is None:
                if not isinstance(n, int) or n >= scale.neighborhoods:
                    raise ConfigError(
                        key,
                        n,
                        f"must be a neighbourhood id below {scale.neighborhoods} (the city's neighbourhoods)",
                    )
                continue
            try:
                scale.neighborhood_index(n)
            except KeyError as exc:
                raise ConfigError(
                    key, n, f"must be a neighbourhood of the city: {exc.args[0]}"
                ) from None

    def setup(self, world: World) -> None:
        """This lever's stream; nobody enrolled yet."""
        self.rng = world.stream("lever:watch")
        self.covered = np.zeros(0, dtype=np.int64)
        self.joined = np.full(world.n_residents, NEVER, dtype=np.int64)

    def choose_neighborhoods(self, world: World) -> np.ndarray:
        """The neighbourhood ids this watch covers."""
        n_nb = world.city.n_neighborhoods
        if self.policy.watch_neighborhoods is not None:
            return _covered(self.policy.watch_neighborhoods, Scale.of(world))
        if self.policy.watch_highest_burglary > 0:
            order = np.argsort(-world.places.warmup_burglary_by_nb, kind="stable")
            return np.sort(order[: self.policy.watch_highest_burglary])
        return np.arange(n_nb)

    def start(self, world: World) -> None:
        """Choose the neighbourhoods the programme covers."""
        self.covered = self.choose_neighborhoods(world)
        self.in_area = np.isin(world.residents.neighborhood, self.covered)

    def join_chance(self, world: World) -> np.ndarray:
        """Each resident's chance of joining when approached: cohesion, trust, fear (Hope 1995)."""
        res, ev = world.residents, self.evidence
        logit = (
            ev.join_logit
            + ev.join_cohesion * (efficacy.cohesion(world) - 0.5)
            + ev.join_trust_per_sd * (res.trust - world.trust_reference) / TRUST_SD
            + ev.join_fear * (res.fear - world.behaviour.population.initial_fear)
        )
        return 1.0 / (1.0 + np.exp(-logit))

    def step(self, world: World) -> None:
        """Daily: recruit during the drive (up to the target), members drift away, pay."""
        if world.hour != 0:
            return
        res, ev = world.residents, self.evidence
        u = self.rng.random((2, world.n_residents))  # fixed-size draws, one per resident
        if world.day - self.start_day < ev.recruit_days:
            coverage = world.mean_by_neighborhood(res.watch.astype(float))
            room = coverage[res.neighborhood] < self.policy.watch_coverage
            approached = self.in_area & room & ~res.watch & (u[0] < ev.approach_per_day)
            joins = approached & (u[1] < self.join_chance(world))
            res.watch |= joins
            self.joined[joins] = world.tick
        supported = world.day - world.meeting_day_nb[res.neighborhood] <= SUPPORT_DAYS
        rate = ev.fade_per_year / 365.0 * np.where(supported, ev.supported_fade_factor, 1.0)
        leave = res.watch & (u[1] >= 1.0 - rate) & (self.joined < world.tick)
        res.watch &= ~leave
        households = res.watch.sum() / world.residents_per_household
        world.spend(households * self.costs.watch_per_household_year / 365.0)

    def stop(self, world: World) -> None:
        """The programme ends: members stand down."""
        world.residents.watch[:] = False

    def vigilance(self, world: World, members: np.ndarray) -> np.ndarray:
        """Members' vigilance, 1 on joining, halving every ``watch.vigilance_half_life_days``."""
        days = (world.tick - self.joined[members]) / 24.0
        return 0.5 ** (days / self.evidence.vigilance_half_life_days)

    def guardians(self, world: World) -> tuple[np.ndarray, np.ndarray] | None:
        """Members present are vigilant guardians."""
        res = world.residents
        assert world.routine is not None
        members = np.flatnonzero(res.watch)
        if len(members) == 0:
            return None
        weight = self.evidence.member_hazard * self.vigilance(world, members)
        hazard = np.bincount(
            world.routine.loc_now[members], weights=weight, minlength=world.city.n_places
        )
        return hazard, np.zeros(world.city.n_places)

    def notice_factor(self, world: World, people: np.ndarray) -> np.ndarray | None:
        """Members notice more."""
        return np.where(world.residents.watch[people], self.evidence.notice_factor, 1.0)

    def report_logit(self, world: World, people: np.ndarray) -> np.ndarray | None:
        """Members were trained to report."""
        return self.evidence.reporting_bonus * world.residents.watch[people]
