"""Community meetings: good contacts for attendees, problem places for police."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commsim import trust
from commsim.levers.base import Lever, Scale, register
from commsim.paramspec import Section, param
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
        0.03,
        lo=0,
        hi=0.5,
        unit="share of a neighbourhood",
        source="Skogan & Hartnett 1997 (~30 of 1,000)",
    )
    contact_gain: float = param(
        1.5, lo=0, unit="good contacts per attendee", source="assumption", plausible=(0.5, 3.0)
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
            attendees = members[u[members] < ev.attendance * 2.0 * res.trust[members]]
            trust.good_contacts(world, attendees, ev.contact_gain)
            world.learn_problem_places(nb, ev.problem_places)
            world.meeting_day_nb[nb] = world.day
            world.spend(self.costs.meeting)
