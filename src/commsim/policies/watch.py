"""Neighbourhood watch: enrolled households watch, report, and put up signs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.policies.base import Policy

if TYPE_CHECKING:
    from commsim.model import CommunityModel


class NeighbourhoodWatch(Policy):
    """Enrol a share of households in the covered neighbourhoods.

    Members are more vigilant guardians and more likely to report; coverage
    deters through signage. Membership fades without support (meetings slow
    the fade). Cost: per enrolled household per year.

    Examples:
        >>> NeighbourhoodWatch(coverage=0.3, neighborhoods=[0, 2])
    """

    label = "neighbourhood watch"

    def __init__(
        self,
        coverage: float,
        neighborhoods: list[int] | None = None,
        highest_burglary: int = 0,
        fade_per_year: float = 0.25,
        start_day: int = 0,
        end_day: int | None = None,
    ) -> None:
        super().__init__(start_day, end_day)
        self.coverage = coverage
        self.neighborhoods = neighborhoods
        self.highest_burglary = highest_burglary
        self.fade_per_year = fade_per_year
        self.covered: np.ndarray = np.zeros(0, dtype=np.int64)

    def choose_neighborhoods(self, model: CommunityModel) -> np.ndarray:
        """The neighbourhood ids this watch covers."""
        n_nb = model.city.n_neighborhoods
        if self.neighborhoods is not None:
            return np.array([n for n in self.neighborhoods if n < n_nb], dtype=np.int64)
        if self.highest_burglary > 0:
            order = np.argsort(-model.warmup_burglary_by_nb, kind="stable")
            return np.sort(order[: self.highest_burglary])
        return np.arange(n_nb)

    def initialize(self, model: CommunityModel) -> None:
        """Enrol the most trusting residents (plus noise) up to the coverage share."""
        res = model.residents
        rng = model.streams["policy"]
        self.covered = self.choose_neighborhoods(model)
        for nb in self.covered:
            members = res.in_neighborhood(int(nb))
            k = round(self.coverage * len(members))
            if k == 0:
                continue
            # Joiners tend to trust police more (Bennett et al. 2008); noise keeps it loose.
            score = res.trust[members] + rng.normal(0, 0.15, len(members))
            res.watch[members[np.argsort(-score)[:k]]] = True
        model.refresh_watch()

    def apply(self, model: CommunityModel) -> None:
        """Once a day, some members drift away (less so where meetings run)."""
        if model.hour != 0 or self.fade_per_year <= 0:
            return
        res = model.residents
        members = np.flatnonzero(res.watch)
        if len(members) == 0:
            return
        supported = model.meetings_per_month > 0
        rate = self.fade_per_year / 365.0 * (0.25 if supported else 1.0)
        leave = model.streams["policy"].random(len(members)) < rate
        res.watch[members[leave]] = False
        model.refresh_watch()
        model.spend(self.cost_per_year(model) / 365.0)

    def finalize(self, model: CommunityModel) -> None:
        """The programme ends: members stand down and signs come down."""
        model.residents.watch[:] = False
        model.refresh_watch()

    def cost_per_year(self, model: CommunityModel) -> float:
        """Cost of the households enrolled now."""
        households = model.residents.watch.sum() / model.residents_per_household
        return float(households * model.config.costs.watch_per_household_year)

    def planned_cost_per_year(self, model: CommunityModel) -> float:
        """Cost at full enrolment of the covered (or, before warm-up, likely) neighbourhoods."""
        n_nb = model.city.n_neighborhoods
        if self.neighborhoods is not None:
            share = len([n for n in self.neighborhoods if n < n_nb]) / n_nb
        elif self.highest_burglary > 0:
            share = min(self.highest_burglary, n_nb) / n_nb
        else:
            share = 1.0
        households = self.coverage * share * len(model.residents) / model.residents_per_household
        return float(households * model.config.costs.watch_per_household_year)
