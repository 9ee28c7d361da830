"""Community meetings: good contacts for attendees, problem places for police."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commsim.policies.base import Policy

if TYPE_CHECKING:
    from commsim.model import CommunityModel

MEETING_HOUR = 19  # evening meetings; assumption (Chicago CAPS beat meetings)
PROBLEM_PLACES = 3  # places raised per meeting; assumption


class CommunityMeetings(Policy):
    """Regular police-community meetings in every neighbourhood.

    Attendees (more likely the trusting) get a good contact; residents name the
    places where crime happens — reported or not — and police patrol and act
    on them for a while (problem solving). Cost: per meeting.

    Examples:
        >>> CommunityMeetings(per_month=1)
    """

    label = "community meetings"

    def __init__(self, per_month: float, start_day: int = 0, end_day: int | None = None) -> None:
        super().__init__(start_day, end_day)
        self.per_month = per_month

    def initialize(self, model: CommunityModel) -> None:
        """Let other levers know meetings run (watch fades less)."""
        model.meetings_per_month = self.per_month

    def finalize(self, model: CommunityModel) -> None:
        """Meetings stop."""
        model.meetings_per_month = 0.0

    def meeting_today(self, day_in_policy: int) -> bool:
        """Meetings are spread evenly: one whenever the monthly count ticks over."""
        rate = self.per_month / 30.0
        return int((day_in_policy + 1) * rate) > int(day_in_policy * rate)

    def apply(self, model: CommunityModel) -> None:
        """Hold tonight's meetings, one per neighbourhood."""
        if model.hour != MEETING_HOUR or not self.meeting_today(model.day - self.start_day):
            return
        res, rng, t = model.residents, model.streams["policy"], model.trust_params
        for nb in range(model.city.n_neighborhoods):
            members = res.in_neighborhood(nb)
            if len(members) == 0:
                continue
            # Attendance rises with trust (those who distrust police stay home).
            p_attend = t.meeting_attendance * 2.0 * res.trust[members]
            attendees = members[rng.random(len(members)) < p_attend]
            model.good_contacts(attendees, t.meeting_contact_gain)
            model.learn_problem_places(nb, PROBLEM_PLACES)
            model.spend(model.config.costs.meeting)

    def planned_cost_per_year(self, model: CommunityModel) -> float:
        """Meetings per year times neighbourhoods times unit cost."""
        return float(self.per_month * 12 * model.city.n_neighborhoods * model.config.costs.meeting)
