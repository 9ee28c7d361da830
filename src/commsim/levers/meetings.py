"""Community meetings: good contacts for attendees, problem places for police."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim import trust
from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import Section, param
from commsim.trust import Contact
from commsim.world import World

MEETING_HOUR = 19  # evening meetings; assumption (Chicago CAPS beat meetings)


@dataclass(frozen=True)
class MeetingPolicy(Section):
    """Meetings' ``policy.*`` keys."""

    section = "policy"

    meetings_per_month: float = param(
        0.0,
        lo=0,
        hi=30,
        unit="meetings per neighbourhood per month",
        source="lever",
        lever=True,
        label="Community meetings per month",
        step=1,
    )


@dataclass(frozen=True)
class MeetingEvidence(Section):
    """How meetings act (``meetings.*``)."""

    section = "meetings"

    attendance: float = param(
        0.003,
        lo=0,
        hi=0.5,
        unit="share of a neighbourhood's residents at a meeting",
        source="Knutson & Skogan 1998 (Chicago CAPS: ~25 residents per beat meeting, ~0.3% of adults a month)",
    )
    contact_bonus: float = param(
        0.05,
        lo=0,
        hi=1,
        unit="extra chance a meeting goes well",
        source="assumption (a non-enforcement setting)",
    )
    problem_places: int = param(
        3, lo=0, hi=50, unit="places raised per meeting", source="assumption"
    )


@dataclass(frozen=True)
class MeetingCosts(Section):
    """Meetings' unit cost (``costs.*``)."""

    section = "costs"

    meeting: float = param(
        1_500.0,
        lo=0,
        unit="USD per meeting",
        source="assumption: two officers' overtime, venue, outreach",
    )


@register
class CommunityMeetings(Lever):
    """Regular police-community meetings in every neighbourhood.

    Attendees (more likely the trusting) get good contacts; residents name the
    places where crime happens, reported or not, and police act on them for a
    while (problem solving). Cost: per meeting.

    Examples:
        ``policy.meetings_per_month=1``
    """

    key = "meetings"
    label = "community meetings"
    Policy = MeetingPolicy
    Evidence = MeetingEvidence
    Costs = MeetingCosts

    @classmethod
    def enabled(cls, policy: Any) -> bool:
        """On when meetings are held."""
        return bool(policy.meetings_per_month > 0)

    @classmethod
    def planned_cost_per_year(cls, policy: Any, costs: Any, scale: Scale) -> float:
        """Meetings per year times neighbourhoods times unit cost."""
        return float(policy.meetings_per_month * 12 * scale.neighborhoods * costs.meeting)

    def setup(self, world: World) -> None:
        """This lever's random stream."""
        self.rng = world.stream("lever:meetings")

    @staticmethod
    def _beat_officer(world: World, nb: int) -> int:
        """An officer of the neighbourhood's beat (the first on the roll)."""
        on_beat = np.flatnonzero(world.officers.beat == nb)
        return int(on_beat[0]) if len(on_beat) else -1

    def meeting_today(self, day_in_policy: int) -> bool:
        """Meetings are spread evenly: one whenever the monthly count ticks over."""
        rate = self.policy.meetings_per_month / 30.0
        return int((day_in_policy + 1) * rate) > int(day_in_policy * rate)

    def step(self, world: World) -> None:
        """Hold tonight's meetings, one per neighbourhood."""
        if world.hour != MEETING_HOUR or not self.meeting_today(world.day - self.start_day):
            return
        res, ev = world.residents, self.evidence
        u = self.rng.random(world.n_residents)  # keyed by resident
        for nb in range(world.city.n_neighborhoods):
            members = res.in_neighborhood(nb)
            if len(members) == 0:
                continue
            # Attendance rises with trust (those who distrust police stay home).
            chance = (
                ev.attendance * res.trust[members] / max(float(res.trust[members].mean()), 1e-9)
            )
            attendees = members[u[members] < chance]
            officer = self._beat_officer(world, nb)
            if officer >= 0:
                trust.contact(world, officer, attendees, Contact.MEETING, bonus=ev.contact_bonus)
            world.learn_problem_places(nb, ev.problem_places)
            world.meeting_day_nb[nb] = world.day
            world.spend(self.costs.meeting)
