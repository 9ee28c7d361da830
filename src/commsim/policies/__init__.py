"""Policy levers (DESIGN §3): one small class per lever, built from a PolicyConfig."""

from __future__ import annotations

from commsim.params import PolicyConfig
from commsim.policies.app import ReportingApp
from commsim.policies.base import Policy
from commsim.policies.campaign import EducationCampaign
from commsim.policies.funding import ExtraOfficers
from commsim.policies.meetings import CommunityMeetings
from commsim.policies.outreach import YouthOutreach
from commsim.policies.patrols import PatrolStrategy, VolunteerPatrols
from commsim.policies.shocks import TrustShocks
from commsim.policies.training import OfficerTraining
from commsim.policies.watch import NeighbourhoodWatch

__all__ = [
    "CommunityMeetings",
    "EducationCampaign",
    "ExtraOfficers",
    "NeighbourhoodWatch",
    "OfficerTraining",
    "PatrolStrategy",
    "Policy",
    "ReportingApp",
    "TrustShocks",
    "VolunteerPatrols",
    "build_programmes",
]


def build_programmes(p: PolicyConfig) -> list[Policy]:
    """The programmes a policy config switches on (funded officers are added by the model)."""
    window = {"start_day": p.start_day, "end_day": p.end_day}
    out: list[Policy] = []
    if p.patrol_strategy != "random":
        out.append(PatrolStrategy(p.patrol_strategy, **window))
    if p.watch_coverage > 0:
        out.append(
            NeighbourhoodWatch(
                p.watch_coverage,
                list(p.watch_neighborhoods) if p.watch_neighborhoods is not None else None,
                p.watch_highest_burglary,
                p.watch_fade_per_year,
                **window,
            )
        )
    if p.volunteer_patrollers > 0 and p.patrol_hours_per_week > 0:
        out.append(VolunteerPatrols(p.volunteer_patrollers, p.patrol_hours_per_week, **window))
    if p.meetings_per_month > 0:
        out.append(CommunityMeetings(p.meetings_per_month, **window))
    if p.campaign_weeks > 0 and p.campaign_reach > 0:
        out.append(EducationCampaign(p.campaign_weeks, p.campaign_reach, **window))
    if p.youth_outreach_places > 0:
        out.append(YouthOutreach(p.youth_outreach_places, **window))
    if p.app_adoption > 0:
        out.append(ReportingApp(p.app_adoption, **window))
    if p.training_share > 0:
        out.append(OfficerTraining(p.training_share, p.training_target_group, **window))
    if p.shocks:
        out.append(TrustShocks(list(p.shocks)))
    return out
